"""Bulk annotation: documents in, teacher annotations (with confidence) in the store.

Async with bounded concurrency: `concurrency` workers pull documents from one
iterator, so memory stays flat however many documents there are. Each document
is claimed in the store first (never paid for twice, also across workers),
annotated with several samples, judged by the confidence estimator, and written
with its call record in one transaction.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from corpus.chunking import chunk_text
from corpus.guideline_model import Guidelines
from corpus.model import Annotation, AnnotationStatus, Document, Span
from corpus.store import Store
from teacher.breaker import CircuitBreaker, TeacherHalted
from teacher.confidence import ConfidenceEstimator, Judgement, Sample, SelfConsistency, span_probabilities
from teacher.config import TeacherConfig
from teacher.endpoint import Extraction, PermanentError, TeacherCallError, TeacherEndpoint, TransientError
from teacher.ensemble import Agreement, EnsembleMode, SecondOpinion, apply, compare
from teacher.fewshot import Embedder, ExamplePool, SentenceEmbedder
from teacher.ledger import Claim
from teacher.localize import invalid_count, localize
from teacher.plan import CallPlan
from teacher.prompt import PROMPT_VERSION, verify_messages
from teacher.schema import verdicts_model
from teacher.summary import RunSummary
from teacher.techniques import Verification, questions, spans_in


@dataclass
class _DocumentWork:
    samples: list[Sample] = field(default_factory=list)
    proposed: int = 0  # entities the model proposed, over all samples
    dropped: Counter = field(default_factory=Counter)
    tokens_in: int = 0
    tokens_out: int = 0
    calls: int = 0
    verification: Verification | None = None
    agreement: Agreement | None = None

    @property
    def weighed(self) -> int:
        """The distinct spans the document's confidence weighed: every sample's, and the second
        opinion's. Review multiplies the doubt by it: a long document's doubt hides more errors."""
        spans = {span for sample in self.samples for span in sample.spans}
        return len(spans | (self.agreement.other_only if self.agreement else set()))


class TeacherRun:
    def __init__(
        self,
        store: Store,
        guidelines: Guidelines,
        endpoint: TeacherEndpoint,
        config: TeacherConfig,
        estimator: ConfidenceEstimator | None = None,
        worker: str | None = None,
        embedder: Embedder | None = None,
        second_opinion: SecondOpinion | None = None,
        breaker: CircuitBreaker | None = None,
    ):
        self.store = store
        self.breaker = breaker or CircuitBreaker()
        self.guidelines = guidelines
        self.endpoint = endpoint
        self.config = config
        self.estimator = estimator or SelfConsistency(config.vote_threshold)
        self.plan = CallPlan(store, guidelines, endpoint.model, config, worker)
        self.ledger, self.system, self.prices = self.plan.ledger, self.plan.system, self.plan.prices
        self.names_only = config.names_only if config.names_only is not None else guidelines.capitalized_names
        self.response_models: dict = {}  # label set -> schema, shared by every document
        self.embedder = embedder
        self.second_opinion = second_opinion if config.ensemble != EnsembleMode.OFF else None
        self._pool: ExamplePool | None = None
        self._pool_lock = asyncio.Lock()
        self.annotator = self.plan.annotator

    async def run(
        self, documents: Iterable[Document], progress: Callable[[], None] | None = None
    ) -> RunSummary:
        summary = RunSummary()
        started = time.monotonic()
        queue = iter(documents)

        async def worker() -> None:
            for document in queue:  # one shared iterator: each document goes to exactly one worker
                self.breaker.check()  # tripped: take no more documents
                await self._one(document, summary)
                if progress:
                    progress()
                first_done.set()

        # Slow start: one worker until the first document is through, so a wrong key or an
        # unknown model costs one call, not `concurrency` of them.
        first_done = asyncio.Event()
        heartbeat = asyncio.ensure_future(self._renew_claims())
        workers = [asyncio.ensure_future(worker())]
        waiter = asyncio.ensure_future(first_done.wait())
        try:
            await asyncio.wait([workers[0], waiter], return_when=asyncio.FIRST_COMPLETED)
            workers += [asyncio.ensure_future(worker()) for _ in range(self.config.concurrency - 1)]
            await asyncio.gather(*workers)
        except TeacherHalted as halted:
            for other in workers:  # calls in flight are abandoned; their documents stay unclaimed
                other.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            halted.summary = summary
            raise
        finally:
            waiter.cancel()
            heartbeat.cancel()
            summary.seconds = time.monotonic() - started
        return summary

    async def _renew_claims(self) -> None:
        """Keep this worker's claims alive while it runs, so only a dead worker's expire."""
        while True:
            await asyncio.sleep(self.ledger.lease.total_seconds() / 3)
            await asyncio.to_thread(self.ledger.renew)

    async def _one(self, document: Document, summary: RunSummary) -> None:
        summary.documents += 1
        call = self.plan.key(document)
        outcome = await asyncio.to_thread(self.ledger.claim, call)
        if outcome == Claim.CACHED:
            summary.cached += 1
            return
        if outcome == Claim.BUSY:
            summary.busy += 1
            return
        work = _DocumentWork()
        try:
            await self._sample(document, work)
        except TeacherCallError as error:
            await self._record_failure(document, call, work, error, summary)
            return
        except BaseException:
            await asyncio.to_thread(self.ledger.release, call)  # interrupted: the next run retries at once
            raise
        judgement = self.estimator.judge(work.samples)
        confirmed = work.verification.confirmed_share if work.verification else None
        if confirmed is not None:  # the model doubting its own first answer lowers the confidence
            judgement.confidence = round((judgement.confidence + confirmed) / 2, 4)
        if self.second_opinion:
            other = await asyncio.to_thread(self.second_opinion.spans, document.text)
            work.agreement = compare(judgement.spans, other, self.second_opinion.name)
            judgement.spans, judgement.confidence = apply(
                judgement.spans, judgement.confidence, work.agreement, self.config.ensemble
            )
        cost = self.prices.cost(work.tokens_in, work.tokens_out)
        annotation = self._annotation(document, work, judgement, cost)
        result = {"samples": [[[s.start, s.end, s.label] for s in sample.spans] for sample in work.samples]}
        await asyncio.to_thread(
            self.ledger.finish, call, result, work.tokens_in, work.tokens_out, work.calls, cost, annotation
        )
        summary.annotated += 1
        summary.spans += len(judgement.spans)
        summary.confidences.append(judgement.confidence)
        self._count(summary, work, cost)

    def _annotation(
        self, document: Document, work: _DocumentWork, judgement: Judgement, cost: float
    ) -> Annotation:
        """What the store keeps of one judged document: its spans and confidence, and how they came."""
        invalid = invalid_count(work.dropped)
        return Annotation(
            document.id,
            self.annotator,
            judgement.spans,
            guidelines_version=self.guidelines.version,
            confidence=judgement.confidence,
            tokens_in=work.tokens_in,
            tokens_out=work.tokens_out,
            cost_usd=cost,
            metadata={
                "candidates": work.proposed,  # the stored key keeps its name: annotations already hold it
                "weighed_spans": work.weighed,
                "invalid_spans": invalid,
                "dropped": dict(work.dropped),
                "invalid_rate": round(invalid / work.proposed, 4) if work.proposed else 0.0,
                "samples": len(work.samples),
                "calls": work.calls,
                "prompt_version": PROMPT_VERSION,
                "sampling": self.config.sampling_key(),
                **self._technique_metadata(work),
            },  # fmt: skip
        )

    async def _sample(self, document: Document, work: _DocumentWork) -> None:
        chunks = chunk_text(document.text, self.config.max_chunk_chars, self.config.chunk_overlap_chars)
        pool = await self._examples() if self.config.few_shot else None
        asked = [
            questions(self.config, self.guidelines, self.system, c, self.response_models, pool, document.id)
            for c in chunks
        ]
        for index in range(self.config.samples):
            temperature = self.config.temperature if index == 0 else self.config.sample_temperature
            spans: set[Span] = set()
            probabilities: dict[Span, float] = {}
            for chunk, chunk_questions in zip(chunks, asked, strict=True):
                for question in chunk_questions:
                    seed = self.config.seed + index
                    extraction = await self._call(
                        question.messages, question.response_model, temperature, seed, work
                    )
                    located = localize(chunk.text, extraction.entities, question.labels, self.names_only)
                    work.proposed += len(extraction.entities)
                    work.dropped.update(located.dropped)
                    shift = lambda s, c=chunk: Span(s.start + c.start, s.end + c.start, s.label)  # noqa: E731
                    spans.update(shift(s) for s in located.spans)
                    if extraction.token_logprobs:
                        for span, p in span_probabilities(extraction.token_logprobs, located.located).items():
                            probabilities[shift(span)] = p
            work.samples.append(Sample(sorted(spans), probabilities or None))
        if self.config.verify:
            await self._verify(document, chunks, work)

    async def _verify(self, document: Document, chunks, work: _DocumentWork) -> None:
        """Ask the model to confirm or reject every span any sample found; drop the rejected."""
        found = {span for sample in work.samples for span in sample.spans}
        work.verification = Verification()
        for chunk in chunks:
            spans = spans_in(chunk, found)
            if not spans:
                continue
            candidates = [(document.text[s.start : s.end], s.label) for s in spans]
            try:
                answer = await self._call(
                    verify_messages(self.system, chunk.text, candidates),
                    verdicts_model(len(spans)),
                    self.config.temperature,
                    self.config.seed,
                    work,
                )
            except PermanentError as error:  # no usable verdicts: keep the spans unverified, say so
                work.verification.failures.append(error.reason)
                continue
            work.verification.record(spans, list(answer.parsed.correct))
        work.samples = work.verification.apply(work.samples)

    async def _examples(self) -> ExamplePool:
        """The few-shot pool, built once per run (the embedder loads on first use)."""
        async with self._pool_lock:
            if self._pool is None:
                embedder = self.embedder or await asyncio.to_thread(
                    SentenceEmbedder.shared, self.config.embedder
                )
                self._pool = await asyncio.to_thread(ExamplePool.build, self.guidelines, self.store, embedder)
        return self._pool

    def _technique_metadata(self, work: _DocumentWork) -> dict:
        config = self.config
        used = [
            name
            for name, on in [
                (f"few_shot={config.few_shot}", config.few_shot),
                ("constrain", config.constrain),
                ("verify", config.verify),
                ("per_label", config.per_label),
                (f"ensemble={config.ensemble}", self.second_opinion),
            ]
            if on
        ]
        metadata: dict = {"techniques": used} if used else {}
        if work.verification:
            metadata["verification"] = {
                "confirmed": len(work.verification.confirmed),
                "rejected": len(work.verification.rejected - work.verification.confirmed),
                "failed": work.verification.failures,
            }
        if work.agreement:
            metadata["ensemble"] = work.agreement.metadata()
        return metadata

    async def _call(
        self, prompt, response_model, temperature: float, seed: int, work: _DocumentWork
    ) -> Extraction:
        """One endpoint call, retried with exponential backoff and jitter on transient errors."""
        config = self.config
        for attempt in range(config.max_retries + 1):
            self.breaker.check()
            try:
                extraction = await self.endpoint.extract(
                    prompt, response_model, temperature=temperature, seed=seed
                )
            except TeacherCallError as error:
                work.calls += 1
                work.tokens_in += error.tokens_in
                work.tokens_out += error.tokens_out
                self.breaker.failure(error)
                self.breaker.check()  # no document can succeed: stop the run, record no failure
                if isinstance(error, PermanentError) or attempt == config.max_retries:
                    if isinstance(error, TransientError):
                        error.reason = f"{error.reason} (gave up after {attempt + 1} attempts)"
                    raise
                delay = error.retry_after
                if delay is None:
                    delay = min(config.backoff_max_s, config.backoff_base_s * 2**attempt) * random.uniform(
                        0.5, 1.5
                    )
                await asyncio.sleep(min(delay, config.backoff_max_s))
                continue
            work.calls += 1
            work.tokens_in += extraction.tokens_in
            work.tokens_out += extraction.tokens_out
            self.breaker.success()
            return extraction
        raise AssertionError("unreachable")

    async def _record_failure(self, document, call, work: _DocumentWork, error, summary: RunSummary) -> None:
        cost = self.prices.cost(work.tokens_in, work.tokens_out)
        annotation = Annotation(
            document.id, self.annotator, [], guidelines_version=self.guidelines.version,
            status=AnnotationStatus.FAILED, error=error.reason, tokens_in=work.tokens_in,
            tokens_out=work.tokens_out, cost_usd=cost, metadata={"calls": work.calls},
        )  # fmt: skip
        await asyncio.to_thread(
            self.ledger.fail,
            call,
            error.reason,
            work.tokens_in,
            work.tokens_out,
            work.calls,
            cost,
            annotation,
        )
        summary.failed += 1
        summary.failures.append((document.id, error.reason))
        self._count(summary, work, cost)

    @staticmethod
    def _count(summary: RunSummary, work: _DocumentWork, cost: float) -> None:
        summary.proposed += work.proposed
        summary.invalid += invalid_count(work.dropped)
        summary.dropped.update(work.dropped)
        summary.calls += work.calls
        summary.tokens_in += work.tokens_in
        summary.tokens_out += work.tokens_out
        summary.cost_usd += cost
