"""Clients, campaigns and assets: the library's queries and curation, each one transaction on the db thread."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, String, and_, delete, func, insert, inspect, or_, select, tuple_, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import LibraryPaths, SettingsStore, actor_name
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
from app.core.domain import (
    AssetFieldValues,
    AssetFilter,
    AssetInfo,
    AssetSort,
    CampaignInfo,
    CampaignStatus,
    ClientInfo,
    ColorLabel,
    Flag,
    ImportProgress,
    ImportReport,
    Membership,
    TagEdit,
    TrashedAssets,
)
from app.core.library.brand import BRAND_FOLDER, BrandFileError, brand_kit, import_brand_file
from app.core.library.store import AssetStore
from app.core.library.trash import Trash
from app.core.media.brand_kit import BrandKit

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
                      row.notes, campaign_count, row.logo_asset_id, row.logo_file, bool(row.logo_key_background),
                      tuple(row.brand_fonts or ()), row.cta or "")


def campaign_info(row: Campaign) -> CampaignInfo:
    return CampaignInfo(row.id, row.client_id, row.name, row.goal, row.audience, tuple(row.key_messages or ()),
                        row.product_url, row.budget_usd, CampaignStatus(row.status), row.client.name,
                        bool(row.brand_check))


def asset_info(row: Asset, tags: Sequence[str] = ()) -> AssetInfo:
    return AssetInfo(row.id, row.client_id, row.sha256, row.original_name, row.source, row.format, row.width,
                     row.height, row.bytes, row.rating, Flag(row.flag), row.notes, tuple(sorted(tags)),
                     row.imported_at, ColorLabel(row.color_label or ColorLabel.NONE.value), row.notes_version,
                     row.imported_by, row.rated_by, row.flagged_by, row.notes_by)


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


def filtered_and_sorted(query: Select[Any], filt: AssetFilter, min_usable_rating: int = 0) -> Select[Any]:
    """``query`` (over assets) narrowed by ``filt`` and in its order, ties broken by id. ``min_usable_rating`` is
    the rating pairing needs (what ``filt.combinable`` keeps)."""
    if filt.unrated:
        query = query.where(Asset.rating == 0)
    elif filt.min_rating:
        query = query.where(Asset.rating >= filt.min_rating)
    if filt.flags:
        query = query.where(Asset.flag.in_([f.value for f in filt.flags]))
    if filt.labels:
        query = query.where(Asset.color_label.in_([label.value for label in filt.labels]))
    if filt.combinable:
        query = query.where(Asset.flag != Flag.REJECT.value, Asset.rating >= min_usable_rating)
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
        self.trash = Trash(paths.trash)

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
        """Change any of name, homepage, brand_colors, tone, restrictions, notes and the brand kit: cta,
        logo_asset_id (one of the client's images) or logo_file, logo_key_background, brand_fonts (the last two
        kinds are paths ``import_brand_file`` returned)."""
        allowed = {"name", "homepage", "brand_colors", "tone", "restrictions", "notes", *_BRAND_FIELDS}
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
            for key in allowed - {"name", *_BRAND_FIELDS}:
                if key in fields:
                    value = fields[key]
                    setattr(row, key, _colors(value) if key == "brand_colors" else str(value or ""))
            _set_brand(s, row, fields)
            s.flush()
            count = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.client_id == row.id))
            return client_info(row, count or 0)
        return await self.db.op(work)

    async def import_brand_file(self, source: Path, kind: str) -> str:
        """Copy a ``"logo"`` or ``"font"`` file into the library (checked first); returns the path to give
        ``update_client`` as ``logo_file`` or in ``brand_fonts``. Raises ``LibraryError`` for an unusable file."""
        try:
            return await asyncio.to_thread(import_brand_file, self.paths, source, kind)
        except (BrandFileError, OSError) as exc:
            raise LibraryError(str(exc)) from None

    async def client_images(self, client_id: int, limit: int = 500) -> list[tuple[int, str]]:
        """The client's images that can serve as its logo (PNG, JPEG, WebP): ``(asset id, name)``, newest first."""
        def work(s: Session) -> list[tuple[int, str]]:
            rows = s.execute(select(Asset.id, Asset.original_name).where(
                Asset.client_id == client_id, Asset.format.in_(("png", "jpeg", "webp")))
                .order_by(Asset.imported_at.desc(), Asset.id.desc()).limit(limit))
            return [(row.id, row.original_name) for row in rows]
        return await self.db.read(work)

    async def brand_kit(self, campaign_id: int) -> BrandKit:
        """What the campaign's deliverables are dressed in: its client's logo, fonts, colours and call to action,
        and its own name, product URL and key messages."""
        def work(s: Session) -> BrandKit:
            campaign = self._find_campaign(s, campaign_id)
            client = campaign.client
            logo = None
            if client.logo_asset_id is not None:
                asset = s.get(Asset, client.logo_asset_id)
                if asset is not None and asset.client_id == client.id:
                    logo = self.store.path_for(asset.sha256, asset.format)
            elif client.logo_file:
                logo = self.paths.file(client.logo_file)
            return brand_kit(self.paths, campaign=campaign.name, colors=client.brand_colors or (), logo=logo,
                             key_background=bool(client.logo_key_background), fonts=client.brand_fonts or (),
                             cta=client.cta or "", product_url=campaign.product_url,
                             key_messages=campaign.key_messages or ())
        return await self.db.read(work)

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
        await self._trash_unreferenced_files(op.value)
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
                              status: CampaignStatus = CampaignStatus.DRAFT,
                              brand_check: bool = False) -> Op[CampaignInfo]:
        name = _required(name, "campaign name")
        _check_budget(budget_usd)
        def work(s: Session) -> CampaignInfo:
            owner = self._find_client(s, client)
            if s.scalar(select(Campaign.id).where(Campaign.client_id == owner.id,
                                                  func.lower(Campaign.name) == name.lower())):
                raise LibraryError(f"{owner.name} already has a campaign named {name!r}")
            row = Campaign(client_id=owner.id, name=name, goal=goal, audience=audience,
                           key_messages=[m.strip() for m in key_messages if m.strip()],
                           product_url=product_url.strip(), budget_usd=budget_usd, status=status.value,
                           brand_check=brand_check)
            row.client = owner
            s.add(row)
            s.flush()
            return campaign_info(row)
        return await self.db.op(work)

    async def update_campaign(self, campaign_id: int, **fields: object) -> Op[CampaignInfo]:
        """Change any of name, goal, audience, key_messages, product_url, budget_usd, status, brand_check."""
        allowed = {"name", "goal", "audience", "key_messages", "product_url", "budget_usd", "status", "brand_check"}
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
            if "brand_check" in fields:
                row.brand_check = bool(fields["brand_check"])
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
            query = filtered_and_sorted(query, filt, self.settings.current.pairing_min_rating)
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
            return asset_info(row, _tags_by_asset(s, [row.id]).get(row.id, ()))
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

    async def add_tags(self, asset_ids: Sequence[int], tags: Sequence[str]) -> Changes:
        """Tag every asset with every tag (bulk tagging); tags are created on first use."""
        names = _tag_names(tags)
        def work(s: Session) -> None:
            for name in names:
                self._tag_assets(s, asset_ids, name)
        return (await self.db.op(work)).changes

    async def tag_assets(self, asset_ids: Sequence[int], tag: str) -> Op[TagEdit]:
        """Tag assets with one tag (created on first use); the value names the assets that were not tagged yet."""
        name = _required(" ".join(str(tag).split()), "tag")
        return await self.db.op(lambda s: self._tag_assets(s, asset_ids, name))

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
                self._tag_assets(s, edit.asset_ids, edit.tag)
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

    async def remove_from_campaign(self, campaign_id: int, asset_ids: Sequence[int]) -> Changes:
        """Unlink assets from a campaign; they stay in the client's library."""
        return (await self.unlink_assets(campaign_id, asset_ids)).changes

    async def unlink_assets(self, campaign_id: int, asset_ids: Sequence[int]) -> Op[Membership]:
        """Unlink assets from a campaign (they stay in the client's library); the value says which were members and
        since when (``restore_membership`` links them again)."""
        ids = list(dict.fromkeys(asset_ids))
        def work(s: Session) -> Membership:
            joined: list[tuple[int, datetime]] = []
            for start in range(0, len(ids), 900):
                chunk = ids[start:start + 900]
                joined.extend(tuple(r) for r in s.execute(select(CampaignAsset.asset_id, CampaignAsset.added_at).where(
                    CampaignAsset.campaign_id == campaign_id, CampaignAsset.asset_id.in_(chunk))))
                record(s, Changes(campaign_assets=frozenset({campaign_id}), assets=frozenset(chunk)))
                s.execute(delete(CampaignAsset).where(CampaignAsset.campaign_id == campaign_id,
                                                      CampaignAsset.asset_id.in_(chunk)))
            return Membership(campaign_id, tuple(joined))
        return await self.db.op(work)

    async def restore_membership(self, membership: Membership) -> Changes:
        """Link assets to the campaign again, each with the time it first joined (assets or a campaign deleted
        since are skipped)."""
        def work(s: Session) -> None:
            if s.get(Campaign, membership.campaign_id) is None:
                raise LibraryError("the campaign was deleted: its images cannot be put back")
            ids = [a for a, _ in membership.joined]
            present = set(s.scalars(select(Asset.id).where(Asset.id.in_(ids))))
            linked = set(s.scalars(select(CampaignAsset.asset_id).where(
                CampaignAsset.campaign_id == membership.campaign_id, CampaignAsset.asset_id.in_(ids))))
            s.add_all(CampaignAsset(campaign_id=membership.campaign_id, asset_id=a, added_at=at)
                      for a, at in membership.joined if a in present and a not in linked)
        return (await self.db.op(work)).changes

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
        files = await self._trash_unreferenced_files([(str(a["sha256"]), str(a["format"])) for a in op.value.assets])
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
    async def _trash_unreferenced_files(self, files: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Move the files no asset row needs any more to the trash; returns (sha256, format, path in the trash).

        The check and the move run together on the database thread, where an import also checks its stored
        file before inserting a row: so no import can commit a row for a file this takes away.
        """
        def move(s: Session) -> list[tuple[str, str, str]]:
            hashes = list({h for h, _ in files})
            used = {h for start in range(0, len(hashes), 900)
                    for h in s.scalars(select(Asset.sha256).where(Asset.sha256.in_(hashes[start:start + 900])))}
            folder = self.trash.bin_for_now()
            moved = []
            for sha, fmt in dict.fromkeys(files):
                if sha not in used and (target := self.trash.move_in(self.store.path_for(sha, fmt), folder)):
                    moved.append((sha, fmt, str(target)))
            return moved
        return await self.db.run(move)

    @staticmethod
    def _tag_assets(s: Session, asset_ids: Sequence[int], name: str) -> TagEdit:
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

        A row holds ``AssetInfo``'s fields in order, except that the flag and the label are their string values,
        the tags are one string joined by ``ROW_TAG_SEPARATOR`` (or None) and ``imported_at`` is text. Nothing is
        done per row in Python, so a page of 10,000 leaves the event loop's thread alone, and tuples of atoms are
        not tracked by the garbage collector, so a 50,000-asset grid adds nothing to its pauses.
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
                   Asset.color_label, Asset.notes_version, Asset.imported_by, Asset.rated_by, Asset.flagged_by,
                   Asset.notes_by)
        min_usable = self.settings.current.pairing_min_rating
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
            query = filtered_and_sorted(query, filt, min_usable).offset(start).limit(limit)
            return _fetch_plain(s, query)
        return await self.db.read(work)

    @classmethod
    def asset_from_row(cls, row: Sequence[object]) -> AssetInfo:
        """The ``AssetInfo`` of a row of ``list_asset_rows``."""
        from datetime import datetime

        tags, stamp = row[12], row[13]
        return AssetInfo(*row[:10], Flag(row[10]), row[11],  # type: ignore[arg-type]
                         tuple(sorted(str(tags).split(cls.ROW_TAG_SEPARATOR))) if tags else (),
                         datetime.fromisoformat(str(stamp)) if stamp else None, ColorLabel(row[14] or "none"),
                         *row[15:20])  # type: ignore[arg-type]

    @classmethod
    def row_from_asset(cls, asset: AssetInfo) -> tuple:
        """The ``list_asset_rows`` row of ``asset`` (the inverse of ``asset_from_row``)."""
        return (asset.id, asset.client_id, asset.sha256, asset.original_name, asset.source, asset.format,
                asset.width, asset.height, asset.bytes, asset.rating, asset.flag.value, asset.notes,
                cls.ROW_TAG_SEPARATOR.join(asset.tags) or None,
                asset.imported_at.isoformat(sep=" ") if asset.imported_at else None, asset.label.value,
                asset.notes_version, asset.imported_by, asset.rated_by, asset.flagged_by, asset.notes_by)


def _public_value(field: str, stored: object) -> object:
    """A stored curation value as the domain has it (flags and labels as enums)."""
    if field == "flag":
        return Flag(str(stored))
    if field == "label":
        return ColorLabel(str(stored or ColorLabel.NONE.value))
    return stored


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
            LibraryService._tag_assets(s, [new_ids[asset_id]], name)
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


def _campaigns_gone(campaign_ids: frozenset[int]) -> Changes:
    """Everything that hangs off deleted campaigns (the database's cascades remove it unseen by the session)."""
    return Changes(campaigns=campaign_ids, campaign_assets=campaign_ids, pairs=campaign_ids,
                   job_campaigns=campaign_ids, spend=campaign_ids)


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise LibraryError(f"the {what} is empty")
    return value


_BRAND_FIELDS = ("cta", "logo_asset_id", "logo_file", "logo_key_background", "brand_fonts")


def _set_brand(s: Session, row: Client, fields: dict[str, object]) -> None:
    """Apply the brand kit's fields of an ``update_client`` (a logo asset must be one of the client's images;
    setting one logo clears the other kind)."""
    if "cta" in fields:
        row.cta = str(fields["cta"] or "").strip()
    if "logo_key_background" in fields:
        row.logo_key_background = bool(fields["logo_key_background"])
    if "logo_file" in fields:
        row.logo_file = _brand_path(fields["logo_file"], "logo") if fields["logo_file"] else None
        if row.logo_file:
            row.logo_asset_id = None
    if "logo_asset_id" in fields:
        asset_id = fields["logo_asset_id"]
        if asset_id is not None:
            asset = s.get(Asset, asset_id) if isinstance(asset_id, int) else None
            if asset is None or asset.client_id != row.id:
                raise LibraryError(f"the logo must be one of {row.name}'s images (no asset {asset_id!r})")
            row.logo_file = None
        row.logo_asset_id = asset_id  # type: ignore[assignment]
    if "brand_fonts" in fields:
        row.brand_fonts = list(dict.fromkeys(_brand_path(f, "font") for f in fields["brand_fonts"] or ()))  # type: ignore[attr-defined]


def _brand_path(value: object, kind: str) -> str:
    """A path ``import_brand_file`` returned (inside the library's brand folder), or a refusal."""
    text = str(value).strip()
    parts = Path(text).parts
    if len(parts) != 2 or parts[0] != BRAND_FOLDER or Path(text).is_absolute():
        raise LibraryError(f"the {kind} must be a file added to the library first (got {text!r})")
    return text


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
