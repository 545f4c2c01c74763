"""Plug points by name: the shipped parts are found under their versioned names, an unknown
name lists the known ones, and another package's part is found through its entry point."""

from __future__ import annotations

import sys

import pytest

from corpus.plugins import PluginError, Plugins
from review.backend import ReviewBackend, review_backends
from teacher.confidence import ConfidenceEstimator, confidence_estimators
from teacher.config import TeacherConfig
from teacher.endpoint import TeacherEndpoint, teacher_endpoints


def test_the_shipped_parts_are_registered_under_versioned_names():
    import review.argilla_backend  # noqa: F401 (registers argilla.v1)

    config = TeacherConfig()
    assert isinstance(confidence_estimators.get(config.confidence)(config), ConfidenceEstimator)
    endpoint = teacher_endpoints.get(config.endpoint)(config, "http://127.0.0.1:1/v1", "m", "not-needed")
    assert isinstance(endpoint, TeacherEndpoint) and endpoint.model == "m"
    assert "argilla.v1" in review_backends.names()


def test_an_unknown_name_says_which_are_known():
    with pytest.raises(PluginError, match=r"no teacher_endpoints named 'vllm\.v9'; known: openai\.v1"):
        teacher_endpoints.get("vllm.v9")


def test_a_name_registered_twice_is_refused():
    plugins = Plugins("things", "()")
    plugins.register("a.v1")(lambda: 1)
    with pytest.raises(PluginError, match="registered twice"):
        plugins.register("a.v1")(lambda: 2)


def test_another_packages_part_is_found_through_its_entry_point(tmp_path, monkeypatch):
    """A package installed beside distil (a dist-info with entry_points.txt on sys.path, as pip
    leaves it) adds a review backend without any edit of distil."""
    (tmp_path / "labelstudio_backend.py").write_text(
        "class Backend:\n"
        "    def __init__(self, url, key, guidelines, config):\n"
        "        self.url = url\n"
        "    def push(self, tasks): ...\n"
        "    def answers(self): ...\n",
        encoding="utf-8",
    )
    info = tmp_path / "labelstudio_backend-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: labelstudio-backend\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[distil.review_backends]\nlabel-studio.v1 = labelstudio_backend:Backend\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "label-studio.v1" in review_backends.names()
    backend = review_backends.get("label-studio.v1")("http://ls:8080", "key", None, None)
    assert backend.url == "http://ls:8080" and isinstance(backend, ReviewBackend)
    sys.modules.pop("labelstudio_backend", None)
    review_backends._factories.pop("label-studio.v1")  # leave the registry as other tests find it
