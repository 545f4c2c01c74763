"""Shared by the teacher's tests: the scripted OpenAI-compatible server, empty of answers
(each test scripts its own; files that need preset answers define their own `fake`)."""

from __future__ import annotations

import pytest

from teacher.scripted_server import FakeOpenAI


@pytest.fixture
def fake():
    server = FakeOpenAI()
    server.url = server.start()
    yield server
    server.stop()
