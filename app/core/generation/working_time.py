"""A job's or clip's working time: spans opened when work on it starts and closed, into seconds, when it stops."""

from __future__ import annotations

from datetime import datetime

from app.core.db.models import Clip, Job, utcnow


def open_work(row: Clip | Job, now: datetime | None = None) -> None:
    """Start a working span at ``now`` (now by default), unless one is open."""
    if row.working_since is None:
        row.working_since = now or utcnow()


def close_work(row: Clip | Job, until: datetime | None = None) -> None:
    """End the open working span at ``until`` (now by default), adding its seconds to the working time."""
    if row.working_since is not None:
        end = until or utcnow()
        row.working_s = round((row.working_s or 0.0) + max(0.0, (end - row.working_since).total_seconds()), 3)
        row.working_since = None
