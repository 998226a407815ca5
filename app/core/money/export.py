"""The ledger rows behind a spend report as CSV: one line per billable call, amounts to the nano-dollar."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from app.core.money.charges import NANOS_PER_USD
from app.core.money.report import LedgerRow

CSV_COLUMNS = ("id", "at", "provider", "external_id", "kind", "model", "status", "amount_usd", "currency",
               "price_unit", "unit_price", "unit_price_out", "metric", "quantity", "tokens_in", "tokens_out",
               "client", "campaign", "job_id", "clip_id")


def amount_text(nanos: int) -> str:
    """An amount with all nine decimals it has: ``0.400000000``."""
    sign = "-" if nanos < 0 else ""
    whole, part = divmod(abs(nanos), NANOS_PER_USD)
    return f"{sign}{whole}.{part:09d}"


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def csv_cells(row: LedgerRow) -> list[str]:
    """One ledger row as the CSV's cells, in ``CSV_COLUMNS`` order."""
    return [str(row.id), row.at.isoformat(), row.provider, row.external_id, row.kind, row.model,
            row.status, amount_text(row.amount_nanos), row.currency, row.price_unit, _cell(row.unit_price),
            _cell(row.unit_price_out), row.metric, _cell(row.quantity), _cell(row.tokens_in), _cell(row.tokens_out),
            row.client, row.campaign, _cell(row.job_id), _cell(row.clip_id)]


def csv_text(rows: Iterable[LedgerRow], *, header: bool) -> str:
    """``rows`` as CSV text (with the header line first when ``header``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_cells(r) for r in rows)
    return buffer.getvalue()


__all__ = ["CSV_COLUMNS", "amount_text", "csv_cells", "csv_text"]
