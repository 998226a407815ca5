"""Shared parts of the generation GUI tests: a campaign with real images and saved pairs; GC on the GUI thread."""

from __future__ import annotations

from pathlib import Path

from app.core.domain import CampaignInfo, PairSource, PairSuggestion
from app.core.services import Services
from tests.helpers.images import make_image


async def campaign_with_pairs(services: Services, tmp_path: Path, pairs: int = 2,
                              budget_usd: float | None = None) -> tuple[CampaignInfo, list[PairSuggestion]]:
    """A client and campaign with ``pairs + 1`` small images chained into ``pairs`` saved pairs."""
    client = (await services.library.create_client("Northwind Coffee")).value
    campaign = (await services.library.create_campaign(client.id, "Spring launch", budget_usd=budget_usd)).value
    files = [make_image(tmp_path / "sources" / f"frame-{i}.png", size=(320, 180), seed=i) for i in range(pairs + 1)]
    report = await services.library.import_sources(campaign.id, [str(f) for f in files])
    ids = [o.asset_id for o in report.outcomes]
    assert all(ids), report
    chain = [PairSuggestion(ids[i], ids[i + 1], 0.9, "the next step of the story", f"Slow pan from shot {i} to {i + 1}",
                            PairSource.MANUAL, i) for i in range(pairs)]
    return campaign, (await services.pairing.save_pairs(campaign.id, chain)).value
