"""distil's own failures and what the command line says for each: the message they carry is
already written for the user (what, where, the fix), so it is shown as is, one line per problem."""

from __future__ import annotations

from corpus.errors import InputError
from corpus.plugins import PluginError
from corpus.store import LeakageError
from export.registry import RegistryError
from flows.demo_run import DemoFolderError
from flows.pipeline import DocumentsFailed, StageFailed
from flows.settings import ConfigError
from review.backend import ReviewUnavailable
from teacher.breaker import TeacherHalted
from teacher.gguf_files import ModelError
from teacher.local_server import LocalServerError

# bad input exits 2 (fix the input, run again); a run that could not do its job exits 1
BAD_INPUT = (ConfigError, InputError, FileNotFoundError, LeakageError, DemoFolderError, PluginError)
_KNOWN = (
    *BAD_INPUT,
    RegistryError,
    LocalServerError,
    ModelError,
    StageFailed,
    DocumentsFailed,
    ReviewUnavailable,
)


def known_message(error: BaseException) -> str | None:
    if isinstance(error, TeacherHalted):
        return f"teacher stopped, nothing more was sent: {error.reason} (the next run retries what is undone)"
    if isinstance(error, _KNOWN):
        return str(error)
    return None
