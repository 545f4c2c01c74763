"""The demo's own small corpus and human validation set, written by the distil team."""
