"""Library rows as the domain's records, and the lookups of a client or campaign by id or name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, AssetTag, Campaign, Client, Tag
from app.core.domain import AssetInfo, CampaignInfo, CampaignStatus, ClientInfo, ColorLabel, Flag
from app.core.library.errors import LibraryError


@dataclass(frozen=True, slots=True)
class DeletionImpact:
    """What deleting a client or campaign takes with it, to show before asking."""

    campaigns: int = 0
    assets: int = 0
    jobs: int = 0


def client_info(row: Client, campaign_count: int = 0) -> ClientInfo:
    """The ``ClientInfo`` of a client row."""
    return ClientInfo(row.id, row.name, row.homepage, tuple(row.brand_colors or ()), row.tone, row.restrictions,
                      row.notes, campaign_count, row.logo_asset_id, row.logo_file, bool(row.logo_key_background),
                      tuple(row.brand_fonts or ()), row.cta or "")


def campaign_info(row: Campaign) -> CampaignInfo:
    """The ``CampaignInfo`` of a campaign row (its client's name included)."""
    return CampaignInfo(row.id, row.client_id, row.name, row.goal, row.audience, tuple(row.key_messages or ()),
                        row.product_url, row.budget_usd, CampaignStatus(row.status), row.client.name,
                        bool(row.brand_check))


def asset_info(row: Asset, tags: Sequence[str] = ()) -> AssetInfo:
    """The ``AssetInfo`` of an asset row with its tags."""
    return AssetInfo(row.id, row.client_id, row.sha256, row.original_name, row.source, row.format, row.width,
                     row.height, row.bytes, row.rating, Flag(row.flag), row.notes, tuple(sorted(tags)),
                     row.imported_at, ColorLabel(row.color_label or ColorLabel.NONE.value), row.notes_version,
                     row.imported_by, row.rated_by, row.flagged_by, row.notes_by)


def tags_by_asset(session: Session, asset_ids: Iterable[int]) -> dict[int, list[str]]:
    """The tag names of each of ``asset_ids`` that has any."""
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


def find_client(s: Session, key: int | str) -> Client:
    """A client by id or by name (any case); ``LibraryError`` when there is none."""
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        row = s.get(Client, int(key))
        if row is not None:
            return row
    row = s.scalar(select(Client).where(func.lower(Client.name) == str(key).lower()))
    if row is None:
        raise LibraryError(f"no client {key!r}")
    return row


def find_campaign(s: Session, key: int | str) -> Campaign:
    """A campaign by id or by name (any case, unambiguous across clients); ``LibraryError`` otherwise."""
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


__all__ = ["DeletionImpact", "asset_info", "campaign_info", "client_info", "find_campaign", "find_client",
           "tags_by_asset"]
