"""Requests from concurrent clients share forward passes: a bounded queue, one model call at a time.

A request waits at most `max_wait` for company (0 by default: a batch is what queued while the
model was busy, so a lone request never waits and a busy server batches); requests with the
same labels and threshold are run together (labels are part of the prompt, so only those can
share a batch), and the runtime sorts their texts by length. A full queue is refused at once
rather than left to time out, so a load balancer can send the request elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


class Overloaded(RuntimeError):
    """The queue holds as many texts as it may: answer 503 and let the client retry."""


@dataclass
class Job:
    texts: Sequence[str]
    labels: tuple[str, ...]
    threshold: float | None  # None: the bundle's own thresholds
    done: asyncio.Future = field(repr=False)

    @property
    def key(self) -> tuple:
        return (self.labels, self.threshold)


# runs one batch: (texts, labels, threshold) -> one list of entities per text
RunBatch = Callable[[list[str], tuple[str, ...], float], list]


class Batcher:
    def __init__(
        self,
        run: RunBatch,
        max_batch: int = 32,
        max_wait: float = 0.0,
        max_queued: int = 256,
        share: bool = True,
        on_batch: Callable[[int], None] = lambda texts: None,
    ):
        """`max_queued` counts texts, not requests: a request of 64 texts weighs 64."""
        self.run, self.max_batch, self.max_wait = run, max_batch, max_wait
        self.max_queued, self.share, self.on_batch = max_queued, share, on_batch
        self.queued = 0
        self._jobs: asyncio.Queue[Job] = asyncio.Queue()
        self._worker: asyncio.Task | None = None

    async def submit(self, texts: Sequence[str], labels: Sequence[str], threshold: float) -> list:
        if self.queued + len(texts) > self.max_queued:
            raise Overloaded(f"{self.queued} texts are queued (limit {self.max_queued})")
        job = Job(texts, tuple(labels), threshold, asyncio.get_running_loop().create_future())
        self.queued += len(texts)
        self._jobs.put_nowait(job)
        return await job.done

    def start(self) -> None:
        self._worker = asyncio.create_task(self._serve())

    async def stop(self) -> None:
        if self._worker:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)

    async def _serve(self) -> None:
        held: list[Job] = []  # taken from the queue but not of the batch being run
        while True:
            first = held.pop(0) if held else await self._jobs.get()
            batch = [first] + await self._company(first, held)
            await self._run(batch)

    async def _company(self, first: Job, held: list[Job]) -> list[Job]:
        """Jobs that can share `first`'s forward pass, waiting up to `max_wait` for them."""
        if not self.share:
            return []
        company, size = [], len(first.texts)
        for job in list(held):
            if job.key == first.key and size + len(job.texts) <= self.max_batch:
                held.remove(job)
                company.append(job)
                size += len(job.texts)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while size < self.max_batch:
            job = await self._next(deadline - loop.time())
            if job is None:
                break
            if job.key == first.key and size + len(job.texts) <= self.max_batch:
                company.append(job)
                size += len(job.texts)
            else:
                held.append(job)
        return company

    async def _next(self, wait: float) -> Job | None:
        """A job already queued, or one arriving within `wait` seconds."""
        try:
            return self._jobs.get_nowait()
        except asyncio.QueueEmpty:
            if wait <= 0:
                return None
        try:
            return await asyncio.wait_for(self._jobs.get(), wait)
        except TimeoutError:
            return None

    async def _run(self, batch: list[Job]) -> None:
        texts = [t for job in batch for t in job.texts]
        self.on_batch(len(texts))
        try:
            # the model runs in a thread: the event loop keeps accepting (and refusing) requests
            found = await asyncio.to_thread(self.run, texts, batch[0].labels, batch[0].threshold)
        except Exception as error:  # every waiting request hears of it; the server keeps serving
            for job in batch:
                job.done.done() or job.done.set_exception(error)
        else:
            position = 0
            for job in batch:
                job.done.done() or job.done.set_result(found[position : position + len(job.texts)])
                position += len(job.texts)
        finally:
            self.queued -= len(texts)
