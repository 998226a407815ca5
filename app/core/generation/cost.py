"""What clips are expected to cost before launch and what they actually cost after.

Price units (``ModelSpec.price_unit``):
- ``second``: per second of output video, what Replicate's official video models charge; billed on success only.
- ``compute_second``: per second of compute (``metrics.predict_time``), billed whatever the outcome.
- ``run``: a fixed price per successful clip.
"""

from __future__ import annotations

from app.core.generation.catalog import ModelSpec


def estimate(model: ModelSpec, duration_s: float, clip_count: int) -> float:
    """The expected cost in USD of ``clip_count`` clips of ``duration_s``."""
    return round(model.clip_estimate(duration_s) * clip_count, 4)


def actual_cost(model: ModelSpec, *, succeeded: bool, duration_s: float, predict_time_s: float | None) -> float:
    """What one finished attempt cost in USD, from its outcome and the provider's metrics."""
    if model.is_local:
        return 0.0
    if model.price_unit == "compute_second":
        return round(model.price_usd * max(0.0, predict_time_s or 0.0), 4)
    if not succeeded:
        return 0.0
    if model.price_unit == "run":
        return round(model.price_usd, 4)
    return round(model.price_usd * duration_s, 4)


def remaining(budget_usd: float | None, spent_usd: float) -> float | None:
    """What is left of a budget (None: the campaign has no budget)."""
    return None if budget_usd is None else round(budget_usd - spent_usd, 4)


def usd(value: float) -> str:
    """A price for people: $1.60, $0.045."""
    return f"${value:,.2f}" if value >= 0.1 or value == 0 else f"${value:.3f}"
