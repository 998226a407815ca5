"""The visual features of a campaign's assets: read from the database, computed (and stored) where missing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db import Database
from app.core.db.models import Asset
from app.core.domain import AssetInfo, PairingProgress, PairingStage
from app.core.library.features import HIST_BINS_PER_CHANNEL, color_histogram, perceptual_hash
from app.core.library.images import open_oriented
from app.core.library.store import AssetStore
from app.core.pairing.similarity import Candidate

log = logging.getLogger(__name__)
FEATURE_DECODE_PX = 256  # features are computed from a small decode: dHash uses 9×8 px, the histogram 64×64
HIST_LENGTH = HIST_BINS_PER_CHANNEL**3


@dataclass(frozen=True, slots=True)
class Features:
    phash: str
    hist: list[float]


def _valid(phash: str | None, hist: list[float] | None) -> bool:
    if not phash or len(phash) != 16 or not isinstance(hist, list) or len(hist) != HIST_LENGTH:
        return False
    try:
        int(phash, 16)
    except ValueError:
        return False
    return all(isinstance(v, int | float) for v in hist)


def compute_features(path: Path) -> Features:
    """Decode the image at ``path`` small and compute its features. Blocking: run it in an executor."""
    img = open_oriented(path, FEATURE_DECODE_PX)
    return Features(perceptual_hash(img), color_histogram(img))


async def load_candidates(db: Database, store: AssetStore, assets: Sequence[AssetInfo],
                          report: Callable[[PairingProgress], None]) -> tuple[list[Candidate], list[str]]:
    """Candidates with features for ``assets`` (in their order), back-filling missing features.

    Returns the candidates and notes about assets left out because their file could not be read.
    """
    ids = [a.id for a in assets]

    def read(s: Session) -> dict[int, tuple[str | None, list[float] | None]]:
        found: dict[int, tuple[str | None, list[float] | None]] = {}
        for start in range(0, len(ids), 900):
            chunk = ids[start:start + 900]  # SQLite's bound-parameter limit
            rows = s.execute(select(Asset.id, Asset.phash, Asset.color_hist).where(Asset.id.in_(chunk)))
            found.update({row.id: (row.phash, row.color_hist) for row in rows})
        return found

    stored = await db.read(read)
    features: dict[int, Features] = {}
    missing: list[AssetInfo] = []
    for asset in assets:
        phash, hist = stored.get(asset.id, (None, None))
        if _valid(phash, hist):
            features[asset.id] = Features(phash, hist)  # type: ignore[arg-type]
        else:
            missing.append(asset)
    notes: list[str] = []
    if missing:
        computed, notes = await _backfill(db, store, missing, report)
        features.update(computed)
    candidates = [Candidate(a, int(features[a.id].phash, 16), tuple(float(v) for v in features[a.id].hist))
                  for a in assets if a.id in features]
    return candidates, notes


async def _backfill(db: Database, store: AssetStore, assets: list[AssetInfo],
                    report: Callable[[PairingProgress], None]) -> tuple[dict[int, Features], list[str]]:
    loop = asyncio.get_running_loop()
    total = len(assets)
    report(PairingProgress(PairingStage.FEATURES, 0, total))
    done = 0

    async def one(asset: AssetInfo) -> Features | None:
        nonlocal done
        path = store.path_for(asset.sha256, asset.format)
        try:
            return await loop.run_in_executor(None, compute_features, path)
        except Exception as exc:  # a missing or broken file leaves that asset out, not the run
            log.warning("features of asset %s could not be computed: %s", asset.id, exc)
            return None
        finally:
            done += 1
            report(PairingProgress(PairingStage.FEATURES, done, total))

    results = await asyncio.gather(*(one(a) for a in assets))
    computed = {a.id: f for a, f in zip(assets, results, strict=True) if f is not None}
    notes = [f"asset {a.id} ({a.original_name}) could not be read and was left out"
             for a, f in zip(assets, results, strict=True) if f is None]

    def save(s: Session) -> None:
        for row in s.scalars(select(Asset).where(Asset.id.in_(list(computed)))):
            row.phash = computed[row.id].phash
            row.color_hist = computed[row.id].hist

    if computed:
        await db.run(save)
    return computed, notes
