"""What an install weighs: the files of a distribution and everything it requires, as installed.

Measured from the package metadata of an existing virtualenv (each distribution's RECORD),
so the benchmark needs no network and no second install to say what `pip install X` brings.
"""

from __future__ import annotations

import re
from importlib import metadata

_NAME = re.compile(r"^[A-Za-z0-9._-]+")


def closure(requirement: str, extras: tuple[str, ...] = ()) -> set[str]:
    """Normalised names of `requirement` and every distribution it needs (markers honoured)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(requirement, extras)]
    while todo:
        name, wanted = todo.pop()
        key = _normal(name)
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # not installed here: an optional platform dependency
        seen.add(key)
        for line in dist.requires or []:
            needed = Requirement(line)
            active = any(
                needed.marker is None or needed.marker.evaluate({"extra": extra}) for extra in ("", *wanted)
            )
            if active:
                todo.append((needed.name, tuple(needed.extras)))
    return seen


def installed_megabytes(names: set[str]) -> float:
    total = 0
    for name in names:
        for file in metadata.distribution(name).files or []:
            path = file.locate()
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", _NAME.match(name).group(0)).lower()
