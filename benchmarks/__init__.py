"""Benchmarks: scripts (not tests) that measure quality and speed and write BENCHMARKS.md."""
