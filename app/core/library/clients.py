"""Clients: their records, brand kit and deletion."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import LibraryPaths
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Asset, Campaign, Client, Job
from app.core.db.tracking import record
from app.core.domain import ClientInfo
from app.core.library.brand import BRAND_FOLDER, BrandFileError, brand_kit, import_brand_file
from app.core.library.campaigns import campaigns_gone
from app.core.library.deletion import trash_unreferenced_files
from app.core.library.errors import LibraryError, check_fields, name_taken_meanwhile, required
from app.core.library.records import DeletionImpact, client_info, find_campaign, find_client
from app.core.library.store import AssetStore
from app.core.library.trash import Trash
from app.core.media.brand_kit import BrandKit

_BRAND_FIELDS = ("cta", "logo_asset_id", "logo_file", "logo_key_background", "brand_fonts")


class ClientsMixin:
    """Part of ``LibraryService``: clients and their brand kit."""

    db: Database
    paths: LibraryPaths
    store: AssetStore
    trash: Trash

    async def list_clients(self) -> list[ClientInfo]:
        def work(s: Session) -> list[ClientInfo]:
            counts = dict(s.execute(select(Campaign.client_id, func.count()).group_by(Campaign.client_id)).all())
            rows = s.scalars(select(Client).order_by(func.lower(Client.name)))
            return [client_info(r, counts.get(r.id, 0)) for r in rows]
        return await self.db.read(work)

    async def get_client(self, client_id_or_name: int | str) -> ClientInfo:
        def work(s: Session) -> ClientInfo:
            row = find_client(s, client_id_or_name)
            count = s.scalar(select(func.count()).select_from(Campaign).where(Campaign.client_id == row.id))
            return client_info(row, count or 0)
        return await self.db.read(work)

    async def create_client(self, name: str, *, homepage: str = "", brand_colors: Sequence[str] = (),
                            tone: str = "", restrictions: str = "", notes: str = "") -> Op[ClientInfo]:
        name = required(name, "client name")
        taken = f"a client named {name!r} already exists"
        def work(s: Session) -> ClientInfo:
            if s.scalar(select(Client.id).where(func.lower(Client.name) == name.lower())):
                raise LibraryError(taken)
            row = Client(name=name, homepage=homepage.strip(), brand_colors=_colors(brand_colors), tone=tone,
                         restrictions=restrictions, notes=notes)
            s.add(row)
            with name_taken_meanwhile("clients", taken):
                s.flush()
            return client_info(row)
        return await self.db.op(work)

    async def update_client(self, client_id: int, **fields: object) -> Op[ClientInfo]:
        """Change any of name, homepage, brand_colors, tone, restrictions, notes and the brand kit: cta,
        logo_asset_id (one of the client's images) or logo_file, logo_key_background, brand_fonts (the last two
        kinds are paths ``import_brand_file`` returned)."""
        allowed = {"name", "homepage", "brand_colors", "tone", "restrictions", "notes", *_BRAND_FIELDS}
        check_fields(fields, allowed)
        def work(s: Session) -> ClientInfo:
            row = find_client(s, client_id)
            if "name" in fields:
                new_name = required(str(fields["name"]), "client name")
                taken = f"a client named {new_name!r} already exists"
                if s.scalar(select(Client.id).where(func.lower(Client.name) == new_name.lower(), Client.id != row.id)):
                    raise LibraryError(taken)
                row.name = new_name
                with name_taken_meanwhile("clients", taken):
                    s.flush()
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
            campaign = find_campaign(s, campaign_id)
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
            row = find_client(s, client_id)
            assets = list(s.execute(select(Asset.id, Asset.sha256, Asset.format).where(Asset.client_id == row.id)))
            campaigns = frozenset(s.scalars(select(Campaign.id).where(Campaign.client_id == row.id)))
            record(s, campaigns_gone(campaigns) | Changes(clients=frozenset({row.id}),
                                                          assets=frozenset(a.id for a in assets)))
            s.delete(row)
            return [(a.sha256, a.format) for a in assets]
        op = await self.db.op(work)
        await trash_unreferenced_files(self.db, self.store, self.trash, op.value)
        return op.changes


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


def _colors(values: object) -> list[str]:
    """Brand colours as lower-case ``#rgb`` / ``#rrggbb`` (the ``#`` may be left out); a refusal for any other."""
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


__all__ = ["ClientsMixin"]
