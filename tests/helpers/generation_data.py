"""A campaign with real image assets and saved pairs, written straight to the library (no importer needed)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from app.core.db.models import Asset, CampaignAsset, PairSuggestionRow
from app.core.domain import PairSource
from app.core.library.store import sha256_file
from app.core.services import Services
from tests.helpers.images import make_image


async def seed_campaign(services: Services, folder: Path, *, pairs: int = 3, budget: float | None = None,
                        prompts: Sequence[str] | None = None, name: str = "Spring") -> int:
    """A client and campaign with ``pairs + 1`` distinct images chained into ``pairs`` saved pairs; its id."""
    client = (await services.library.create_client(f"Client {name}")).value
    campaign = (await services.library.create_campaign(client.id, name, budget_usd=budget)).value
    files = [make_image(folder / f"{name}-{i}.png", (320, 200), seed=i + 100 * len(name)) for i in range(pairs + 1)]
    stored = []
    for path in files:
        sha = sha256_file(path)
        services.library.store.put_file(path, sha, "png")
        stored.append((path.name, sha, path.stat().st_size))
    texts = list(prompts) if prompts is not None else [f"camera glides, shot {i + 1}" for i in range(pairs)]

    def work(s) -> None:  # type: ignore[no-untyped-def]
        ids = []
        for original, sha, size in stored:
            asset = Asset(client_id=client.id, sha256=sha, original_name=original, source=original, format="png",
                          width=320, height=200, bytes=size)
            s.add(asset)
            s.flush()
            s.add(CampaignAsset(campaign_id=campaign.id, asset_id=asset.id))
            ids.append(asset.id)
        for index in range(pairs):
            s.add(PairSuggestionRow(campaign_id=campaign.id, first_asset_id=ids[index], last_asset_id=ids[index + 1],
                                    position=index, score=0.9, reasoning="seeded", prompt=texts[index],
                                    source=PairSource.MANUAL.value))
    await services.db.run(work)
    return campaign.id
