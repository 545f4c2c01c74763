"""Errors about bad input, always saying where: file and line, or document id."""

from __future__ import annotations

from pathlib import Path

MAX_LISTED = 20


class InputError(ValueError):
    """Problems found in an input file; each is (path, line, message).

    Raised before anything from that input is stored, so a re-run after the
    fix starts from a clean state.
    """

    def __init__(self, problems: list[tuple[Path | str, int, str]]):
        self.problems = problems
        listed = [f"{path}:{line}: {message}" for path, line, message in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            listed.append(f"... and {len(problems) - MAX_LISTED} more problems")
        super().__init__("\n".join(listed))
