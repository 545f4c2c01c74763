"""Annotation guidelines written by the distil team (markdown, one file per set).

This folder is data people edit; corpus.guideline_files loads and validates it.
"""
