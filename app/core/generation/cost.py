"""What clips are expected to cost before launch, and the ledger charge of a prediction once it is known.

Price units (``ModelSpec.price_unit``, see ``app.core.money.charges``):
- ``second``: per second of output video, what Replicate's official video models charge; billed on success only.
- ``compute_second``: per second of compute (``metrics.predict_time``), billed whatever the outcome.
- ``run``: a fixed price per successful clip.
"""

from __future__ import annotations

from datetime import datetime

from app.core.generation.catalog import ModelSpec
from app.core.money.charges import Charge, prediction_charge

REPLICATE = "replicate"


def estimate(model: ModelSpec, duration_s: float, clip_count: int) -> float:
    """The expected cost in USD of ``clip_count`` clips of ``duration_s``."""
    return round(model.clip_estimate(duration_s) * clip_count, 4)


def clip_charge(model: ModelSpec, prediction_id: str, status: str, *, duration_s: float,
                predict_time_s: float | None = None, at: datetime | None = None) -> Charge:
    """The charge of ``model``'s prediction in state ``status`` (``starting`` when just created: nothing yet)."""
    return prediction_charge(REPLICATE, prediction_id, model.id, model.price_unit, model.price_usd, status,
                             output_s=duration_s, predict_time_s=predict_time_s, at=at)


def usd(value: float) -> str:
    """A price for people: $1.60, $0.045."""
    return f"${value:,.2f}" if value >= 0.1 or value == 0 else f"${value:.3f}"
