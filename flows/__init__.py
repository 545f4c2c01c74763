"""Composition: Prefect flows and the `distil` command line. The only package that imports stages."""
