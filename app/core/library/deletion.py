"""Deleting assets with everything that hangs off them, their files moving to the trash; and Undo putting it back."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import (
    Asset,
    AssetTag,
    Campaign,
    CampaignAsset,
    Client,
    Clip,
    Job,
    PairingRun,
    PairSuggestionRow,
    Tag,
)
from app.core.db.tracking import record
from app.core.domain import TrashedAssets
from app.core.library.errors import LibraryError
from app.core.library.store import AssetStore
from app.core.library.tags import tag_assets_in
from app.core.library.trash import Trash


async def trash_unreferenced_files(db: Database, store: AssetStore, trash: Trash,
                                   files: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """Move the files no asset row needs any more to the trash; returns (sha256, format, path in the trash).

    The check and the move run together on the database thread, where an import also checks its stored
    file before inserting a row: so no import can commit a row for a file this takes away.
    """
    def move(s: Session) -> list[tuple[str, str, str]]:
        hashes = list({h for h, _ in files})
        used = {h for start in range(0, len(hashes), 900)
                for h in s.scalars(select(Asset.sha256).where(Asset.sha256.in_(hashes[start:start + 900])))}
        folder = trash.bin_for_now()
        moved = []
        for sha, fmt in dict.fromkeys(files):
            if sha not in used and (target := trash.move_in(store.path_for(sha, fmt), folder)):
                moved.append((sha, fmt, str(target)))
        return moved
    return await db.run(move)


class DeletionMixin:
    """Part of ``LibraryService``: deleting assets, and bringing them back."""

    db: Database
    store: AssetStore
    trash: Trash

    async def delete_assets(self, asset_ids: Sequence[int]) -> Op[int]:
        """Delete assets from the library (their files go to the trash when no asset needs them); the value is how
        many were deleted."""
        op = await self.trash_assets(asset_ids)
        return Op(len(op.value.assets), op.changes)

    async def trash_assets(self, asset_ids: Sequence[int]) -> Op[TrashedAssets]:
        """Delete assets from the library with everything hanging off them (tags, campaign links, pairs, clips'
        frame references); a file no asset needs any more moves to the trash. The value holds all of it, so
        ``restore_trashed`` can put it back."""
        def work(s: Session) -> TrashedAssets:
            trashed = _snapshot_assets(s, list(dict.fromkeys(asset_ids)))
            ids = list(trashed.asset_ids)
            framed = list(s.execute(select(Clip.job_id, Job.campaign_id).join(Job, Job.id == Clip.job_id).where(
                Clip.first_asset_id.in_(ids) | Clip.last_asset_id.in_(ids))))  # the database sets those frames NULL
            record(s, Changes(assets=frozenset(ids), campaign_assets=frozenset(c for c, _, _ in trashed.memberships),
                              pairs=frozenset(int(p["campaign_id"]) for p in trashed.pairs),  # type: ignore[call-overload]
                              clips=frozenset(c for c, _, _ in trashed.clip_frames),
                              jobs=frozenset(j for j, _ in framed), job_campaigns=frozenset(c for _, c in framed),
                              tags=True))
            s.execute(delete(Asset).where(Asset.id.in_(ids)))  # the database's cascades take the rest
            return trashed
        op = await self.db.op(work)
        files = await trash_unreferenced_files(self.db, self.store, self.trash,
                                               [(str(a["sha256"]), str(a["format"])) for a in op.value.assets])
        return Op(dataclasses.replace(op.value, files=tuple(files)), op.changes)

    async def restore_trashed(self, trashed: TrashedAssets) -> Op[TrashedAssets]:
        """Undo ``trash_assets``: files come back from the trash, rows with their ids (a new id where the old one was
        taken meanwhile), tags, campaign links, pairs and clips' frames. What depended on something deleted since
        (a campaign, the other image of a pair) stays away. The value is the deletion as restored (ids as they are
        now), to delete again on Redo."""
        def work(s: Session) -> TrashedAssets:
            for sha, fmt, trashed_path in trashed.files:
                if not self.store.contains(sha, fmt) and not self.trash.move_out(Path(trashed_path),
                                                                                 self.store.path_for(sha, fmt)):
                    raise LibraryError("the deleted images' files are no longer in the library's trash (it was "
                                       "emptied): they cannot be brought back")
            return _restore_snapshot(s, trashed)
        return await self.db.op(work)

    async def empty_trash(self, older_than: timedelta | None = None) -> int:
        """Delete the trashed originals (those trashed more than ``older_than`` ago, when given); returns how many
        files went. A deletion whose files are gone can no longer be undone."""
        return await asyncio.to_thread(self.trash.empty, older_than)


def _columns(row: object) -> dict[str, object]:
    return {attr.key: getattr(row, attr.key) for attr in inspect(type(row)).column_attrs}


def _snapshot_assets(s: Session, ids: list[int]) -> TrashedAssets:
    """Everything the database removes with the assets ``ids`` (read before the delete)."""
    assets, tags, memberships, pairs, frames = [], [], [], [], []
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        assets.extend(_columns(row) for row in s.scalars(select(Asset).where(Asset.id.in_(chunk)).order_by(Asset.id)))
        tags.extend(tuple(r) for r in s.execute(select(AssetTag.asset_id, Tag.name).join(Tag, Tag.id == AssetTag.tag_id)
                                                .where(AssetTag.asset_id.in_(chunk))))
        memberships.extend(tuple(r) for r in s.execute(
            select(CampaignAsset.campaign_id, CampaignAsset.asset_id, CampaignAsset.added_at)
            .where(CampaignAsset.asset_id.in_(chunk))))
        pairs.extend(_columns(row) for row in s.scalars(select(PairSuggestionRow).where(
            PairSuggestionRow.first_asset_id.in_(chunk) | PairSuggestionRow.last_asset_id.in_(chunk))))
        for column in ("first_asset_id", "last_asset_id"):
            attribute = getattr(Clip, column)
            frames.extend((clip_id, column, asset_id) for clip_id, asset_id in
                          s.execute(select(Clip.id, attribute).where(attribute.in_(chunk))))
    unique_pairs = {int(p["id"]): p for p in pairs}  # type: ignore[call-overload]
    return TrashedAssets(tuple(assets), tuple(tags), tuple(memberships), tuple(unique_pairs.values()), tuple(frames))


def _restore_snapshot(s: Session, trashed: TrashedAssets) -> TrashedAssets:
    """Insert the rows of ``trashed`` again; returns it with the ids the assets have now."""
    jobs = frozenset(s.scalars(select(Job.campaign_id).join(Clip, Clip.job_id == Job.id)
                               .where(Clip.id.in_([c for c, _, _ in trashed.clip_frames]))))
    record(s, Changes(campaign_assets=frozenset(c for c, _, _ in trashed.memberships),
                      pairs=frozenset(int(p["campaign_id"]) for p in trashed.pairs),  # type: ignore[call-overload]
                      clips=frozenset(c for c, _, _ in trashed.clip_frames), job_campaigns=jobs, tags=True))
    new_ids: dict[int, int] = {}
    restored_assets = []
    for values in trashed.assets:
        old_id = int(values["id"])  # type: ignore[call-overload]
        same_file = s.scalar(select(Asset.id).where(Asset.client_id == values["client_id"],
                                                    Asset.sha256 == values["sha256"]))
        if same_file is not None:  # imported again meanwhile: the deletion's links go to that asset
            new_ids[old_id] = same_file
            continue
        if s.get(Client, values["client_id"]) is None:
            continue  # its client was deleted since
        row = dict(values)
        if s.get(Asset, old_id) is not None:
            del row["id"]
        new_id = s.execute(insert(Asset).values(**row)).inserted_primary_key[0]  # type: ignore[index]
        record(s, Changes(assets=frozenset({int(new_id)})))
        new_ids[old_id] = int(new_id)
        restored_assets.append({**values, "id": int(new_id)})
    for asset_id, name in trashed.tags:
        if asset_id in new_ids:
            tag_assets_in(s, [new_ids[asset_id]], name)
    campaigns = set(s.scalars(select(Campaign.id).where(Campaign.id.in_({c for c, _, _ in trashed.memberships}))))
    for campaign_id, asset_id, added_at in trashed.memberships:
        if campaign_id in campaigns and asset_id in new_ids and s.get(
                CampaignAsset, (campaign_id, new_ids[asset_id])) is None:
            s.add(CampaignAsset(campaign_id=campaign_id, asset_id=new_ids[asset_id], added_at=added_at))
    s.flush()
    for values in trashed.pairs:
        row = dict(values)
        first, last = (new_ids.get(int(row[k]), int(row[k])) for k in ("first_asset_id", "last_asset_id"))  # type: ignore[call-overload]
        if row["campaign_id"] not in campaigns and s.get(Campaign, row["campaign_id"]) is None:
            continue
        if s.get(Asset, first) is None or s.get(Asset, last) is None:
            continue
        row.update(first_asset_id=first, last_asset_id=last)
        if s.get(PairSuggestionRow, row["id"]) is not None:
            del row["id"]
        if row.get("run_id") is not None and s.get(PairingRun, row["run_id"]) is None:
            row["run_id"] = None
        s.execute(insert(PairSuggestionRow).values(**row))
    for clip_id, column, asset_id in trashed.clip_frames:
        if asset_id in new_ids:
            s.execute(update(Clip).where(Clip.id == clip_id, getattr(Clip, column).is_(None))
                      .values({column: new_ids[asset_id]}))
    record(s, Changes(assets=frozenset(new_ids.values())))
    remap = new_ids
    return TrashedAssets(
        tuple(restored_assets),
        tuple((remap[a], name) for a, name in trashed.tags if a in remap),
        tuple((c, remap[a], at) for c, a, at in trashed.memberships if a in remap and c in campaigns),
        (), tuple((c, col, remap[a]) for c, col, a in trashed.clip_frames if a in remap))


__all__ = ["DeletionMixin", "trash_unreferenced_files"]
