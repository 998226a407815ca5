"""What a write changed, and the hub that announces it.

Every transaction that writes produces a ``Changes`` value naming the records it touched (collected from the
session by ``app.core.db.tracking``). Operations return it (alone, or in an ``Op`` with their result); the
database publishes it on its ``ChangeHub`` after the commit, and also stores it in the change log, where other
processes' watchers read it. A view decides from a ``Changes`` whether its part needs a refresh: nothing polls,
and no view reloads another.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

_ID_SETS = ("clients", "campaigns", "campaign_assets", "assets", "pairs", "jobs", "clips", "job_campaigns",
            "spend")
_FLAGS = ("tags", "settings", "everything")


@dataclass(frozen=True, slots=True)
class Changes:
    """The records one or more writes touched (created, updated or deleted).

    ``campaign_assets``, ``pairs``, ``job_campaigns`` and ``spend`` hold campaign ids: whose asset list, pair list,
    jobs (or their clips) or money changed. ``everything`` means the scope is unknown (changes were missed):
    every view reloads. ``external`` marks changes made by another process.
    """

    clients: frozenset[int] = frozenset()
    campaigns: frozenset[int] = frozenset()
    campaign_assets: frozenset[int] = frozenset()
    assets: frozenset[int] = frozenset()
    pairs: frozenset[int] = frozenset()
    jobs: frozenset[int] = frozenset()
    clips: frozenset[int] = frozenset()
    job_campaigns: frozenset[int] = frozenset()
    spend: frozenset[int] = frozenset()
    tags: bool = False
    settings: bool = False
    everything: bool = False
    external: bool = False

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in (*_ID_SETS, *_FLAGS))

    def __or__(self, other: Changes) -> Changes:
        values: dict[str, Any] = {name: getattr(self, name) | getattr(other, name) for name in _ID_SETS}
        values.update({name: getattr(self, name) or getattr(other, name) for name in (*_FLAGS, "external")})
        return Changes(**values)

    # ---- questions views ask ---------------------------------------------------------------------------
    def library_structure(self) -> bool:
        """Clients or campaigns were added, renamed, edited or deleted (sidebars and headers)."""
        return self.everything or bool(self.clients or self.campaigns)

    def campaign(self, campaign_id: int) -> bool:
        """The campaign's own record (name, brief, budget, status) changed."""
        return self.everything or campaign_id in self.campaigns

    def campaign_assets_of(self, campaign_id: int) -> bool:
        """Assets joined or left the campaign (imports, removals, deletions)."""
        return self.everything or campaign_id in self.campaign_assets

    def pairs_of(self, campaign_id: int) -> bool:
        return self.everything or campaign_id in self.pairs

    def jobs_of(self, campaign_id: int) -> bool:
        """A job of the campaign, or one of its clips, changed (created, progressed, finished, combined, deleted)."""
        return self.everything or campaign_id in self.job_campaigns

    def spend_of(self, campaign_id: int) -> bool:
        """What the campaign spent, committed or may spend changed."""
        return self.everything or campaign_id in self.spend or campaign_id in self.campaigns

    def any_assets(self, asset_ids: Iterable[int]) -> bool:
        return self.everything or not self.assets.isdisjoint(asset_ids)

    # ---- storage (the change log) -------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """A compact JSON-ready form (empty fields left out)."""
        doc: dict[str, Any] = {name: sorted(getattr(self, name)) for name in _ID_SETS if getattr(self, name)}
        doc.update({name: True for name in _FLAGS if getattr(self, name)})
        return doc

    @classmethod
    def from_json(cls, doc: dict[str, Any], *, external: bool = False) -> Changes:
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for name, value in doc.items():
            if name not in known:  # a newer version's field: its records are unknown here
                values["everything"] = True
            elif name in _ID_SETS:
                values[name] = frozenset(int(v) for v in value)
            elif name in _FLAGS:
                values[name] = bool(value) or values.get(name, False)
        return cls(**values, external=external)


NO_CHANGES = Changes()
EVERYTHING = Changes(everything=True)


def merge(changes: Iterable[Changes]) -> Changes:
    """All of ``changes`` as one."""
    result = NO_CHANGES
    for item in changes:
        result = result | item
    return result


@dataclass(frozen=True, slots=True)
class Op(Generic[T]):
    """What an operation made (``value``) and what it changed."""

    value: T
    changes: Changes = field(default=NO_CHANGES)


Listener = Callable[[Changes], None]


class ChangeHub:
    """Announces ``Changes`` to listeners, on the thread that publishes (the event loop's, for the database)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every non-empty ``Changes``; returns the function that unsubscribes it."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)
        return unsubscribe

    def publish(self, changes: Changes) -> None:
        if not changes:
            return
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # one broken view must not keep the news from the others
                log.exception("a change listener failed")


__all__ = ["EVERYTHING", "NO_CHANGES", "ChangeHub", "Changes", "Op", "merge"]
