"""Route, push, pull: the review stage wired to the store and Argilla.

Argilla unreachable never fails a run: routing is recorded, the documents stay
queued in the store, and the next sync catches up.
"""

from __future__ import annotations

from dataclasses import dataclass

import review.argilla_backend  # noqa: F401 (registers argilla.v1)
from flows.project import Project
from review.backend import ReviewBackend, ReviewUnavailable, review_backends
from review.metrics import ReviewMetrics, review_metrics
from review.policy import Decision
from review.queue import ReviewQueue
from review.sync import PullReport, PushReport, pull, push, requeue_discarded


@dataclass
class SyncReport:
    routed: list[Decision]
    pushed: PushReport | None
    pulled: PullReport | None
    unavailable: str | None  # why Argilla could not be reached, if it could not
    url: str | None = None  # where annotators open the dataset


def backend(project: Project) -> ReviewBackend:
    """The review backend `[review] backend` names (Argilla by default), at its configured URL."""
    config = project.settings.review
    if not config.api_url:
        raise ReviewUnavailable(
            "no Argilla configured (ARGILLA_API_URL / [review] api_url): the routed documents stay queued in "
            "the store; configure Argilla (from a checkout, `make argilla` starts one here) and run "
            "`distil review push`."
        )
    key = config.api_key.get_secret_value() if config.api_key else ""
    return review_backends.get(config.backend)(config.api_url, key, project.guidelines, config)


def sync(project: Project, do_route: bool = True, do_push: bool = True, do_pull: bool = True) -> SyncReport:
    store, queue = project.store, _queue(project)
    routed = queue.route_new(project.settings.review.policy()) if do_route else []
    try:
        review = backend(project)
    except ReviewUnavailable as error:
        return SyncReport(routed, None, None, str(error))
    pulled = pull(store, queue, review) if do_pull else None  # answers first: never re-push an answered one
    pushed = push(store, queue, review, project.settings.review.order) if do_push else None
    url = review.url() if hasattr(review, "url") else None  # a backend may have no web page
    return SyncReport(routed, pushed, pulled, None, url)


def requeue(project: Project) -> int:
    """Discarded documents back to review (they are pushed afresh by the next push)."""
    return requeue_discarded(_queue(project), backend(project))


def status(project: Project) -> tuple[dict, ReviewMetrics]:
    return dict(_queue(project).counts()), review_metrics(project.store, project.guidelines.version)


def waiting_for_review(project: Project) -> tuple[set[str], set[str]]:
    """(waiting, discarded) document ids: training leaves both out."""
    queue = _queue(project)
    return queue.waiting(), queue.discarded()


def _queue(project: Project) -> ReviewQueue:
    return ReviewQueue(project.store, project.guidelines.version)
