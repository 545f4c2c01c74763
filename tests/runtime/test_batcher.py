"""The batcher's default is greedy: a lone request runs at once, alone; requests that queue while
the model is busy share its next forward pass (if their labels and threshold match); a full
queue is refused. No model here: `run` records what it was given."""

from __future__ import annotations

import asyncio
import threading

import pytest
from distil_runtime.serve.batcher import Batcher, Overloaded


class Recorder:
    """A model call that records each batch and can be held busy until released."""

    def __init__(self):
        self.batches: list[tuple[list[str], tuple[str, ...]]] = []
        self.busy = threading.Event()  # set while the first batch runs
        self.release = threading.Event()

    def __call__(self, texts, labels, threshold):
        self.batches.append((list(texts), labels))
        if len(self.batches) == 1:
            self.busy.set()
            self.release.wait(10)
        return [f"found in {t}" for t in texts]


async def _wait_busy(recorder: Recorder) -> None:
    await asyncio.to_thread(recorder.busy.wait, 10)


def test_a_lone_request_runs_at_once_and_queued_ones_share_the_next_batch():
    async def scenario():
        recorder = Recorder()
        batcher = Batcher(recorder)  # the defaults: greedy
        batcher.start()
        first = asyncio.create_task(batcher.submit(["a"], ["PER"], 0.5))
        await _wait_busy(recorder)  # the lone request is running, alone, without waiting for company
        queued = [asyncio.create_task(batcher.submit([t], ["PER"], 0.5)) for t in ("b", "c", "d")]
        other_labels = asyncio.create_task(batcher.submit(["e"], ["LOC"], 0.5))
        await asyncio.sleep(0.05)  # let the submissions reach the queue
        recorder.release.set()
        answers = await asyncio.gather(first, *queued, other_labels)
        await batcher.stop()
        return recorder.batches, answers

    batches, answers = asyncio.run(scenario())
    assert batches[0] == (["a"], ("PER",))
    assert batches[1] == (["b", "c", "d"], ("PER",))  # queued while busy: one forward pass
    assert batches[2] == (["e"], ("LOC",))  # other labels, other prompt: never in the same batch
    assert answers == [["found in a"], ["found in b"], ["found in c"], ["found in d"], ["found in e"]]


def test_a_full_queue_is_refused_at_once():
    async def scenario():
        recorder = Recorder()
        batcher = Batcher(recorder, max_queued=3)
        batcher.start()
        first = asyncio.create_task(batcher.submit(["a", "b"], ["PER"], 0.5))
        await _wait_busy(recorder)
        with pytest.raises(Overloaded, match="2 texts are queued"):
            await batcher.submit(["c", "d"], ["PER"], 0.5)
        accepted = asyncio.create_task(batcher.submit(["c"], ["PER"], 0.5))  # fits: 3 of 3
        await asyncio.sleep(0.05)
        recorder.release.set()
        result = await asyncio.gather(first, accepted)
        await batcher.stop()
        return result

    assert asyncio.run(scenario()) == [["found in a", "found in b"], ["found in c"]]


def test_distil_serve_batches_greedily_unless_told_to_wait():
    from distil_runtime.serve.cli import options_from, parser

    assert options_from(parser().parse_args(["bundle"])).max_wait == 0
    assert options_from(parser().parse_args(["bundle", "--max-wait-ms", "5"])).max_wait == 0.005
