"""Clients, campaigns and assets: the library's queries and curation, each one transaction on the db thread."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, String, and_, delete, func, or_, select, tuple_, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore, actor_name
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Asset, AssetTag, Campaign, CampaignAsset, Client, Job, PairSuggestionRow, Tag
from app.core.db.tracking import record
from app.core.domain import (
    AssetFilter,
    AssetInfo,
    AssetSort,
    CampaignInfo,
    CampaignStatus,
    ClientInfo,
    Flag,
    ImportProgress,
    ImportReport,
)
from app.core.library.store import AssetStore

log = logging.getLogger(__name__)


class LibraryError(Exception):
    """A library action the user asked for cannot be done; the message says why."""


class NotesConflict(LibraryError):
    """Someone else saved the asset's notes since they were read: nothing was saved; merge and save again."""

    def __init__(self, asset_id: int, theirs: str, version: int, by: str) -> None:
        who = by or "someone else"
        super().__init__(f"{who} changed these notes while you were editing them: your text was not saved. "
                         "Merge the two and save again.")
        self.asset_id, self.theirs, self.version, self.by = asset_id, theirs, version, by


@dataclass(frozen=True, slots=True)
class DeletionImpact:
    """What deleting a client or campaign takes with it, to show before asking."""

    campaigns: int = 0
    assets: int = 0
    jobs: int = 0


def client_info(row: Client, campaign_count: int = 0) -> ClientInfo:
    return ClientInfo(row.id, row.name, row.homepage, tuple(row.brand_colors or ()), row.tone, row.restrictions,
                      row.notes, campaign_count)


def campaign_info(row: Campaign) -> CampaignInfo:
    return CampaignInfo(row.id, row.client_id, row.name, row.goal, row.audience, tuple(row.key_messages or ()),
                        row.product_url, row.budget_usd, CampaignStatus(row.status), row.client.name)


def asset_info(row: Asset, tags: Sequence[str] = ()) -> AssetInfo:
    return AssetInfo(row.id, row.client_id, row.sha256, row.original_name, row.source, row.format, row.width,
                     row.height, row.bytes, row.rating, Flag(row.flag), row.notes, tuple(sorted(tags)),
                     row.imported_at, row.notes_version, row.imported_by, row.rated_by, row.flagged_by, row.notes_by)


def _tags_by_asset(session: Session, asset_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(asset_ids)
    result: dict[int, list[str]] = {}
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        chunk = ids[start:start + 900]
        rows = session.execute(
            select(AssetTag.asset_id, Tag.name).join(Tag, Tag.id == AssetTag.tag_id)
            .where(AssetTag.asset_id.in_(chunk))
        )
        for asset_id, name in rows:
            result.setdefault(asset_id, []).append(name)
    return result


def filtered_and_sorted(query: Select[Any], filt: AssetFilter) -> Select[Any]:
    """``query`` (over assets) narrowed by ``filt`` and in its order, ties broken by id."""
    if filt.min_rating:
        query = query.where(Asset.rating >= filt.min_rating)
    if filt.flags:
        query = query.where(Asset.flag.in_([f.value for f in filt.flags]))
    if filt.tag:
        query = query.where(Asset.id.in_(
            select(AssetTag.asset_id).join(Tag).where(func.lower(Tag.name) == filt.tag.lower())))
    if filt.text:
        like = f"%{filt.text.lower()}%"
        tagged = select(AssetTag.asset_id).join(Tag).where(func.lower(Tag.name).like(like))
        query = query.where(func.lower(Asset.original_name).like(like)
                            | func.lower(Asset.notes).like(like) | Asset.id.in_(tagged))
    order = _sort_key(filt)
    return query.order_by(order.desc() if filt.descending else order.asc(), Asset.id)


def _sort_key(filt: AssetFilter) -> Any:
    return {AssetSort.IMPORTED: Asset.imported_at, AssetSort.NAME: func.lower(Asset.original_name),
            AssetSort.RATING: Asset.rating}[filt.sort]


def _after(key: Any, descending: bool, value: object, asset_id: int) -> Any:
    """Rows after the one with sort key ``value`` and id ``asset_id`` in the order ``filtered_and_sorted`` gives
    (the key in its direction, then the id ascending)."""
    if not descending:
        return tuple_(key, Asset.id) > tuple_(value, asset_id)
    return or_(key < value, and_(key == value, Asset.id > asset_id))


def _fetch_plain(s: Session, query: Select[Any]) -> list[tuple]:
    """All rows of ``query`` as the driver's own tuples, straight from its cursor (no per-row Python work)."""
    dialect = s.get_bind().dialect
    compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    values = compiled.construct_params()
    for name, value in values.items():  # e.g. a datetime into SQLite's stored text form
        bind = compiled.binds.get(name)
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
        if processor is not None:
            values[name] = processor(value)
    parameters: Any = values
    if compiled.positiontup is not None:  # qmark / numeric / format styles
        parameters = [values[name] for name in compiled.positiontup]
    cursor = s.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), parameters)
        return cursor.fetchall()
    finally:
        cursor.close()


class LibraryService:
    """The one writer of clients, campaigns, assets and tags. Every public coroutine is one transaction on the
    database thread; every write returns its ``Changes`` (alone, or in an ``Op`` with what it made)."""

    def __init__(self, db: Database, paths: LibraryPaths, settings: SettingsStore) -> None:
        self.db = db
        self.paths = paths
        self.settings = settings
        self.store = AssetStore(paths.store)

    # ---- clients -----------------------------------------------------------------------------------
    async def list_clients(self) -> list[ClientInfo]:
        def work(s: Session) -> list[ClientInfo]:
            counts = dict(s.execute(select(Campaign.client_id, func.count()).group_by(Campaign.client_id)).all())
            rows = s.scalars(select(Client).order_by(func.lower(Client.name)))
            return [client_info(r, counts.get(r.id, 0)) for r in rows]
        return await self.db.read(work)

    async def get_client(self, client_id_or_name: int | str) -> ClientInfo:
        def work(s: Session) -> ClientInfo:
            row = self._find_client(s, client_id_or_name)
            count = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.client_id == row.id))
            return client_info(row, count or 0)
        return await self.db.read(work)

    async def create_client(self, name: str, *, homepage: str = "", brand_colors: Sequence[str] = (),
                            tone: str = "", restrictions: str = "", notes: str = "") -> Op[ClientInfo]:
        name = _required(name, "client name")
        def work(s: Session) -> ClientInfo:
            if s.scalar(select(Client.id).where(func.lower(Client.name) == name.lower())):
                raise LibraryError(f"a client named {name!r} already exists")
            row = Client(name=name, homepage=homepage.strip(), brand_colors=_colors(brand_colors), tone=tone,
                         restrictions=restrictions, notes=notes)
            s.add(row)
            s.flush()
            return client_info(row)
        return await self.db.op(work)

    async def update_client(self, client_id: int, **fields: object) -> Op[ClientInfo]:
        """Change any of name, homepage, brand_colors, tone, restrictions, notes."""
        allowed = {"name", "homepage", "brand_colors", "tone", "restrictions", "notes"}
        _check_fields(fields, allowed)
        def work(s: Session) -> ClientInfo:
            row = self._find_client(s, client_id)
            if "name" in fields:
                new_name = _required(str(fields["name"]), "client name")
                clash = s.scalar(select(Client.id).where(func.lower(Client.name) == new_name.lower(),
                                                        Client.id != row.id))
                if clash:
                    raise LibraryError(f"a client named {new_name!r} already exists")
                row.name = new_name
            for key in allowed - {"name"}:
                if key in fields:
                    value = fields[key]
                    setattr(row, key, _colors(value) if key == "brand_colors" else str(value or ""))
            s.flush()
            count = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.client_id == row.id))
            return client_info(row, count or 0)
        return await self.db.op(work)

    async def client_deletion_impact(self, client_id: int) -> DeletionImpact:
        def work(s: Session) -> DeletionImpact:
            campaigns = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.client_id == client_id))
            assets = s.scalar(select(func.count()).select_from(Asset).where(Asset.client_id == client_id))
            jobs = s.scalar(select(func.count()).select_from(Job).join(Campaign)
                            .where(Campaign.client_id == client_id))
            return DeletionImpact(campaigns or 0, assets or 0, jobs or 0)
        return await self.db.read(work)

    async def delete_client(self, client_id: int) -> Changes:
        """Delete a client with its campaigns and assets (their files leave the store)."""
        def work(s: Session) -> list[tuple[str, str]]:
            row = self._find_client(s, client_id)
            assets = list(s.execute(select(Asset.id, Asset.sha256, Asset.format).where(Asset.client_id == row.id)))
            campaigns = frozenset(s.scalars(select(Campaign.id).where(Campaign.client_id == row.id)))
            record(s, _campaigns_gone(campaigns) | Changes(clients=frozenset({row.id}),
                                                           assets=frozenset(a.id for a in assets)))
            s.delete(row)
            return [(a.sha256, a.format) for a in assets]
        op = await self.db.op(work)
        await self._remove_unreferenced_files(op.value)
        return op.changes

    # ---- campaigns ---------------------------------------------------------------------------------
    async def list_campaigns(self, client: int | str | None = None) -> list[CampaignInfo]:
        def work(s: Session) -> list[CampaignInfo]:
            query = select(Campaign).join(Client).order_by(func.lower(Client.name), func.lower(Campaign.name))
            if client is not None:
                query = query.where(Campaign.client_id == self._find_client(s, client).id)
            return [campaign_info(r) for r in s.scalars(query)]
        return await self.db.read(work)

    async def get_campaign(self, campaign: int | str) -> CampaignInfo:
        """A campaign by id or by name (a name must be unambiguous across clients)."""
        return await self.db.read(lambda s: campaign_info(self._find_campaign(s, campaign)))

    async def create_campaign(self, client: int | str, name: str, *, goal: str = "", audience: str = "",
                              key_messages: Sequence[str] = (), product_url: str = "",
                              budget_usd: float | None = None,
                              status: CampaignStatus = CampaignStatus.DRAFT) -> Op[CampaignInfo]:
        name = _required(name, "campaign name")
        _check_budget(budget_usd)
        def work(s: Session) -> CampaignInfo:
            owner = self._find_client(s, client)
            if s.scalar(select(Campaign.id).where(Campaign.client_id == owner.id,
                                                  func.lower(Campaign.name) == name.lower())):
                raise LibraryError(f"{owner.name} already has a campaign named {name!r}")
            row = Campaign(client_id=owner.id, name=name, goal=goal, audience=audience,
                           key_messages=[m.strip() for m in key_messages if m.strip()],
                           product_url=product_url.strip(), budget_usd=budget_usd, status=status.value)
            row.client = owner
            s.add(row)
            s.flush()
            return campaign_info(row)
        return await self.db.op(work)

    async def update_campaign(self, campaign_id: int, **fields: object) -> Op[CampaignInfo]:
        """Change any of name, goal, audience, key_messages, product_url, budget_usd, status."""
        allowed = {"name", "goal", "audience", "key_messages", "product_url", "budget_usd", "status"}
        _check_fields(fields, allowed)
        def work(s: Session) -> CampaignInfo:
            row = self._find_campaign(s, campaign_id)
            if "name" in fields:
                new_name = _required(str(fields["name"]), "campaign name")
                clash = s.scalar(select(Campaign.id).where(Campaign.client_id == row.client_id,
                                                           func.lower(Campaign.name) == new_name.lower(),
                                                           Campaign.id != row.id))
                if clash:
                    raise LibraryError(f"{row.client.name} already has a campaign named {new_name!r}")
                row.name = new_name
            if "key_messages" in fields:
                row.key_messages = [str(m).strip() for m in fields["key_messages"] or () if str(m).strip()]
            if "budget_usd" in fields:
                budget = fields["budget_usd"]
                _check_budget(budget)  # type: ignore[arg-type]
                row.budget_usd = None if budget is None else float(budget)  # type: ignore[arg-type]
            if "status" in fields:
                row.status = CampaignStatus(fields["status"]).value
            for key in ("goal", "audience", "product_url"):
                if key in fields:
                    setattr(row, key, str(fields[key] or ""))
            s.flush()
            return campaign_info(row)
        return await self.db.op(work)

    async def campaign_deletion_impact(self, campaign_id: int) -> DeletionImpact:
        def work(s: Session) -> DeletionImpact:
            assets = s.scalar(select(func.count()).select_from(CampaignAsset)
                              .where(CampaignAsset.campaign_id == campaign_id))
            jobs = s.scalar(select(func.count()).select_from(Job).where(Job.campaign_id == campaign_id))
            return DeletionImpact(0, assets or 0, jobs or 0)
        return await self.db.read(work)

    async def delete_campaign(self, campaign_id: int) -> Changes:
        """Delete a campaign; its assets stay in the client's library."""
        def work(s: Session) -> None:
            row = self._find_campaign(s, campaign_id)
            record(s, _campaigns_gone(frozenset({row.id})) | Changes(clients=frozenset({row.client_id})))
            s.delete(row)
        return (await self.db.op(work)).changes

    # ---- assets ------------------------------------------------------------------------------------
    async def list_assets(self, campaign_id: int, filt: AssetFilter | None = None) -> list[AssetInfo]:
        """The campaign's assets that pass ``filt``, in its order, tags included."""
        filt = filt or AssetFilter()
        def work(s: Session) -> list[AssetInfo]:
            query = (select(Asset).join(CampaignAsset, CampaignAsset.asset_id == Asset.id)
                     .where(CampaignAsset.campaign_id == campaign_id))
            query = filtered_and_sorted(query, filt)
            rows = list(s.scalars(query))
            tags = _tags_by_asset(s, (r.id for r in rows))
            return [asset_info(r, tags.get(r.id, ())) for r in rows]
        return await self.db.read(work)

    async def get_assets(self, asset_ids: Sequence[int]) -> list[AssetInfo]:
        """Assets by id, in the order asked (unknown ids are left out)."""
        def work(s: Session) -> list[AssetInfo]:
            rows = {r.id: r for r in s.scalars(select(Asset).where(Asset.id.in_(list(asset_ids))))}
            tags = _tags_by_asset(s, rows)
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
        if not 0 <= rating <= 5:
            raise LibraryError("a rating is 0 to 5 stars")
        return await self._update_assets(asset_ids, rating=rating, rated_by=self.actor)

    async def set_flag(self, asset_ids: Sequence[int], flag: Flag) -> Changes:
        """Flag assets (the last writer wins; who flagged is recorded and shown)."""
        return await self._update_assets(asset_ids, flag=Flag(flag).value, flagged_by=self.actor)

    async def set_notes(self, asset_id: int, notes: str, *, version: int | None = None) -> Op[AssetInfo]:
        """Save an asset's notes. With ``version`` (the ``notes_version`` they were read at), a save after someone
        else's is refused with ``NotesConflict``, which carries their text to merge; the value is the saved
        asset (its new ``notes_version``)."""
        actor = self.actor

        def work(s: Session) -> AssetInfo:
            row = s.scalar(select(Asset).where(Asset.id == asset_id).with_for_update())
            if row is None:
                raise LibraryError("that image was deleted")
            if version is not None and row.notes_version != version and row.notes != notes:
                raise NotesConflict(asset_id, row.notes, row.notes_version, row.notes_by)
            if row.notes != notes:
                row.notes, row.notes_by, row.notes_version = notes, actor, row.notes_version + 1
            s.flush()
            return asset_info(row, _tags_by_asset(s, [row.id]).get(row.id, ()))
        return await self.db.op(work)

    async def add_tags(self, asset_ids: Sequence[int], tags: Sequence[str]) -> Changes:
        """Tag every asset with every tag (bulk tagging); tags are created on first use."""
        names = _tag_names(tags)
        def work(s: Session) -> None:
            for name in names:
                tag = self._tag(s, name)
                existing = set(s.scalars(select(AssetTag.asset_id).where(AssetTag.tag_id == tag.id,
                                                                         AssetTag.asset_id.in_(asset_ids))))
                s.add_all(AssetTag(asset_id=a, tag_id=tag.id) for a in asset_ids if a not in existing)
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

    async def remove_from_campaign(self, campaign_id: int, asset_ids: Sequence[int]) -> Changes:
        """Unlink assets from a campaign; they stay in the client's library."""
        def work(s: Session) -> None:
            record(s, Changes(campaign_assets=frozenset({campaign_id}), assets=frozenset(asset_ids)))
            s.execute(delete(CampaignAsset).where(CampaignAsset.campaign_id == campaign_id,
                                                  CampaignAsset.asset_id.in_(asset_ids)))
        return (await self.db.op(work)).changes

    async def delete_assets(self, asset_ids: Sequence[int]) -> Op[int]:
        """Delete assets from the library; a file leaves the store when no asset row needs it any more. The value
        is how many were deleted."""
        def work(s: Session) -> list[tuple[str, str]]:
            rows = list(s.scalars(select(Asset).where(Asset.id.in_(asset_ids))))
            ids = [r.id for r in rows]
            campaigns = frozenset(s.scalars(select(CampaignAsset.campaign_id).where(CampaignAsset.asset_id.in_(ids))))
            paired = frozenset(s.scalars(select(PairSuggestionRow.campaign_id).where(
                PairSuggestionRow.first_asset_id.in_(ids) | PairSuggestionRow.last_asset_id.in_(ids))))
            record(s, Changes(assets=frozenset(ids), campaign_assets=campaigns, pairs=paired, tags=True))
            for row in rows:
                s.delete(row)
            return [(r.sha256, r.format) for r in rows]
        op = await self.db.op(work)
        await self._remove_unreferenced_files(op.value)
        return Op(len(op.value), op.changes)

    async def link_assets(self, campaign_id: int, asset_ids: Sequence[int]) -> Changes:
        """Let a campaign use assets of its client's library."""
        def work(s: Session) -> None:
            existing = set(s.scalars(select(CampaignAsset.asset_id).where(CampaignAsset.campaign_id == campaign_id)))
            s.add_all(CampaignAsset(campaign_id=campaign_id, asset_id=a) for a in dict.fromkeys(asset_ids)
                      if a not in existing)
        return (await self.db.op(work)).changes

    # ---- import (implemented in importer.py) -------------------------------------------------------
    async def import_sources(self, campaign_id: int, sources: Sequence[str],
                             on_progress: Callable[[ImportProgress], None] | None = None,
                             cancel: asyncio.Event | None = None) -> ImportReport:
        """Import files, folders (recursively) and http(s) URLs into a campaign; see ``importer``."""
        from app.core.library.importer import Importer
        return await Importer(self).run(campaign_id, sources, on_progress, cancel)

    # ---- helpers -----------------------------------------------------------------------------------
    async def _update_assets(self, asset_ids: Sequence[int], **values: object) -> Changes:
        def work(s: Session) -> None:
            for row in s.scalars(select(Asset).where(Asset.id.in_(list(asset_ids)))):
                for key, value in values.items():
                    setattr(row, key, value)
        return (await self.db.op(work)).changes

    async def _remove_unreferenced_files(self, files: Sequence[tuple[str, str]]) -> None:
        """Unlink the files no asset row needs any more.

        The check and the unlink run together on the database thread, where an import also checks its stored
        file before inserting a row: so no import can commit a row for a file this removes.
        """
        def remove(s: Session) -> None:
            hashes = [h for h, _ in files]
            used = set(s.scalars(select(Asset.sha256).where(Asset.sha256.in_(hashes))))
            for sha, fmt in files:
                if sha not in used:
                    self.store.remove(sha, fmt)
        await self.db.run(remove)

    @staticmethod
    def _tag(s: Session, name: str) -> Tag:
        """The tag named ``name`` (any case), created when new; another process creating it at the same moment
        (PostgreSQL runs such transactions side by side) is a lost race that uses the winner's tag."""
        query = select(Tag).where(func.lower(Tag.name) == name.lower())
        tag = s.scalar(query)
        if tag is None:
            try:
                with s.begin_nested():
                    tag = Tag(name=name)
                    s.add(tag)
                    s.flush()
            except IntegrityError:
                tag = s.scalars(query).one()
        return tag

    @staticmethod
    def _find_client(s: Session, key: int | str) -> Client:
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            row = s.get(Client, int(key))
            if row is not None:
                return row
        row = s.scalar(select(Client).where(func.lower(Client.name) == str(key).lower()))
        if row is None:
            raise LibraryError(f"no client {key!r}")
        return row

    @staticmethod
    def _find_campaign(s: Session, key: int | str) -> Campaign:
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            row = s.get(Campaign, int(key))
            if row is not None:
                return row
        rows = list(s.scalars(select(Campaign).where(func.lower(Campaign.name) == str(key).lower())))
        if not rows:
            raise LibraryError(f"no campaign {key!r}")
        if len(rows) > 1:
            owners = ", ".join(sorted(r.client.name for r in rows))
            raise LibraryError(f"several clients have a campaign named {key!r} ({owners}): use its id")
        return rows[0]

    # ---- the asset grid's paged listing ------------------------------------------------------------
    ROW_TAG_SEPARATOR = "\x1f"  # never inside a tag: tag names have their whitespace collapsed

    async def list_asset_rows(self, campaign_id: int, filt: AssetFilter | None = None, *, offset: int = 0,
                              limit: int = 1000, only_ids: Sequence[int] | None = None,
                              after: int | None = None) -> list[tuple]:
        """Rows ``offset`` to ``offset + limit`` of ``list_assets`` (same filter and order; a campaign uses only its
        client's assets) as the plain tuples the driver returns; ``asset_from_row`` turns one into an ``AssetInfo``.
        With ``only_ids``, just those of the rows (a view refreshing the assets a change named). With ``after`` (the
        id of the last row of the previous page), the page that follows it, found through the index instead of by
        counting ``offset`` rows (a page deep in 250,000 costs what the first does); when that asset is gone,
        ``offset`` is used.

        A row holds ``AssetInfo``'s fields in order, except that the flag is its string value, the tags are one
        string joined by ``ROW_TAG_SEPARATOR`` (or None) and ``imported_at`` is text. Nothing is done per row in
        Python, so a page of 10,000 leaves the event loop's thread alone, and tuples of atoms are not tracked by
        the garbage collector, so a 50,000-asset grid adds nothing to its pauses.
        """
        filt = filt or AssetFilter()
        if self.db.dialect == "postgresql":
            tag_list = func.string_agg(Tag.name, self.ROW_TAG_SEPARATOR)
            stamp = func.to_char(Asset.imported_at, "YYYY-MM-DD HH24:MI:SS.US")  # the text SQLite stores
        else:
            tag_list = func.group_concat(Tag.name, self.ROW_TAG_SEPARATOR)
            stamp = type_coerce(Asset.imported_at, String)
        tags = (select(tag_list).join(AssetTag, AssetTag.tag_id == Tag.id)
                .where(AssetTag.asset_id == Asset.id).scalar_subquery())
        columns = (Asset.id, Asset.client_id, Asset.sha256, Asset.original_name, Asset.source, Asset.format,
                   Asset.width, Asset.height, Asset.bytes, Asset.rating, Asset.flag, Asset.notes, tags, stamp,
                   Asset.notes_version, Asset.imported_by, Asset.rated_by, Asset.flagged_by, Asset.notes_by)

        def work(s: Session) -> list[tuple]:
            owner = select(Campaign.client_id).where(Campaign.id == campaign_id).scalar_subquery()
            query = (select(*columns).join(CampaignAsset, CampaignAsset.asset_id == Asset.id)
                     .where(CampaignAsset.campaign_id == campaign_id,
                            Asset.client_id == owner))  # lets the database walk (client_id, imported_at) in order
            if only_ids is not None:
                query = query.where(Asset.id.in_(list(only_ids)))
            start = offset
            if after is not None:
                key = _sort_key(filt)
                known = s.execute(select(key, Asset.id).where(Asset.id == after)).first()
                if known is not None:
                    query, start = query.where(_after(key, filt.descending, known[0], after)), 0
            query = filtered_and_sorted(query, filt).offset(start).limit(limit)
            return _fetch_plain(s, query)
        return await self.db.read(work)

    @classmethod
    def asset_from_row(cls, row: Sequence[object]) -> AssetInfo:
        """The ``AssetInfo`` of a row of ``list_asset_rows``."""
        from datetime import datetime

        tags, stamp = row[12], row[13]
        return AssetInfo(*row[:10], Flag(row[10]), row[11],  # type: ignore[arg-type]
                         tuple(sorted(str(tags).split(cls.ROW_TAG_SEPARATOR))) if tags else (),
                         datetime.fromisoformat(str(stamp)) if stamp else None, *row[14:19])  # type: ignore[arg-type]

    @classmethod
    def row_from_asset(cls, asset: AssetInfo) -> tuple:
        """The ``list_asset_rows`` row of ``asset`` (the inverse of ``asset_from_row``)."""
        return (asset.id, asset.client_id, asset.sha256, asset.original_name, asset.source, asset.format,
                asset.width, asset.height, asset.bytes, asset.rating, asset.flag.value, asset.notes,
                cls.ROW_TAG_SEPARATOR.join(asset.tags) or None,
                asset.imported_at.isoformat(sep=" ") if asset.imported_at else None, asset.notes_version,
                asset.imported_by, asset.rated_by, asset.flagged_by, asset.notes_by)


def _campaigns_gone(campaign_ids: frozenset[int]) -> Changes:
    """Everything that hangs off deleted campaigns (the database's cascades remove it unseen by the session)."""
    return Changes(campaigns=campaign_ids, campaign_assets=campaign_ids, pairs=campaign_ids,
                   job_campaigns=campaign_ids, spend=campaign_ids)


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise LibraryError(f"the {what} is empty")
    return value


def _check_fields(fields: dict[str, object], allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise LibraryError(f"unknown field(s): {', '.join(sorted(unknown))}")


def _check_budget(budget: float | None) -> None:
    if budget is not None and (not isinstance(budget, int | float) or budget < 0):
        raise LibraryError("the budget is a number of US dollars, 0 or more")


def _colors(values: object) -> list[str]:
    result = []
    for value in values or ():  # type: ignore[attr-defined]
        text = str(value).strip()
        if not text:
            continue
        if not text.startswith("#"):
            text = "#" + text
        if len(text) not in (4, 7) or any(c not in "0123456789abcdefABCDEF" for c in text[1:]):
            raise LibraryError(f"{value!r} is not a colour like #1a2b3c")
        result.append(text.lower())
    return result


def _tag_names(tags: Sequence[str]) -> list[str]:
    seen: dict[str, str] = {}
    for tag in tags:
        name = " ".join(str(tag).split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


__all__ = ["DeletionImpact", "LibraryError", "LibraryService", "NotesConflict"]
