"""``sample``: create (or find) the sample client and campaign, for a first try without keys or network."""

from __future__ import annotations

import argparse

from app.commands.common import print_json
from app.core.library.service import LibraryError
from app.core.sample import create_sample_campaign
from app.core.services import Services


async def cmd_sample(args: argparse.Namespace, services: Services) -> int:
    """Print the sample campaign (creating it and importing its images when missing)."""
    campaign = await create_sample_campaign(services.library)
    assets = await services.library.list_assets(campaign.id)
    if not assets:
        raise LibraryError("the sample campaign has no images: none of the shipped samples could be imported")
    if args.json:
        print_json({"client": campaign.client_name, "campaign": campaign, "assets": len(assets)})
        return 0
    print(f"Sample campaign {campaign.name!r} of {campaign.client_name} (id {campaign.id}) with {len(assets)} images.")
    print(f"Try: pairframe pair --campaign {campaign.id} --pairer local && "
          f"pairframe generate --campaign {campaign.id} --model local --yes")
    return 0
