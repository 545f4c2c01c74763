"""Route, push, pull: the review stage wired to the store and Argilla.

Argilla unreachable never fails a run: routing is recorded, the documents stay
queued in the store, and the next sync catches up.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus.guidelines import load_guidelines
from corpus.store import Store
from flows.settings import Settings
from review.argilla_backend import ArgillaBackend
from review.backend import ReviewBackend, ReviewUnavailable
from review.metrics import ReviewMetrics, review_metrics
from review.policy import Decision
from review.queue import ReviewQueue
from review.sync import PullReport, PushReport, pull, push


@dataclass
class SyncReport:
    routed: list[Decision]
    pushed: PushReport | None
    pulled: PullReport | None
    unavailable: str | None  # why Argilla could not be reached, if it could not


def backend(settings: Settings) -> ReviewBackend:
    config = settings.review
    if not config.api_url:
        raise ReviewUnavailable(
            "no Argilla configured (ARGILLA_API_URL / [review] api_url): the routed documents stay queued in "
            "the store; configure Argilla and run `distil review push`."
        )
    key = config.api_key.get_secret_value() if config.api_key else ""
    guidelines = load_guidelines(settings.guidelines_ref)
    return ArgillaBackend(config.api_url, key, guidelines, config.workspace, config.min_submitted)


def sync(settings: Settings, do_route: bool = True, do_push: bool = True, do_pull: bool = True) -> SyncReport:
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        queue = ReviewQueue(store, guidelines.version)
        routed = queue.route_new(settings.review.policy()) if do_route else []
        try:
            review = backend(settings)
        except ReviewUnavailable as error:
            return SyncReport(routed, None, None, str(error))
        pulled = (
            pull(store, queue, review) if do_pull else None
        )  # answers first: never re-push an answered one
        pushed = push(store, queue, review) if do_push else None
        return SyncReport(routed, pushed, pulled, None)


def status(settings: Settings) -> tuple[dict, ReviewMetrics]:
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        return dict(ReviewQueue(store, guidelines.version).counts()), review_metrics(
            store, guidelines.version
        )


def waiting_for_review(settings: Settings) -> tuple[set[str], set[str]]:
    """(waiting, discarded) document ids: training leaves both out."""
    guidelines = load_guidelines(settings.guidelines_ref)
    with Store(settings.store_url) as store:
        queue = ReviewQueue(store, guidelines.version)
        return queue.waiting(), queue.discarded()
