"""``pair``: suggest first→last frame pairs for a campaign with Grok or the local pairer (DESIGN.md §5).

Exit status: 0 with suggestions stored, 1 when pairing failed (the message says why), 2 for a bad ``--count``.
``--json`` prints one document: the campaign, the pairer, the suggestions (with asset names), repairs, notes,
tokens and cost. Progress goes to standard error when it is a terminal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.commands.common import CommandError, UsageError, print_json, print_table, to_jsonable
from app.core.domain import PairingProgress, PairingResult
from app.core.pairing.prompt import MAX_PAIRS
from app.core.pairing.service import PairingError
from app.core.services import Services


def _show_progress(progress: PairingProgress) -> None:
    sys.stderr.write(f"\r\x1b[K{progress}")
    sys.stderr.flush()


async def cmd_pair(args: argparse.Namespace, services: Services) -> int:
    if args.count is not None and not 1 <= args.count <= MAX_PAIRS:
        raise UsageError(f"--count is 1 to {MAX_PAIRS} (leave it out to let the pairer decide)")
    campaign = await services.library.get_campaign(args.campaign)
    show = _show_progress if sys.stderr.isatty() and not args.json else None
    try:
        result = await services.pairing.suggest(campaign.id, pairer=args.pairer, count=args.count, chain=args.chain,
                                                on_progress=show)
    except PairingError as exc:
        raise CommandError(str(exc)) from None
    finally:
        if show is not None:
            sys.stderr.write("\r\x1b[K")
    names = {a.id: a.original_name for a in await services.library.list_assets(campaign.id)}
    if args.json:
        print_json(_document(campaign.id, campaign.name, campaign.client_name, result, names))
        return 0
    _print_result(result, names)
    return 0


def _document(campaign_id: int, name: str, client: str, result: PairingResult, names: dict[int, str]) -> Any:
    suggestions = [{**to_jsonable(p), "first_asset_name": names.get(p.first_asset_id, ""),
                    "last_asset_name": names.get(p.last_asset_id, "")} for p in result.suggestions]
    return {"campaign": {"id": campaign_id, "name": name, "client": client}, "pairer": result.pairer,
            "suggestions": suggestions, "repairs": list(result.repairs), "notes": list(result.notes),
            "prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
            "cost_usd": result.cost_usd}


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
