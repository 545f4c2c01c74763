"""The `distil` executable: the command line, with every failure as one line and its details in
a log file (`--verbose`: on stderr too), never a traceback.

Library progress bars and warnings are switched off before any library is imported (they read
their settings at import), which is why this module imports the commands only inside `main`.
"""

from __future__ import annotations

import re
import sys
import traceback

from flows.cli.log_file import quiet_libraries, start_log

_URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@\s]+@")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in argv or "-v" in argv
    quiet_libraries()
    log = start_log(verbose)
    from flows.cli.app import app

    try:
        app(args=argv, prog_name="distil")  # typer exits itself on success and on usage errors
    except KeyboardInterrupt:
        _stop("interrupted; what was finished is kept, and a re-run continues from there", log, 130)
    except Exception as error:  # noqa: BLE001 (the one place every failure becomes one line)
        _stop(one_line(error), log, exit_code(error))


def _stop(message: str, log, code: int) -> None:
    import logging

    logging.getLogger("distil").error("%s\n%s", message, traceback.format_exc())
    print(f"error: {message} (details: {log})", file=sys.stderr)
    sys.exit(code)


def one_line(error: BaseException) -> str:
    """What went wrong, without SQL, parameters (document texts) or passwords."""
    from sqlalchemy.exc import SQLAlchemyError

    from corpus.database import store_error_line

    if isinstance(error, SQLAlchemyError):
        return store_error_line(error)
    from flows.cli.errors import known_message

    message = known_message(error)
    if message is None:
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        message = f"unexpected {type(error).__name__}: {first}"
    return _URL_PASSWORD.sub(r"\1:***@", message)


def exit_code(error: BaseException) -> int:
    from flows.cli.errors import BAD_INPUT

    return 2 if isinstance(error, BAD_INPUT) else 1
