"""Visual features: computed at import, and back-filled for assets that lack them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from app.core.db.models import Asset
from app.core.domain import ImportResult
from app.core.library.features import hamming_distance, histogram_similarity
from app.core.library.importer import backfill_features
from app.core.services import Services
from tests.helpers.images import make_image


async def features(services: Services) -> dict[int, tuple[str | None, list[float] | None]]:
    return await services.db.run(lambda s: {i: (h, c) for i, h, c in s.execute(
        select(Asset.id, Asset.phash, Asset.color_hist))})


async def test_backfill_fills_missing_features_like_the_import_computes_them(
        services: Services, tmp_path: Path) -> None:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    sources = [str(make_image(tmp_path / f"{i}.jpg", (800, 600), seed=i)) for i in range(5)]
    report = await services.library.import_sources(campaign.id, sources)
    assert report.count(ImportResult.IMPORTED) == 5
    at_import = await features(services)
    assert all(h and c for h, c in at_import.values())

    assert await backfill_features(services.library) == 0  # nothing is missing

    cleared = sorted(at_import)[:3]
    await services.db.run(lambda s: s.execute(
        update(Asset).where(Asset.id.in_(cleared)).values(phash=None, color_hist=None)))
    assert await backfill_features(services.library) == 3
    filled = await features(services)
    for asset_id in cleared:
        phash, hist = filled[asset_id]
        assert phash is not None and hist is not None
        assert hamming_distance(phash, at_import[asset_id][0]) <= 6  # type: ignore[arg-type]
        assert histogram_similarity(hist, at_import[asset_id][1]) > 0.9  # type: ignore[arg-type]
    for asset_id in set(at_import) - set(cleared):
        assert filled[asset_id] == at_import[asset_id]


async def test_backfill_skips_assets_whose_original_is_missing(services: Services, tmp_path: Path) -> None:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    sources = [str(make_image(tmp_path / f"{i}.png", (320, 180), seed=i)) for i in range(2)]
    await services.library.import_sources(campaign.id, sources)
    assets = await services.library.list_assets(campaign.id)
    services.library.asset_path(assets[0]).unlink()
    await services.db.run(lambda s: s.execute(update(Asset).values(phash=None, color_hist=None)))
    assert await backfill_features(services.library) == 1
    filled = await features(services)
    assert filled[assets[0].id] == (None, None)
    assert filled[assets[1].id][0] is not None
