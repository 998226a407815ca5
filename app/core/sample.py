"""The sample campaign: a fictional coffee brand with a dozen shipped images, to try the whole pipeline offline."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from app.core.domain import CampaignInfo, CampaignStatus, ClientInfo, ImportProgress, ImportResult
from app.core.library.service import LibraryError, LibraryService
from app.resources import samples_dir

log = logging.getLogger(__name__)

SAMPLE_CLIENT = "Saltbloom Coffee Co."
SAMPLE_CAMPAIGN = "Summer Cold Brew Launch"

CLIENT_FIELDS: dict[str, object] = {
    "homepage": "https://saltbloom.example",
    "brand_colors": ("#0F4C5C", "#E36414", "#F6E7CB", "#3B2418", "#9AD1D4"),
    "tone": "Warm, unhurried and sunlit, with a little dry seaside humour. Confident, never shouty.",
    "restrictions": "No health or energy claims. No other brands' cups, logos or products in shot. "
                    "Never show litter on a beach or coffee near the water's edge being spilled.",
    "notes": "Sample client shipped with Pairframe: a fictional harbour-town roaster.",
}
CAMPAIGN_FIELDS: dict[str, object] = {
    "goal": "Launch the new canned cold brew for summer and get people to try a can in the first month.",
    "audience": "City commuters and weekend beach-goers aged 22–40 who already buy iced coffee.",
    "key_messages": ("Slow-steeped for 18 hours", "Smooth, never bitter", "Roasted by the harbour since 1998"),
    "product_url": "https://saltbloom.example/cold-brew",
    "budget_usd": 40.0,
    "status": CampaignStatus.ACTIVE,
}
# Tags that make the curation filters worth a try on the sample (by file name without extension).
SAMPLE_TAGS: dict[str, tuple[str, ...]] = {
    "01-harbour-sunrise": ("sea", "morning"),
    "02-beach-midday": ("sea", "product"),
    "03-sunset-headland": ("sea", "evening"),
    "04-skyline-dusk": ("city", "evening"),
    "05-cafe-street": ("city", "morning"),
    "06-can-hero": ("product",),
    "07-cans-on-ice": ("product",),
    "08-latte-from-above": ("product", "cafe"),
    "09-harbour-roast-bag": ("product",),
    "10-beans-pattern": ("texture",),
    "11-rooftop-night": ("city", "product", "evening"),
    "12-wave-bands": ("texture", "sea"),
}


def sample_images(folder: Path | None = None) -> list[Path]:
    """The shipped sample images, in name order."""
    folder = folder or samples_dir()
    return sorted(p for p in folder.glob("*.jpg") if p.is_file()) if folder.is_dir() else []


async def create_sample_campaign(library: LibraryService,
                                 on_progress: Callable[[ImportProgress], None] | None = None) -> CampaignInfo:
    """The sample client and campaign with its images; creates what is missing, returns the existing one otherwise.

    Raises ``LibraryError`` when this installation lacks the sample images.
    """
    images = sample_images()
    if not images:
        raise LibraryError(f"the sample images are missing from this installation ({samples_dir()})")
    client = await _client(library)
    campaign = await _campaign(library, client)
    present = await library.list_assets(campaign.id)
    if len(present) < len(images):
        report = await library.import_sources(campaign.id, [str(samples_dir())], on_progress)
        for outcome in report.outcomes:
            if outcome.result is ImportResult.REJECTED:
                log.warning("sample image %s was not imported: %s", outcome.source, outcome.reason)
        for outcome in report.outcomes:
            tags = SAMPLE_TAGS.get(Path(outcome.source).stem)
            if outcome.result is ImportResult.IMPORTED and outcome.asset_id is not None and tags:
                await library.add_tags([outcome.asset_id], tags)
    return campaign


async def _client(library: LibraryService) -> ClientInfo:
    for client in await library.list_clients():
        if client.name.casefold() == SAMPLE_CLIENT.casefold():
            return client
    return (await library.create_client(SAMPLE_CLIENT, **CLIENT_FIELDS)).value  # type: ignore[arg-type]


async def _campaign(library: LibraryService, client: ClientInfo) -> CampaignInfo:
    for campaign in await library.list_campaigns(client.id):
        if campaign.name.casefold() == SAMPLE_CAMPAIGN.casefold():
            return campaign
    return (await library.create_campaign(client.id, SAMPLE_CAMPAIGN, **CAMPAIGN_FIELDS)).value  # type: ignore[arg-type]
