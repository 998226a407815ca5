"""The asset list's filter and order as SQL, and the keyset condition that pages through that order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, func, or_, select, tuple_

from app.core.db.models import Asset, AssetTag, Tag
from app.core.domain import AssetFilter, AssetSort, Flag


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
    order = sort_key(filt)
    return query.order_by(order.desc() if filt.descending else order.asc(), Asset.id)


def sort_key(filt: AssetFilter) -> Any:
    """The column expression ``filt`` sorts by."""
    return {AssetSort.IMPORTED: Asset.imported_at, AssetSort.NAME: func.lower(Asset.original_name),
            AssetSort.RATING: Asset.rating}[filt.sort]


def rows_after(key: Any, descending: bool, value: object, asset_id: int) -> Any:
    """Rows after the one with sort key ``value`` and id ``asset_id`` in the order ``filtered_and_sorted`` gives
    (the key in its direction, then the id ascending)."""
    if not descending:
        return tuple_(key, Asset.id) > tuple_(value, asset_id)
    return or_(key < value, and_(key == value, Asset.id > asset_id))


__all__ = ["filtered_and_sorted", "rows_after", "sort_key"]
