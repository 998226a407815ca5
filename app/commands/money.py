"""``spend`` and ``spend reconcile``: what was spent, from the ledger, and the ledger checked against Replicate."""

from __future__ import annotations

import argparse
import csv
import sys

from app.commands.common import CommandError, err, print_json, print_table
from app.core.money.export import amount_text
from app.core.money.reconcile import Correction
from app.core.money.report import GroupBy, SpendQuery
from app.core.money.service import MoneyError
from app.core.services import Services


async def cmd_spend(args: argparse.Namespace, services: Services) -> int:
    """Spend grouped by client, campaign, model or month, filtered by client, campaign and date range."""
    client_id = (await services.library.get_client(args.client)).id if args.client else None
    campaign_id = (await services.library.get_campaign(args.campaign)).id if args.campaign else None
    query = SpendQuery(GroupBy(args.by), client_id, campaign_id, args.since, args.until)
    try:
        report = await services.money.report(query)
    except MoneyError as exc:
        raise CommandError(str(exc)) from None
    if args.json:
        print_json(report.to_json())
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["key", "spent_usd", "calls"])
        writer.writerows([r.key, amount_text(r.spent_nanos), r.calls] for r in report.rows)
    else:
        rows = [[r.key + (f" ({r.client})" if r.client else ""), f"${r.spent_usd:,.2f}", str(r.calls)]
                for r in report.rows]
        print_table([*rows, ["total", f"${report.total_usd:,.2f}", str(report.calls)]],
                    [args.by.upper(), "SPENT", "CALLS"])
    return 0


async def cmd_spend_reconcile(args: argparse.Namespace, services: Services) -> int:
    """Look each recorded prediction up on Replicate and correct the ledger where it differs; print the changes."""
    def show(correction: Correction) -> None:
        print(f"corrected {correction.describe()}")
    try:
        report = await services.money.reconcile(args.since, on_correction=show)
    except MoneyError as exc:
        raise CommandError(str(exc)) from None
    for prediction_id, reason in report.unchecked:
        err(f"could not look up prediction {prediction_id}: {reason}")
    changed = len(report.corrections)
    print(f"checked {report.checked} prediction{'s' if report.checked != 1 else ''}: "
          f"{changed} corrected, {report.checked - changed - len(report.unchecked)} already right"
          + (f", {len(report.unchecked)} could not be looked up" if report.unchecked else ""))
    return 0
