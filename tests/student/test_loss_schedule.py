"""The focal loss for the first steps, plain BCE after: the switch lands on its step, in the
arguments gliner's Trainer reads its loss from at every step."""

from __future__ import annotations

from transformers import TrainerControl, TrainerState

from student.config import Candidate, StudentConfig
from student.loss_schedule import FocalThenBCE
from student.train import training_arguments


def test_the_loss_turns_to_plain_bce_at_the_switch_step(tmp_path):
    config = StudentConfig(focal_share=0.25, max_steps=160)
    arguments = training_arguments(Candidate(), config, tmp_path, cuda=False)
    switch = FocalThenBCE(round(config.max_steps * config.focal_share))
    seen = []
    for step in range(0, 160, 10):
        switch.on_step_begin(arguments, TrainerState(global_step=step), TrainerControl())
        seen.append((step, arguments.focal_loss_alpha, arguments.focal_loss_gamma))
    assert seen[3] == (30, 0.75, 2.0), "the configured focal loss before the switch"
    assert seen[4] == (40, -1.0, 0.0) and seen[-1] == (150, -1.0, 0.0), "gliner's plain BCE from step 40"
