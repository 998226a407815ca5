"""Library sub-commands: clients, campaigns, import, the asset list and the trash (DESIGN.md §5).

``import`` exits with 1 when no input ended up in the campaign (none imported or linked) and at least one was
rejected, or when the disk filled up (what was done stays imported; the message says which folder is full and how
much space the rest needs), with 130 when interrupted (what finished by then stays imported), otherwise 0. Names
shown to people have their control characters escaped; ``--json`` keeps them as they are.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from app.commands.common import CommandError, UsageError, print_json, print_table, to_jsonable
from app.core.domain import AssetInfo, CampaignInfo, ClientInfo, ImportProgress, ImportReport, ImportResult
from app.core.library.importer import ImportStopped
from app.core.library.validate import human_bytes
from app.core.money.budget import CampaignMoney
from app.core.printable import printable
from app.core.services import Services


async def cmd_client_add(args: argparse.Namespace, services: Services) -> int:
    client = (await services.library.create_client(
        args.name, homepage=args.homepage, brand_colors=[c for c in args.colors.split(",") if c.strip()],
        tone=args.tone, restrictions=args.restrictions)).value
    if args.json:
        print_json(client)
    else:
        print(f"client {client.id}: {printable(client.name)}")
    return 0


async def cmd_campaign_add(args: argparse.Namespace, services: Services) -> int:
    campaign = (await services.library.create_campaign(
        args.client, args.name, goal=args.goal, audience=args.audience, key_messages=args.key_messages,
        product_url=args.product_url, budget_usd=args.budget)).value
    if args.json:
        print_json(campaign)
    else:
        print(f"campaign {campaign.id}: {printable(campaign.name)} (client {printable(campaign.client_name)})")
    return 0


async def cmd_trash_empty(args: argparse.Namespace, services: Services) -> int:
    if args.older_than is not None and args.older_than < 0:
        raise UsageError("--older-than is a number of days, 0 or more")
    older = timedelta(days=args.older_than) if args.older_than is not None else None
    removed = await services.library.empty_trash(older)
    if args.json:
        print_json({"removed_files": removed})
    else:
        print(f"emptied the trash: {removed} file{'s' * (removed != 1)} deleted")
    return 0


async def cmd_clients(args: argparse.Namespace, services: Services) -> int:
    clients = await services.library.list_clients()
    if args.json:
        print_json(clients)
    else:
        print_table([_client_row(c) for c in clients], ["ID", "NAME", "CAMPAIGNS", "HOMEPAGE"])
    return 0


async def cmd_campaigns(args: argparse.Namespace, services: Services) -> int:
    """Campaigns with their money: budget, spent, committed by work in flight, and left."""
    campaigns = await services.library.list_campaigns(args.client)
    money = await services.money.campaigns_money(c.id for c in campaigns)
    if args.json:
        print_json([{**to_jsonable(c), **money[c.id].to_json()} for c in campaigns if c.id in money])
    else:
        print_table([_campaign_row(c, money.get(c.id)) for c in campaigns],
                    ["ID", "CLIENT", "NAME", "STATUS", "BUDGET", "SPENT", "COMMITTED", "LEFT"])
    return 0


async def cmd_import(args: argparse.Namespace, services: Services) -> int:
    campaign = await services.library.get_campaign(args.campaign)
    cancel = asyncio.Event()
    show = _progress_line if sys.stderr.isatty() and not args.json else None
    stopped: ImportStopped | None = None
    with _interrupt_sets(cancel):
        try:
            report = await services.library.import_sources(campaign.id, args.sources, show, cancel)
        except ImportStopped as exc:  # the disk filled up: what was done is kept and reported
            stopped, report = exc, exc.report
    if show is not None:
        sys.stderr.write("\n")
    counts = {result: report.count(result) for result in ImportResult}
    if args.json:
        print_json({"campaign": {"id": campaign.id, "name": campaign.name, "client": campaign.client_name},
                    "imported": counts[ImportResult.IMPORTED], "duplicates": counts[ImportResult.DUPLICATE],
                    "linked": counts[ImportResult.LINKED], "rejected": counts[ImportResult.REJECTED],
                    "canceled": report.canceled, "error": str(stopped) if stopped else None,
                    "outcomes": report.outcomes})
    else:
        _print_report(report, counts)
    if stopped is not None:
        raise CommandError(str(stopped))
    if report.canceled:
        return 130
    landed = counts[ImportResult.IMPORTED] + counts[ImportResult.LINKED]
    return 1 if landed == 0 and counts[ImportResult.REJECTED] else 0


async def cmd_assets(args: argparse.Namespace, services: Services) -> int:
    campaign = await services.library.get_campaign(args.campaign)
    assets = await services.library.list_assets(campaign.id)
    if args.json:
        print_json([asset_json(a) for a in assets])
    else:
        print_table([_asset_row(a) for a in assets], ["ID", "NAME", "PIXELS", "SIZE", "RATING", "FLAG", "TAGS"])
    return 0


def asset_json(asset: AssetInfo) -> dict[str, Any]:
    """The fields scripts rely on for one asset."""
    return {"id": asset.id, "sha256": asset.sha256, "name": asset.original_name, "format": asset.format,
            "source": asset.source, "bytes": asset.bytes, "width": asset.width, "height": asset.height,
            "rating": asset.rating, "flag": asset.flag.value, "tags": list(asset.tags)}


@contextlib.contextmanager
def _interrupt_sets(cancel: asyncio.Event) -> Iterator[None]:
    """While importing, Ctrl+C cancels cleanly (the report still prints) instead of killing the command."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGINT, cancel.set)
    except (NotImplementedError, RuntimeError, ValueError):  # not on this platform / not the main thread
        yield
        return
    try:
        yield
    finally:
        loop.remove_signal_handler(signal.SIGINT)


def _progress_line(progress: ImportProgress) -> None:
    sys.stderr.write(f"\rimporting {progress.done}/{progress.total}")
    sys.stderr.flush()


def _print_report(report: ImportReport, counts: dict[ImportResult, int]) -> None:
    for outcome in report.outcomes:
        if outcome.result is not ImportResult.IMPORTED:
            print(f"{outcome.result.value:9s} {printable(outcome.source)}: {printable(outcome.reason)}")
    summary = (f"imported {counts[ImportResult.IMPORTED]}, duplicates {counts[ImportResult.DUPLICATE]}, "
               f"linked {counts[ImportResult.LINKED]}, rejected {counts[ImportResult.REJECTED]}")
    print(summary + (" (canceled before the end)" if report.canceled else ""))


def _client_row(client: ClientInfo) -> list[str]:
    return [str(client.id), client.name, str(client.campaign_count), client.homepage]


def _campaign_row(campaign: CampaignInfo, money: CampaignMoney | None) -> list[str]:
    def dollars(amount: float | None) -> str:
        return "" if amount is None else f"${amount:,.2f}"
    spent = [dollars(money.spent_usd), dollars(money.committed_usd), dollars(money.left_usd)] if money else [""] * 3
    return [str(campaign.id), campaign.client_name, campaign.name, campaign.status.value,
            dollars(campaign.budget_usd), *spent]


def _asset_row(asset: AssetInfo) -> list[str]:
    return [str(asset.id), asset.original_name, f"{asset.width}x{asset.height}", human_bytes(asset.bytes),
            str(asset.rating), "" if asset.flag.value == "none" else asset.flag.value, ", ".join(asset.tags)]
