"""Fixtures the student's tests share."""

from __future__ import annotations

import pytest

from student.backbone import load_base


@pytest.fixture(scope="module")
def minilm():
    """An untrained minilm GLiNER (fresh heads), for tests that read its trainer and do not train."""
    return load_base("minilm")
