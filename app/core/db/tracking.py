"""Which records a transaction touched, collected from the ORM session itself.

After every flush the session's new, changed and deleted objects are mapped to the ids a ``Changes`` names, so no
write can forget to announce itself. Bulk ``UPDATE``/``DELETE`` statements bypass the unit of work: a transaction
that runs one must say what it touched with ``record``; otherwise its scope is unknown and it announces
``everything`` (every view reloads: slower, never stale).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session

from app.core.changes import Changes
from app.core.db import models as m

_KEY = "pairframe.changes"


@dataclass(slots=True)
class _Collected:
    ids: defaultdict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    flags: set[str] = field(default_factory=set)
    job_campaign: dict[int, int] = field(default_factory=dict)  # job id → campaign id, when known
    spend_jobs: set[int] = field(default_factory=set)  # jobs whose commitment changed (estimate, clip states)
    explicit: bool = False

    def add(self, changes: Changes) -> None:
        for name, value in changes.to_json().items():
            if value is True:
                self.flags.add(name)
            else:
                self.ids[name].update(value)


def _collected(session: Session) -> _Collected:
    collected = session.info.get(_KEY)
    if collected is None:
        collected = session.info[_KEY] = _Collected()
    return collected


def record(session: Session, changes: Changes) -> None:
    """Name what a bulk statement of this transaction touched (the ORM cannot see it)."""
    collected = _collected(session)
    collected.add(changes)
    collected.explicit = True


def _note(collected: _Collected, obj: Any, whole: bool) -> None:
    """Name ``obj``'s record; ``whole``: it was added or deleted (not just some fields changed)."""
    ids = collected.ids
    if isinstance(obj, m.Asset):
        ids["assets"].add(obj.id)
    elif isinstance(obj, m.CampaignAsset):
        ids["campaign_assets"].add(obj.campaign_id)
        ids["assets"].add(obj.asset_id)
    elif isinstance(obj, m.AssetTag):
        ids["assets"].add(obj.asset_id)
        collected.flags.add("tags")
    elif isinstance(obj, m.Tag):
        collected.flags.add("tags")
    elif isinstance(obj, m.Client):
        ids["clients"].add(obj.id)
    elif isinstance(obj, m.Campaign):
        ids["campaigns"].add(obj.id)
        ids["clients"].add(obj.client_id)
    elif isinstance(obj, m.PairSuggestionRow | m.PairingRun):
        ids["pairs"].add(obj.campaign_id)
    elif isinstance(obj, m.Job):
        ids["jobs"].add(obj.id)
        collected.job_campaign[obj.id] = obj.campaign_id
        if whole or _changed(obj, ("status", "estimate_usd")):
            collected.spend_jobs.add(obj.id)
    elif isinstance(obj, m.Clip):
        ids["clips"].add(obj.id)
        ids["jobs"].add(obj.job_id)
        if (job := inspect(obj).dict.get("job")) is not None:  # loaded already: its campaign needs no query
            collected.job_campaign[obj.job_id] = job.campaign_id
        if whole or _changed(obj, ("status", "prediction_id")):
            collected.spend_jobs.add(obj.job_id)
    elif isinstance(obj, m.ClipAttempt):
        ids["clips"].add(obj.clip_id)
    elif isinstance(obj, m.JobLease | m.AbVariant | m.AbWinner):
        ids["jobs"].add(obj.job_id)
    elif isinstance(obj, m.LedgerEntry):  # a billable call recorded or corrected: its campaign's money moved
        if obj.campaign_id is not None:
            ids["spend"].add(obj.campaign_id)
        if obj.clip_id is not None:
            ids["clips"].add(obj.clip_id)
        if obj.job_id is not None:
            ids["jobs"].add(obj.job_id)
            if obj.campaign_id is not None:
                collected.job_campaign[obj.job_id] = obj.campaign_id
    # the change log itself is not a change


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    """Whether this flush changed one of ``obj``'s fields ``names`` (a progress report moves no money)."""
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _after_flush(session: Session, _context: object) -> None:
    collected = _collected(session)
    for obj in (*session.new, *session.deleted):
        _note(collected, obj, whole=True)
    for obj in session.dirty:
        _note(collected, obj, whole=False)


def _on_execute(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and not _collected(state.session).explicit:
        _collected(state.session).flags.add("everything")


def install(session_factory: Any) -> None:
    """Collect changes in every session ``session_factory`` makes."""
    event.listen(session_factory, "after_flush", _after_flush)
    event.listen(session_factory, "do_orm_execute", _on_execute)


def take(session: Session) -> Changes:
    """What this session's transaction changed so far (call after the last flush, before the commit); resets it.

    Jobs whose campaign the session did not load are looked up, so ``job_campaigns`` and ``spend`` name them.
    """
    collected = session.info.pop(_KEY, None)
    if collected is None:
        return Changes()
    ids = collected.ids
    jobs = ids.get("jobs", set())
    unknown = [j for j in jobs if j not in collected.job_campaign]
    if unknown:
        rows = session.execute(select(m.Job.id, m.Job.campaign_id).where(m.Job.id.in_(unknown)))
        collected.job_campaign.update({job_id: campaign_id for job_id, campaign_id in rows})
    ids["job_campaigns"].update(collected.job_campaign[j] for j in jobs if j in collected.job_campaign)
    ids["spend"].update(collected.job_campaign[j] for j in collected.spend_jobs if j in collected.job_campaign)
    doc: dict[str, Any] = {name: sorted(v) for name, v in ids.items() if v}
    doc.update({flag: True for flag in collected.flags})
    return Changes.from_json(doc)


__all__ = ["install", "record", "take"]
