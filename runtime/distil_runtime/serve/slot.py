"""The model being served, and the swap to a new one when a production link moves.

`distil models promote` and `rollback` re-point a symlink atomically. The slot polls where
the path resolves to; when that changes it loads and warms the new bundle beside the old one,
then swaps the reference. A batch already running keeps the model it started with, so no
request is dropped or answered by half of each.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from distil_runtime.model import NerModel

log = logging.getLogger("distil_runtime.serve")
WARM_UP = "Ada Lovelace worked with Charles Babbage in London."


def load_warm(path: Path, **options) -> NerModel:
    """A model that has answered once: the first run builds ONNX Runtime's kernels."""
    model = NerModel.load(path, **options)
    if model.labels:
        model.extract([WARM_UP])
    return model


class ModelSlot:
    def __init__(self, path: Path | str, load: Callable[[Path], NerModel] = load_warm):
        self.path = Path(path).expanduser().absolute()  # kept unresolved: a link is followed anew
        self.load = load
        self.model: NerModel | None = None
        self.swaps = 0
        self.last_error: str | None = None

    @property
    def ready(self) -> bool:
        return self.model is not None

    async def open(self) -> None:
        self.model = await asyncio.to_thread(self.load, self.path)
        log.info("serving %s from %s", self.model.files.model_id, self.model.files.folder)

    async def refresh(self) -> bool:
        """Load the bundle now at the path if it is not the one served; True when swapped."""
        try:
            target = self.path.resolve(strict=True)
        except OSError:  # mid-switch or removed: keep serving what is loaded
            return False
        if self.model is not None and target == self.model.files.folder:
            return False
        try:
            fresh = await asyncio.to_thread(self.load, target)
        except Exception as error:  # a broken bundle must not take the served one down
            if str(error) != self.last_error:
                log.error("not swapping to %s: %s", target, error)
            self.last_error = str(error)
            return False
        old, self.model, self.last_error = self.model, fresh, None
        self.swaps += 1
        log.info("swapped %s -> %s", old.files.model_id if old else None, fresh.files.model_id)
        return True
