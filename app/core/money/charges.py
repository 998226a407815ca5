"""What one billable call costs and how that was worked out: the values the ledger records.

Amounts are whole billionths of a US dollar (nanos), so sums over any number of rows are exact and every view
of the same rows shows the same total.

Price units:
- ``second``: per second of output video (``quantity``), billed when the prediction succeeds;
- ``compute_second``: per second of compute (``metrics.predict_time``), billed whatever the outcome;
- ``run``: a fixed price per successful prediction;
- ``mtok``: per million tokens, one price for tokens in and one for tokens out;
- ``recorded``: a cost recorded before the ledger existed, kept as it was.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime

NANOS_PER_USD = 1_000_000_000
CURRENCY = "USD"
PREDICTION_TERMINAL = frozenset({"succeeded", "failed", "canceled", "aborted"})
TOKEN_CALL_DONE = "completed"


def to_nanos(usd: float) -> int:
    """US dollars as whole nanos (rounded to the nearest)."""
    return round(usd * NANOS_PER_USD)


def to_usd(nanos: int) -> float:
    """Micros as US dollars."""
    return round(nanos / NANOS_PER_USD, 9)


class CallKind(enum.StrEnum):
    """What a billable call was for."""

    CLIP = "clip"
    PAIRING = "pairing"
    REWRITE = "rewrite"
    BRAND_CHECK = "brand_check"


@dataclass(frozen=True, slots=True)
class Pricing:
    """How a call's amount follows from its price: ``quantity`` of ``metric`` at ``price`` per ``unit``."""

    unit: str  # second | compute_second | run | mtok | recorded
    price: float  # USD per unit; mtok: per million tokens in
    metric: str  # output_seconds | predict_time | runs | tokens | recorded
    quantity: float
    price_out: float | None = None  # mtok: USD per million tokens out


@dataclass(frozen=True, slots=True)
class Charge:
    """One billable call as known now: the provider's id of it, its state there, its amount and whose it is.

    ``final``: the amount can no longer change (a settled prediction, a finished token call). ``campaign_id``,
    ``job_id`` and ``clip_id`` say whose money it was; the ledger fills in the client.
    """

    provider: str
    external_id: str
    kind: CallKind
    model: str
    status: str
    amount_nanos: int
    pricing: Pricing
    final: bool
    at: datetime | None = None  # when the call was made (naive UTC); None: now
    tokens_in: int | None = None
    tokens_out: int | None = None
    campaign_id: int | None = None
    job_id: int | None = None
    clip_id: int | None = None
    note: str = ""

    @property
    def amount_usd(self) -> float:
        return to_usd(self.amount_nanos)

    def owned_by(self, *, campaign_id: int | None, job_id: int | None = None,
                 clip_id: int | None = None) -> Charge:
        """This charge, belonging to the given campaign (and job and clip)."""
        return replace(self, campaign_id=campaign_id, job_id=job_id, clip_id=clip_id)


def prediction_amount(unit: str, price: float, status: str, quantity: float,
                      predict_time_s: float | None) -> tuple[int, str, float]:
    """(amount in nanos, metric, quantity) of a prediction priced per ``unit`` in state ``status``.

    ``quantity`` is the output's length in seconds for ``second``; ``predict_time_s`` the compute time reported.
    """
    succeeded = status == "succeeded"
    if unit == "compute_second":
        seconds = max(0.0, predict_time_s or 0.0)
        return to_nanos(price * seconds), "predict_time", seconds
    if unit == "run":
        return (to_nanos(price) if succeeded else 0), "runs", 1.0
    if unit == "recorded":
        return to_nanos(quantity), "recorded", quantity
    return (to_nanos(price * quantity) if succeeded else 0), "output_seconds", quantity


def prediction_charge(provider: str, prediction_id: str, model: str, unit: str, price: float, status: str, *,
                      output_s: float, predict_time_s: float | None = None,
                      at: datetime | None = None) -> Charge:
    """A prediction's charge in state ``status``: nothing yet while it runs, its price once it ended."""
    nanos, metric, quantity = prediction_amount(unit, price, status, output_s, predict_time_s)
    final = status in PREDICTION_TERMINAL
    if not final:  # nothing is billed before the prediction ends
        nanos = 0
    return Charge(provider, prediction_id, CallKind.CLIP, model, status, nanos,
                  Pricing(unit, price, metric, quantity), final, at)


def token_charge(provider: str, request_id: str, kind: CallKind, model: str, tokens_in: int, tokens_out: int,
                 price_in_per_mtok: float, price_out_per_mtok: float, *, at: datetime | None = None) -> Charge:
    """A finished chat completion priced per million tokens in and out (0 and 0: an unpriced server)."""
    usd = (tokens_in * price_in_per_mtok + tokens_out * price_out_per_mtok) / 1_000_000
    return Charge(provider, request_id, kind, model, TOKEN_CALL_DONE, to_nanos(usd),
                  Pricing("mtok", price_in_per_mtok, "tokens", float(tokens_in + tokens_out), price_out_per_mtok),
                  True, at, tokens_in=tokens_in, tokens_out=tokens_out)


__all__ = ["CURRENCY", "NANOS_PER_USD", "PREDICTION_TERMINAL", "CallKind", "Charge", "Pricing",
           "prediction_amount", "prediction_charge", "to_nanos", "to_usd", "token_charge"]
