"""How generation values read on screen: money, durations, working time, price rules, statuses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus
from app.ui.theme import Tone

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

STATUS_TONE = {
    ClipStatus.SUCCEEDED: Tone.SUCCESS,
    ClipStatus.FAILED: Tone.ERROR,
    ClipStatus.CANCELED: Tone.MUTED,
    ClipStatus.INTERRUPTED: Tone.WARNING,
}
JOB_STATUS_TONE = {JobStatus.FAILED: Tone.ERROR, JobStatus.CANCELED: Tone.MUTED, JobStatus.INTERRUPTED: Tone.WARNING,
                   JobStatus.SUCCEEDED: Tone.SUCCESS}
_ENDINGS = ((ClipStatus.FAILED, "failed"), (ClipStatus.CANCELED, "canceled"), (ClipStatus.INTERRUPTED, "interrupted"))


def job_status_text(status: JobStatus, clips: Iterable[ClipStatus]) -> str:
    """How a job stands: "Running", "Finished", "Canceled", or for an ended job whose clips did not all end the same
    way, what they did: "5 of 6 done · 1 canceled"."""
    counts = Counter(clips)
    total = sum(counts.values())
    done = counts[ClipStatus.SUCCEEDED]
    if not (status.is_terminal or status is JobStatus.INTERRUPTED) or not total or done == total:
        return JOB_STATUS_TEXT[status]
    ended = {s: counts[s] for s, _ in _ENDINGS}
    unfinished = total - done - sum(ended.values())  # clips the job's end caught before they ended themselves
    own = {JobStatus.FAILED: ClipStatus.FAILED, JobStatus.INTERRUPTED: ClipStatus.INTERRUPTED}.get(
        status, ClipStatus.CANCELED)
    ended[own] += unfinished
    if done == 0 and sum(1 for n in ended.values() if n) == 1:
        return JOB_STATUS_TEXT[status]  # every clip ended the way the job did: the job's word says it all
    return " · ".join([f"{done} of {total} done"] + [f"{ended[s]} {word}" for s, word in _ENDINGS if ended[s]])


def job_tone(status: JobStatus, clips: Iterable[ClipStatus]) -> Tone | None:
    """The colour a job's status reads in: a job with some clips done is a partial success, not a failure."""
    counts = Counter(clips)
    if status.is_terminal and counts[ClipStatus.SUCCEEDED] and counts[ClipStatus.SUCCEEDED] < sum(counts.values()):
        return Tone.WARNING
    return JOB_STATUS_TONE.get(status)


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
