"""Ledger rows for tests: campaigns of two clients with predictions and vision calls spread over several months."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.core.money import ledger
from app.core.money.charges import CallKind, Charge, prediction_charge, token_charge
from app.core.services import Services


@dataclass(frozen=True)
class LedgerFixture:
    clients: dict[str, int]  # name → id
    campaigns: dict[str, int]  # name → id
    charges: tuple[Charge, ...]  # every call recorded, with its campaign


def clip_call(prediction_id: str, at: datetime, *, model: str = "google/veo-3.1-fast", price: float = 0.1,
              seconds: float = 4.0, status: str = "succeeded", campaign_id: int | None = None) -> Charge:
    """A prediction priced per second of video (succeeded: price × seconds)."""
    charge = prediction_charge("replicate", prediction_id, model, "second", price, status, output_s=seconds, at=at)
    return charge.owned_by(campaign_id=campaign_id)


async def seed_ledger(services: Services) -> LedgerFixture:
    """Two clients, three campaigns (one budgeted), 11 calls from 2025-01-30 to 2025-04-02 (some on month edges)."""
    library = services.library
    acme = (await library.create_client("Acme")).value
    cora = (await library.create_client("Cora")).value
    spring = (await library.create_campaign(acme.id, "Spring", budget_usd=10.0)).value
    autumn = (await library.create_campaign(acme.id, "Autumn")).value
    launch = (await library.create_campaign(cora.id, "Launch")).value
    plan = [
        clip_call("p-01", datetime(2025, 1, 30, 9), campaign_id=spring.id),  # 0.40
        clip_call("p-02", datetime(2025, 1, 31, 23, 59, 59), campaign_id=spring.id, seconds=8),  # 0.80
        clip_call("p-03", datetime(2025, 2, 1, 0, 0, 0), campaign_id=autumn.id, model="minimax/hailuo-02",
                  price=0.08, seconds=6),  # 0.48
        clip_call("p-04", datetime(2025, 2, 14, 12), campaign_id=launch.id, model="google/veo-3.1", price=0.2,
                  seconds=8),  # 1.60
        clip_call("p-05", datetime(2025, 2, 28, 18), campaign_id=spring.id, status="failed"),  # 0
        clip_call("p-06", datetime(2025, 3, 1, 6), campaign_id=launch.id, model="google/veo-3.1", price=0.2,
                  seconds=4),  # 0.80
        clip_call("p-07", datetime(2025, 3, 15, 10), campaign_id=autumn.id, model="minimax/hailuo-02", price=0.08,
                  seconds=10),  # 0.80
        clip_call("p-08", datetime(2025, 3, 31, 22), campaign_id=spring.id),  # 0.40
        clip_call("p-09", datetime(2025, 4, 2, 8), campaign_id=launch.id),  # 0.40
        token_charge("xai", "chatcmpl-a", CallKind.PAIRING, "grok-4-1-fast-non-reasoning", 800, 200, 0.2, 0.5,
                     at=datetime(2025, 2, 3, 11)).owned_by(campaign_id=spring.id),  # 0.00026
        token_charge("xai", "chatcmpl-b", CallKind.REWRITE, "grok-4-1-fast-non-reasoning", 400, 100, 0.2, 0.5,
                     at=datetime(2025, 3, 20, 11)).owned_by(campaign_id=launch.id),  # 0.00013
    ]

    def work(s) -> None:  # type: ignore[no-untyped-def]
        for charge in plan:
            ledger.record(s, charge)
    await services.db.run(work)
    return LedgerFixture({"Acme": acme.id, "Cora": cora.id},
                         {"Spring": spring.id, "Autumn": autumn.id, "Launch": launch.id}, tuple(plan))
