"""The asset grid's paged listing: rows as the driver's plain tuples, and their conversion to and from ``AssetInfo``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, func, select, type_coerce
from sqlalchemy.orm import Session

from app.config import SettingsStore
from app.core.db import Database
from app.core.db.models import Asset, AssetTag, Campaign, CampaignAsset, Tag
from app.core.domain import AssetFilter, AssetInfo, ColorLabel, Flag
from app.core.library.asset_query import filtered_and_sorted, rows_after, sort_key

ROW_TAG_SEPARATOR = "\x1f"  # never inside a tag: tag names have their whitespace collapsed


def fetch_plain(s: Session, query: Select[Any]) -> list[tuple]:
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


def asset_from_row(row: Sequence[object]) -> AssetInfo:
    """The ``AssetInfo`` of a row of ``list_asset_rows``."""
    tags, stamp = row[12], row[13]
    return AssetInfo(*row[:10], Flag(row[10]), row[11],  # type: ignore[arg-type]
                     tuple(sorted(str(tags).split(ROW_TAG_SEPARATOR))) if tags else (),
                     datetime.fromisoformat(str(stamp)) if stamp else None, ColorLabel(row[14] or "none"),
                     *row[15:20])  # type: ignore[arg-type]


def row_from_asset(asset: AssetInfo) -> tuple:
    """The ``list_asset_rows`` row of ``asset`` (the inverse of ``asset_from_row``)."""
    return (asset.id, asset.client_id, asset.sha256, asset.original_name, asset.source, asset.format,
            asset.width, asset.height, asset.bytes, asset.rating, asset.flag.value, asset.notes,
            ROW_TAG_SEPARATOR.join(asset.tags) or None,
            asset.imported_at.isoformat(sep=" ") if asset.imported_at else None, asset.label.value,
            asset.notes_version, asset.imported_by, asset.rated_by, asset.flagged_by, asset.notes_by)


class AssetRowsMixin:
    """Part of ``LibraryService``: the asset grid's paged listing."""

    db: Database
    settings: SettingsStore

    ROW_TAG_SEPARATOR = ROW_TAG_SEPARATOR
    asset_from_row = staticmethod(asset_from_row)
    row_from_asset = staticmethod(row_from_asset)

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
            tag_list = func.string_agg(Tag.name, ROW_TAG_SEPARATOR)
            stamp = func.to_char(Asset.imported_at, "YYYY-MM-DD HH24:MI:SS.US")  # the text SQLite stores
        else:
            tag_list = func.group_concat(Tag.name, ROW_TAG_SEPARATOR)
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
                key = sort_key(filt)
                known = s.execute(select(key, Asset.id).where(Asset.id == after)).first()
                if known is not None:
                    query, start = query.where(rows_after(key, filt.descending, known[0], after)), 0
            query = filtered_and_sorted(query, filt, min_usable).offset(start).limit(limit)
            return fetch_plain(s, query)
        return await self.db.read(work)


__all__ = ["ROW_TAG_SEPARATOR", "AssetRowsMixin", "asset_from_row", "fetch_plain", "row_from_asset"]
