"""Assets as the campaign views read them, and their curation: rating, flag, colour label and notes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import SettingsStore, actor_name
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Asset, CampaignAsset
from app.core.domain import AssetFieldValues, AssetFilter, AssetInfo, ColorLabel, Flag
from app.core.library.asset_query import filtered_and_sorted
from app.core.library.errors import LibraryError, NotesConflict
from app.core.library.records import asset_info, tags_by_asset
from app.core.library.store import AssetStore


# The curation fields an edit can set (and Undo put back): the asset column, how a value is checked, and the column
# that records who set it last.
def _check_rating(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 5:
        raise LibraryError("a rating is 0 to 5 stars")
    return value


_CURATION_FIELDS: dict[str, tuple[str, Callable[[object], object], str | None]] = {
    "rating": ("rating", _check_rating, "rated_by"),
    "flag": ("flag", lambda value: Flag(value).value, "flagged_by"),  # type: ignore[arg-type]
    "label": ("color_label", lambda value: ColorLabel(value).value, None),  # type: ignore[arg-type]
    "notes": ("notes", lambda value: str(value or ""), "notes_by"),
}


class CurationMixin:
    """Part of ``LibraryService``: reading assets and setting their curation fields (each edit undoable)."""

    db: Database
    settings: SettingsStore
    store: AssetStore

    async def list_assets(self, campaign_id: int, filt: AssetFilter | None = None) -> list[AssetInfo]:
        """The campaign's assets that pass ``filt``, in its order, tags included."""
        filt = filt or AssetFilter()
        def work(s: Session) -> list[AssetInfo]:
            query = (select(Asset).join(CampaignAsset, CampaignAsset.asset_id == Asset.id)
                     .where(CampaignAsset.campaign_id == campaign_id))
            query = filtered_and_sorted(query, filt, self.settings.current.pairing_min_rating)
            rows = list(s.scalars(query))
            tags = tags_by_asset(s, (r.id for r in rows))
            return [asset_info(r, tags.get(r.id, ())) for r in rows]
        return await self.db.read(work)

    async def get_assets(self, asset_ids: Sequence[int]) -> list[AssetInfo]:
        """Assets by id, in the order asked (unknown ids are left out)."""
        def work(s: Session) -> list[AssetInfo]:
            rows = {r.id: r for r in s.scalars(select(Asset).where(Asset.id.in_(list(asset_ids))))}
            tags = tags_by_asset(s, rows)
            return [asset_info(rows[i], tags.get(i, ())) for i in asset_ids if i in rows]
        return await self.db.read(work)

    def asset_path(self, asset: AssetInfo) -> Path:
        """The original file of ``asset`` in the store."""
        return self.store.path_for(asset.sha256, asset.format)

    @property
    def actor(self) -> str:
        """Who this process's writes are recorded as."""
        return actor_name(self.settings.current)

    async def set_rating(self, asset_ids: Sequence[int], rating: int) -> Changes:
        """Rate assets (the last writer wins; who rated is recorded and shown)."""
        return (await self.set_asset_field(asset_ids, "rating", rating)).changes

    async def set_flag(self, asset_ids: Sequence[int], flag: Flag) -> Changes:
        """Flag assets (the last writer wins; who flagged is recorded and shown)."""
        return (await self.set_asset_field(asset_ids, "flag", flag)).changes

    async def set_label(self, asset_ids: Sequence[int], label: ColorLabel) -> Changes:
        return (await self.set_asset_field(asset_ids, "label", label)).changes

    async def set_notes(self, asset_id: int, notes: str, *, version: int | None = None) -> Op[AssetInfo]:
        """Save an asset's notes. With ``version`` (the ``notes_version`` they were read at), a save after someone
        else's is refused with ``NotesConflict``, which carries their text to merge; the value is the saved
        asset (its new ``notes_version``)."""
        def work(s: Session) -> AssetInfo:
            self._set_field(s, [asset_id], "notes", notes, version)
            row = s.get(Asset, asset_id)
            assert row is not None
            return asset_info(row, tags_by_asset(s, [row.id]).get(row.id, ()))
        return await self.db.op(work)

    async def set_asset_field(self, asset_ids: Sequence[int], field: str, value: object, *,
                              version: int | None = None) -> Op[AssetFieldValues]:
        """Set one curation field (``rating``, ``flag``, ``label`` or ``notes``) of assets in one transaction, and
        who set it; the value is what each asset had before (``restore_asset_field`` puts it back). For notes,
        ``version`` refuses a save read before someone else's (``NotesConflict``)."""
        return await self.db.op(lambda s: self._set_field(s, asset_ids, field, value, version))

    def _set_field(self, s: Session, asset_ids: Sequence[int], field: str, value: object,
                   version: int | None) -> AssetFieldValues:
        if field not in _CURATION_FIELDS:
            raise LibraryError(f"unknown curation field {field!r}")
        column, check, by = _CURATION_FIELDS[field]
        stored, actor = check(value), self.actor
        ids = list(dict.fromkeys(asset_ids))
        before: list[tuple[int, object]] = []
        versions: list[tuple[int, int]] = []
        for start in range(0, len(ids), 900):
            rows = s.scalars(select(Asset).where(Asset.id.in_(ids[start:start + 900])).with_for_update())
            for row in rows:
                if field == "notes":
                    if version is not None and row.notes_version != version and row.notes != stored:
                        raise NotesConflict(row.id, row.notes, row.notes_version, row.notes_by)
                    if row.notes != stored:
                        row.notes_version += 1
                    versions.append((row.id, row.notes_version))
                before.append((row.id, _public_value(field, getattr(row, column))))
                setattr(row, column, stored)
                if by is not None:
                    setattr(row, by, actor)
        if field == "notes" and version is not None and not before:
            raise LibraryError("that image was deleted")
        return AssetFieldValues(field, tuple(before), tuple(versions))

    async def restore_asset_field(self, previous: AssetFieldValues) -> Op[AssetFieldValues]:
        """Put back the values ``set_asset_field`` replaced (assets deleted since are skipped); the value is what
        they had just before, so the edit can be made again."""
        if previous.field not in _CURATION_FIELDS:
            raise LibraryError(f"unknown curation field {previous.field!r}")
        column, check, by = _CURATION_FIELDS[previous.field]
        wanted = {asset_id: check(value) for asset_id, value in previous.values}
        actor = self.actor
        def work(s: Session) -> AssetFieldValues:
            before: list[tuple[int, object]] = []
            versions: list[tuple[int, int]] = []
            ids = list(wanted)
            for start in range(0, len(ids), 900):
                for row in s.scalars(select(Asset).where(Asset.id.in_(ids[start:start + 900])).with_for_update()):
                    before.append((row.id, _public_value(previous.field, getattr(row, column))))
                    if previous.field == "notes" and row.notes != wanted[row.id]:
                        row.notes_version += 1
                    setattr(row, column, wanted[row.id])
                    if by is not None:
                        setattr(row, by, actor)
                    if previous.field == "notes":
                        versions.append((row.id, row.notes_version))
            return AssetFieldValues(previous.field, tuple(before), tuple(versions))
        return await self.db.op(work)


def _public_value(field: str, stored: object) -> object:
    """A stored curation value as the domain has it (flags and labels as enums)."""
    if field == "flag":
        return Flag(str(stored))
    if field == "label":
        return ColorLabel(str(stored or ColorLabel.NONE.value))
    return stored


__all__ = ["CurationMixin"]
