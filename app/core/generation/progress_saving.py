"""Clips' progress saved to the library together, a few times a second, instead of one transaction per report.

Progress reaches the cards of this process at once, as events. The database copy is for other processes
watching the job. With 50 clips reporting, one transaction per report was about 20 a second: the largest share of
the database thread's time while a job runs, and so of the interpreter time the GUI's event loop waits for.
"""

from __future__ import annotations

import asyncio
import logging

from app.core.db.engine import Database
from app.core.generation import repository as repo

log = logging.getLogger(__name__)
SAVE_EVERY_S = 0.4  # a watching process sees progress this late at most (plus its own watch interval)


class ProgressSaver:
    """Keeps each clip's latest unsaved progress and writes all of them in one transaction every ``interval_s``."""

    def __init__(self, db: Database, interval_s: float = SAVE_EVERY_S) -> None:
        self._db = db
        self._interval_s = interval_s
        self._pending: dict[int, float] = {}
        self._saving: asyncio.Task[None] | None = None

    def save(self, clip_id: int, fraction: float) -> None:
        """Save ``fraction`` as the clip's progress with the next batch (a later report replaces it)."""
        self._pending[clip_id] = fraction
        if self._saving is None or self._saving.done():
            self._saving = asyncio.ensure_future(self._save_soon())

    def discard(self, clip_id: int) -> None:
        """Drop the clip's unsaved progress (its attempt ended)."""
        self._pending.pop(clip_id, None)

    async def _save_soon(self) -> None:
        await asyncio.sleep(self._interval_s)
        await self._save_pending()

    async def _save_pending(self) -> None:
        batch, self._pending = self._pending, {}
        if batch:
            try:
                await asyncio.shield(self._db.run(lambda s: repo.mark_progress(s, batch)))
            except Exception:  # progress is advisory: the clip's next transition carries on regardless
                log.exception("saving the progress of %d clips failed", len(batch))

    async def aclose(self) -> None:
        """Save what is pending now, and stop."""
        if self._saving is not None and not self._saving.done():
            self._saving.cancel()
            await asyncio.gather(self._saving, return_exceptions=True)
        await self._save_pending()


__all__ = ["SAVE_EVERY_S", "ProgressSaver"]
