"""The teacher's circuit breaker: stop the whole run when no document can succeed.

A wrong API key (401/403) or an unknown model (404) fails every call the same way, and a dead
server answers none: retrying each document would spend the run's time (or money) on nothing.
So a refusal of that kind stops the run at once, and so do a few unreachable calls in a row, or
the endpoint's own process reported gone (the embedded llama.cpp server). Documents left undone
keep no failure record: the next run retries them, as it retries failed ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from teacher.endpoint import TeacherCallError

# statuses that no retry, and no other document, can fix
FATAL_STATUS = {
    401: "the endpoint refused the API key (401): check DISTIL_TEACHER__API_KEY or OPENAI_API_KEY",
    403: "the endpoint refused access (403): the key lacks permission for this model",
    404: "the endpoint does not know the model or path (404): check DISTIL_TEACHER__MODEL and the base URL",
}


class TeacherHalted(RuntimeError):
    """The run stopped because the teacher cannot answer any document; `summary` is what it did."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        self.summary = None  # set by the run that stopped


@dataclass
class CircuitBreaker:
    max_unreachable: int = 3  # connection failures or timeouts in a row
    health: Callable[[], str | None] | None = None  # why the endpoint's process is gone, if it is
    reason: str | None = None
    _unreachable: int = field(default=0, repr=False)

    def check(self) -> None:
        """Raise TeacherHalted once the breaker has tripped (before every call)."""
        if self.reason is None and self.health is not None and (gone := self.health()):
            self.reason = gone
        if self.reason is not None:
            raise TeacherHalted(self.reason)

    def success(self) -> None:
        self._unreachable = 0

    def failure(self, error: TeacherCallError) -> None:
        """Count a failed call; trip when it shows that no document can succeed."""
        if self.health is not None and (gone := self.health()):
            self.reason = gone
        elif error.status in FATAL_STATUS:
            self.reason = f"{FATAL_STATUS[error.status]} ({error.reason})"
        elif error.unreachable:
            self._unreachable += 1
            if self._unreachable >= self.max_unreachable:
                self.reason = (
                    f"the teacher endpoint did not answer {self._unreachable} calls in a row "
                    f"({error.reason}): is the server running and the base URL right?"
                )
        else:
            self._unreachable = 0  # it answered, if badly: reachable
