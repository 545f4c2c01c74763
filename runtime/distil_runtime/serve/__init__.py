"""`distil-serve`: an HTTP API over a distil bundle or a project's production link.

Install with `pip install "distil-runtime[serve]"`; `distil-serve --help` lists the limits.
"""
