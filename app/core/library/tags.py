"""Tags on assets: bulk tagging, one tag on or off (undoable), and the list for autocompletion."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Asset, AssetTag, Tag
from app.core.db.tracking import record
from app.core.domain import TagEdit
from app.core.library.errors import required


def tag_assets_in(s: Session, asset_ids: Sequence[int], name: str) -> TagEdit:
    """Tag ``asset_ids`` with ``name`` (created when new) in the session; returns what changed. Another process
    creating the tag at the same moment (PostgreSQL runs such transactions side by side) is a lost race that uses
    the winner's tag."""
    query = select(Tag).where(func.lower(Tag.name) == name.lower())
    tag = s.scalar(query)
    created = tag is None
    if tag is None:
        try:
            with s.begin_nested():
                tag = Tag(name=name)
                s.add(tag)
                s.flush()
        except IntegrityError:
            tag, created = s.scalars(query).one(), False
    ids = list(dict.fromkeys(asset_ids))
    existing = set(s.scalars(select(AssetTag.asset_id).where(AssetTag.tag_id == tag.id,
                                                             AssetTag.asset_id.in_(ids))))
    present = set(s.scalars(select(Asset.id).where(Asset.id.in_(ids))))
    fresh = tuple(a for a in ids if a not in existing and a in present)
    s.add_all(AssetTag(asset_id=a, tag_id=tag.id) for a in fresh)
    return TagEdit(tag.name, fresh, added=True, created=created)


class TagsMixin:
    """Part of ``LibraryService``: tagging assets."""

    db: Database

    async def add_tags(self, asset_ids: Sequence[int], tags: Sequence[str]) -> Changes:
        """Tag every asset with every tag (bulk tagging); tags are created on first use."""
        names = _tag_names(tags)
        def work(s: Session) -> None:
            for name in names:
                tag_assets_in(s, asset_ids, name)
        return (await self.db.op(work)).changes

    async def tag_assets(self, asset_ids: Sequence[int], tag: str) -> Op[TagEdit]:
        """Tag assets with one tag (created on first use); the value names the assets that were not tagged yet."""
        name = required(" ".join(str(tag).split()), "tag")
        return await self.db.op(lambda s: tag_assets_in(s, asset_ids, name))

    async def untag_assets(self, asset_ids: Sequence[int], tag: str) -> Op[TagEdit]:
        """Take one tag off assets; the value names the assets that had it."""
        name = " ".join(str(tag).split())
        def work(s: Session) -> TagEdit:
            found = s.scalar(select(Tag).where(func.lower(Tag.name) == name.lower()))
            if found is None:
                return TagEdit(name, (), added=False)
            had = tuple(s.scalars(select(AssetTag.asset_id).where(AssetTag.tag_id == found.id,
                                                                  AssetTag.asset_id.in_(list(asset_ids)))))
            record(s, Changes(assets=frozenset(had), tags=True))
            s.execute(delete(AssetTag).where(AssetTag.tag_id == found.id, AssetTag.asset_id.in_(had)))
            return TagEdit(found.name, had, added=False)
        return await self.db.op(work)

    async def revert_tag_edit(self, edit: TagEdit) -> Changes:
        """Undo ``tag_assets`` (and drop the tag if it made it and nothing uses it now) or ``untag_assets``."""
        def work(s: Session) -> None:
            if not edit.added:
                tag_assets_in(s, edit.asset_ids, edit.tag)
                return
            found = s.scalar(select(Tag).where(func.lower(Tag.name) == edit.tag.lower()))
            if found is None:
                return
            record(s, Changes(assets=frozenset(edit.asset_ids), tags=True))
            s.execute(delete(AssetTag).where(AssetTag.tag_id == found.id, AssetTag.asset_id.in_(edit.asset_ids)))
            if edit.created and not s.scalar(select(AssetTag.asset_id).where(AssetTag.tag_id == found.id).limit(1)):
                s.delete(found)
        return (await self.db.op(work)).changes

    async def remove_tags(self, asset_ids: Sequence[int], tags: Sequence[str]) -> Changes:
        names = [n.lower() for n in _tag_names(tags)]
        def work(s: Session) -> None:
            tag_ids = select(Tag.id).where(func.lower(Tag.name).in_(names))
            record(s, Changes(assets=frozenset(asset_ids), tags=True))
            s.execute(delete(AssetTag).where(AssetTag.asset_id.in_(asset_ids), AssetTag.tag_id.in_(tag_ids)))
        return (await self.db.op(work)).changes

    async def all_tags(self) -> list[str]:
        """Every tag name, for autocompletion."""
        return await self.db.read(lambda s: list(s.scalars(select(Tag.name).order_by(func.lower(Tag.name)))))


def _tag_names(tags: Sequence[str]) -> list[str]:
    """The tags with their whitespace collapsed, empty ones and case-insensitive repeats left out."""
    seen: dict[str, str] = {}
    for tag in tags:
        name = " ".join(str(tag).split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


__all__ = ["TagsMixin", "tag_assets_in"]
