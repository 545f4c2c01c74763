"""Where the command line's details go: one log file per run, so the terminal shows distil's own
lines only (no tqdm bars, Trainer dicts, library warnings or Prefect tracebacks).

The log holds everything at INFO and above, Python warnings and full tracebacks; `--verbose`
also sends it to stderr. Library progress bars are switched off by environment variables, which
the libraries read at import, so `quiet_libraries` runs before any of them is imported.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

# read at import by tqdm, transformers, datasets and huggingface_hub
_QUIET_ENV = {
    "TQDM_DISABLE": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "TORCH_CPP_LOG_LEVEL": "ERROR",  # torch's C++ warnings (ONNX export's shape inference) bypass Python
    # Prefect's console handler would print run logs and tracebacks between distil's lines
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
}

_handlers: list[logging.Handler] = []  # this run's: the file, and stderr under --verbose


def log_dir() -> Path:
    base = os.environ.get("DISTIL_LOG_DIR") or os.path.join(
        os.environ.get("XDG_STATE_HOME", os.path.expanduser("~/.local/state")), "distil", "logs"
    )
    return Path(base)


def quiet_libraries() -> None:
    for name, value in _QUIET_ENV.items():
        os.environ.setdefault(name, value)


def start_log(verbose: bool = False) -> Path:
    """Send every log record and warning to a new file for this run; return its path."""
    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"distil-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in _handlers:  # a second run in the same process (tests) logs to its own file only
        root.removeHandler(old)
        old.close()
    _handlers.clear()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    if verbose:
        stream = logging.StreamHandler()
        root.addHandler(stream)
        _handlers.append(stream)
    logging.captureWarnings(True)  # warnings.warn(...) becomes a log record, not a terminal line
    _handlers.append(handler)
    return path


def follow_prefect() -> None:
    """Importing Prefect replaces the root logger's handlers with its console handler (held at
    CRITICAL by `quiet_libraries`): call this after that import, so every record still reaches
    this run's file, Prefect's run logs included."""
    import prefect  # noqa: F401 (configures logging on first import; a no-op after)

    root = logging.getLogger()  # Prefect's run loggers propagate here
    root.setLevel(logging.INFO)
    for handler in _handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
