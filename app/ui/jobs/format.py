"""How generation values read on screen: money, durations, working time, price rules, statuses."""

from __future__ import annotations

from datetime import UTC, datetime

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus

STATUS_TEXT = {
    ClipStatus.PENDING: "Waiting",
    ClipStatus.SUBMITTING: "Submitting",
    ClipStatus.RUNNING: "Generating",
    ClipStatus.DOWNLOADING: "Downloading",
    ClipStatus.SUCCEEDED: "Done",
    ClipStatus.FAILED: "Failed",
    ClipStatus.CANCELED: "Canceled",
    ClipStatus.INTERRUPTED: "Interrupted",
}

JOB_STATUS_TEXT = {
    JobStatus.PENDING: "Pending",
    JobStatus.RUNNING: "Running",
    JobStatus.COMBINING: "Combining",
    JobStatus.SUCCEEDED: "Finished",
    JobStatus.FAILED: "Failed",
    JobStatus.CANCELED: "Canceled",
    JobStatus.INTERRUPTED: "Interrupted",
}

STATUS_COLOR = {
    ClipStatus.SUCCEEDED: "#2e7d32",
    ClipStatus.FAILED: "#c62828",
    ClipStatus.CANCELED: "#757575",
    ClipStatus.INTERRUPTED: "#ef6c00",
}


def usd(amount: float | None) -> str:
    """``$1.23``; amounts under a cent keep three decimals so small per-run prices stay visible."""
    if amount is None:
        return "—"
    if amount and abs(amount) < 0.01:
        return f"${amount:.3f}"
    return f"${amount:,.2f}"


def seconds(value: float) -> str:
    """``6 s`` or ``5.5 s``."""
    return f"{value:g} s"


def clock(total_s: float) -> str:
    """Elapsed time as ``m:ss`` (or ``h:mm:ss``)."""
    total = max(0, int(total_s))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def as_utc(moment: datetime) -> datetime:
    """Stored timestamps are naive UTC; make them comparable with an aware now."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def working_time(state: ClipState | JobState, now: datetime | None = None) -> str:
    """The time a process has worked a clip or a job, as ``m:ss`` (the time the app was closed and the time the
    work sat interrupted do not count); ``—`` before any work."""
    if not state.working_s and state.working_since is None:
        return "—"
    return clock(state.working_time_s(now))


def local_time(moment: datetime | None) -> str:
    """A stored UTC timestamp in the user's time zone, ``YYYY-MM-DD HH:MM``."""
    if moment is None:
        return ""
    return as_utc(moment).astimezone().strftime("%Y-%m-%d %H:%M")


def price_rule(price_usd: float, unit: str) -> str:
    """``$0.45/s``, ``$0.002/s of compute``, ``$0.50/run`` or ``free``."""
    if price_usd <= 0:
        return "free"
    per = {"second": "s", "compute_second": "s of compute"}.get(unit, unit)
    return f"{usd(price_usd)}/{per}"
