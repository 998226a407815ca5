"""Downscaled JPEG previews sent to Grok: made off the loop thread, cached under ``cache/previews``."""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from app.core.atomic import atomic_write_bytes
from app.core.domain import AssetInfo, PairingProgress, PairingStage
from app.core.library.images import preview_jpeg
from app.core.library.store import AssetStore

log = logging.getLogger(__name__)


def preview_path(previews_dir: Path, sha256: str, max_px: int) -> Path:
    """Where the preview of the asset with this hash at ``max_px`` is cached."""
    return previews_dir / sha256[:2] / f"{sha256}-{max_px}.jpg"


def ensure_preview(source: Path, target: Path, max_px: int) -> bytes:
    """The preview's JPEG bytes, made from ``source`` (EXIF-oriented, downscaled) when not cached. Blocking."""
    if target.is_file():
        return target.read_bytes()
    data = preview_jpeg(source, max_px)
    atomic_write_bytes(target, data)
    return data


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


async def load_previews(store: AssetStore, previews_dir: Path, assets: Sequence[AssetInfo], max_px: int,
                        report: Callable[[PairingProgress], None] | None = None
                        ) -> tuple[dict[int, bytes], list[str]]:
    """JPEG previews of ``assets`` by id, and notes about any that could not be read (those are left out)."""
    loop = asyncio.get_running_loop()
    total = len(assets)
    done = 0
    if report:
        report(PairingProgress(PairingStage.PREVIEWS, 0, total))

    async def one(asset: AssetInfo) -> bytes | None:
        nonlocal done
        source = store.path_for(asset.sha256, asset.format)
        target = preview_path(previews_dir, asset.sha256, max_px)
        try:
            return await loop.run_in_executor(None, ensure_preview, source, target, max_px)
        except Exception as exc:  # a missing or broken file leaves that asset out, not the run
            log.warning("preview of asset %s could not be made: %s", asset.id, exc)
            return None
        finally:
            done += 1
            if report:
                report(PairingProgress(PairingStage.PREVIEWS, done, total))

    results = await asyncio.gather(*(one(a) for a in assets))
    previews = {a.id: data for a, data in zip(assets, results, strict=True) if data is not None}
    notes = [f"asset {a.id} ({a.original_name}) could not be read and was left out"
             for a, data in zip(assets, results, strict=True) if data is None]
    return previews, notes
