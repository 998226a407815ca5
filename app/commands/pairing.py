"""``pair``: suggest first→last frame pairs for a campaign with Grok or the local pairer (DESIGN.md §5).

``--endpoint URL --vision-model NAME`` asks a vision model on an OpenAI-compatible server instead of xAI (its
key, if it needs one: ``PAIRFRAME_VISION_API_KEY`` or ``keys set vision``). Exit status: 0 with suggestions
stored, 1 when pairing failed (the message says why), 2 for a bad ``--count`` or a bad option combination.
``--json`` prints one document: the campaign, the pairer, the vision model asked, the suggestions (with asset
names), repairs, notes (one says whether the reply was a strict JSON schema or a JSON object), tokens and cost.
Progress goes to standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from app.commands.common import CommandError, UsageError, print_json, print_table, to_jsonable
from app.core.domain import PairingProgress, PairingResult
from app.core.pairing.endpoint import VisionEndpoint
from app.core.pairing.prompt import MAX_PAIRS
from app.core.pairing.service import PairingError
from app.core.services import Services


def _show_progress(progress: PairingProgress) -> None:
    sys.stderr.write(f"\r\x1b[K{progress}")
    sys.stderr.flush()


async def cmd_pair(args: argparse.Namespace, services: Services) -> int:
    if args.count is not None and not 1 <= args.count <= MAX_PAIRS:
        raise UsageError(f"--count is 1 to {MAX_PAIRS} (leave it out to let the pairer decide)")
    override = bool(args.endpoint or args.vision_model)
    if override and args.pairer == "local":
        raise UsageError("--endpoint and --vision-model choose a vision model: they do not go with --pairer local")
    campaign = await services.library.get_campaign(args.campaign)
    show = _show_progress if sys.stderr.isatty() and not args.json else None
    try:
        asks_vision = override or args.pairer == "grok" or (
            args.pairer is None and await asyncio.to_thread(services.pairing.grok_available))
        endpoint = await asyncio.to_thread(services.pairing.vision_endpoint, base_url=args.endpoint,
                                           model=args.vision_model) if asks_vision else None
        result = await services.pairing.suggest(campaign.id, pairer="grok" if asks_vision else "local",
                                                count=args.count, chain=args.chain, on_progress=show,
                                                endpoint=endpoint)
    except PairingError as exc:
        raise CommandError(str(exc)) from None
    finally:
        if show is not None:
            sys.stderr.write("\r\x1b[K")
    names = {a.id: a.original_name for a in await services.library.list_assets(campaign.id)}
    if args.json:
        print_json(_document(campaign.id, campaign.name, campaign.client_name, result, names, endpoint))
        return 0
    _print_result(result, names)
    return 0


def _document(campaign_id: int, name: str, client: str, result: PairingResult, names: dict[int, str],
              endpoint: VisionEndpoint | None) -> Any:
    suggestions = [{**to_jsonable(p), "first_asset_name": names.get(p.first_asset_id, ""),
                    "last_asset_name": names.get(p.last_asset_id, "")} for p in result.suggestions]
    asked = {"provider": endpoint.provider, "base_url": endpoint.base_url, "model": endpoint.model} \
        if endpoint is not None else None
    return {"campaign": {"id": campaign_id, "name": name, "client": client}, "pairer": result.pairer,
            "endpoint": asked, "suggestions": suggestions, "repairs": list(result.repairs),
            "notes": list(result.notes), "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens, "cost_usd": result.cost_usd}


def _print_result(result: PairingResult, names: dict[int, str]) -> None:
    rows = [[str(p.position + 1), f"{p.first_asset_id} {names.get(p.first_asset_id, '')}",
             f"{p.last_asset_id} {names.get(p.last_asset_id, '')}", f"{p.score:.2f}", _shorten(p.prompt, 60)]
            for p in result.suggestions]
    print_table(rows, ["#", "FIRST", "LAST", "SCORE", "PROMPT"])
    for note in result.notes:
        print(f"note: {note}")
    for repair in result.repairs:
        print(f"repaired: {repair}")
    summary = f"{len(result.suggestions)} pair{'s' if len(result.suggestions) != 1 else ''} by {result.pairer}"
    if result.pairer == "grok":
        summary += (f" · {result.prompt_tokens + result.completion_tokens:,} tokens · "
                    f"${result.cost_usd:.4f}")
    print(summary)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"
