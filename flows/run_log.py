"""Each flow run in the store's run log (`distil status` shows the last ones): a row when a
top-level flow starts, its end and status when it ends. A flow called by another (the stages of
`distill`) belongs to its caller's run and writes no row of its own."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextvars import ContextVar, Token

from corpus.runs import finish_run, start_run
from flows.project import Project

# Reached only through the module-level functions below: the wrapper is pickled by value when a
# Dask worker receives the flow's context, and a ContextVar itself cannot be pickled.
_inside_run: ContextVar[bool] = ContextVar("distil_inside_run", default=False)


def _enter_run() -> Token | None:
    """None when a run is already open in this context (a stage called by `distill`)."""
    return None if _inside_run.get() else _inside_run.set(True)


def _leave_run(token: Token) -> None:
    _inside_run.reset(token)


def recorded(name: str) -> Callable:
    """Decorate a flow function (under @flow) whose first parameter is the project folder."""

    def decorate(fn: Callable) -> Callable:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def run(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            project = bound.arguments["project"]
            token = _enter_run()
            if token is None:
                return fn(*args, **kwargs)
            run_id = _start(project, name)
            status, error = "failed", ""
            try:
                result = fn(*args, **kwargs)
                status = "completed"
                return result
            except BaseException as failure:
                error = f"{type(failure).__name__}: {failure}"
                raise
            finally:
                _leave_run(token)
                if run_id:
                    with Project.load(project) as opened:
                        finish_run(opened.store, run_id, status, error)

        return run

    return decorate


def _start(project: str, name: str) -> str | None:
    """The run's row; None where the project cannot be opened (the flow then says why itself)."""
    try:
        with Project.load(project) as opened:
            return start_run(opened.store, name)
    except Exception:  # noqa: BLE001 - the run log must never be why a run fails
        return None
