"""A client, a campaign and stored image assets for pairing tests, written straight into the library."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.db.models import Asset, CampaignAsset
from app.core.domain import AssetInfo, CampaignInfo, ClientInfo, Flag
from app.core.library.store import sha256_file
from app.core.pairing.feature_store import compute_features
from app.core.services import Services
from tests.helpers.images import make_image

TONE = "playful, sunny and warm"
KEY_MESSAGE = "Summer starts here"
GOAL = "Launch the summer drinks range"


@dataclass(frozen=True)
class PairingCampaign:
    client: ClientInfo
    campaign: CampaignInfo
    assets: list[AssetInfo]

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.assets]


async def make_campaign(services: Services, source_dir: Path, count: int = 6, *, name: str = "Summer Launch",
                        client_name: str = "Acme Drinks", features: bool = True,
                        sizes: Sequence[tuple[int, int]] | None = None, ratings: Sequence[int] | None = None,
                        flags: Sequence[Flag] | None = None, seed: int = 0) -> PairingCampaign:
    """A client with brand guidelines, a campaign, and ``count`` distinct images stored as its assets.

    ``features=False`` leaves phash/colour histogram empty (as for assets imported before features existed).
    """
    client = (await services.library.create_client(client_name, tone=TONE, brand_colors=["#ff6600", "#003366"],
                                                  restrictions="No alcohol in shot", homepage="https://acme.example")).value
    campaign = (await services.library.create_campaign(client.id, name, goal=GOAL, audience="Young adults",
                                                      key_messages=[KEY_MESSAGE],
                                                      product_url="https://acme.example/summer")).value
    rows = []
    for index in range(count):
        size = sizes[index] if sizes else (320, 180)
        path = make_image(source_dir / f"{name}-{index}.jpg", size=size, seed=seed + index)
        sha = sha256_file(path)
        services.library.store.put_file(path, sha, "jpeg")
        found = compute_features(path) if features else None
        rows.append(dict(client_id=client.id, sha256=sha, original_name=path.name, source=str(path), format="jpeg",
                         width=size[0], height=size[1], bytes=path.stat().st_size,
                         rating=ratings[index] if ratings else 0,
                         flag=(flags[index] if flags else Flag.NONE).value,
                         phash=found.phash if found else None, color_hist=found.hist if found else None))

    def insert(s: Session) -> list[int]:
        assets = [Asset(**row) for row in rows]
        s.add_all(assets)
        s.flush()
        s.add_all(CampaignAsset(campaign_id=campaign.id, asset_id=a.id) for a in assets)
        return [a.id for a in assets]

    ids = await services.db.run(insert)
    return PairingCampaign(client, campaign, await services.library.get_assets(ids))
