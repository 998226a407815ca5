"""A campaign's money: its budget, what it spent, what work still in flight has committed, and what is left.

A job commits its estimate from the moment it is stored: each clip not yet finished holds its share of the
estimate, less what its current prediction already cost. A clip that ends — made, failed, canceled — holds
nothing more, so a job that certainly created nothing (refused before any create, canceled before submitting)
frees its money at once. Budget left = budget − spent − committed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Campaign, Clip, Job
from app.core.domain import ClipStatus
from app.core.money import ledger
from app.core.money.charges import to_nanos, to_usd

UNFINISHED_CLIP = tuple(s.value for s in ClipStatus if not s.is_terminal)  # clips that still hold money


def usd_text(amount: float) -> str:
    """A sum of money for messages: $3.20."""
    return f"${amount:,.2f}"


@dataclass(frozen=True, slots=True)
class Holding:
    """What one job still in flight holds of its campaign's budget, for how many clips not yet made."""

    job_id: int
    amount_usd: float
    clips: int

    def describe(self) -> str:
        clips = f"{self.clips} clip{'s' if self.clips != 1 else ''}"
        return f"job {self.job_id} holds {usd_text(self.amount_usd)} for {clips} not yet made: cancel it to free it"


@dataclass(frozen=True, slots=True)
class CampaignMoney:
    """A campaign's budget (None: no limit), what it spent, what work in flight committed, and who holds that."""

    campaign_id: int
    budget_usd: float | None
    spent_usd: float
    committed_usd: float
    holdings: tuple[Holding, ...] = field(default=())

    @property
    def left_usd(self) -> float | None:
        """Budget − spent − committed (None: the campaign has no budget)."""
        if self.budget_usd is None:
            return None
        return to_usd(to_nanos(self.budget_usd) - to_nanos(self.spent_usd) - to_nanos(self.committed_usd))

    def allows(self, estimate_usd: float) -> bool:
        """Whether work estimated at ``estimate_usd`` fits in what is left."""
        left = self.left_usd
        return left is None or estimate_usd <= left + 1e-9

    def refusal(self, estimate_usd: float) -> str:
        """Why work estimated at ``estimate_usd`` is refused: what is left, what holds the rest, how to free it."""
        assert self.budget_usd is not None
        left = max(0.0, self.left_usd or 0.0)
        text = (f"over budget: this job is estimated at {usd_text(estimate_usd)} and only {usd_text(left)} of the "
                f"campaign's {usd_text(self.budget_usd)} budget is left ({usd_text(self.spent_usd)} spent")
        if self.holdings:
            held = "; ".join(h.describe() for h in self.holdings)
            text += f", {usd_text(self.committed_usd)} committed by work in flight — {held}"
        return text + "); raise the budget or make fewer or cheaper clips"

    def to_json(self) -> dict[str, float | None]:
        return {"budget_usd": self.budget_usd, "spent_usd": self.spent_usd, "committed_usd": self.committed_usd,
                "left_usd": self.left_usd}


def campaign_money(s: Session, campaign_id: int) -> CampaignMoney | None:
    """The campaign's money (None: there is no such campaign)."""
    return campaigns_money(s, [campaign_id]).get(campaign_id)


def campaigns_money(s: Session, campaign_ids: Iterable[int] | None = None) -> dict[int, CampaignMoney]:
    """The money of the given campaigns (``None``: all), keyed by id."""
    query = select(Campaign.id, Campaign.budget_usd)
    ids = None if campaign_ids is None else list(campaign_ids)
    if ids is not None:
        query = query.where(Campaign.id.in_(ids))
    budgets: dict[int, float | None] = {cid: amount for cid, amount in s.execute(query)}
    spent = ledger.spent_by_campaign(s, ids)
    held = _holdings(s, ids)
    result = {}
    for campaign_id, budget in budgets.items():
        holdings = tuple(held.get(campaign_id, ()))
        committed = sum(to_nanos(h.amount_usd) for h in holdings)
        result[campaign_id] = CampaignMoney(campaign_id, budget, to_usd(spent.get(campaign_id, 0)),
                                            to_usd(committed), holdings)
    return result


def _holdings(s: Session, campaign_ids: list[int] | None) -> dict[int, list[Holding]]:
    """Per campaign, each job with unfinished clips and what they hold (estimate share − current spend)."""
    query = select(Clip, Job.campaign_id, Job.estimate_usd).join(Job, Clip.job_id == Job.id) \
        .where(Job.id.in_(select(Clip.job_id).where(Clip.status.in_(UNFINISHED_CLIP))))
    if campaign_ids is not None:
        query = query.where(Job.campaign_id.in_(campaign_ids))
    rows = s.execute(query.order_by(Job.id, Clip.position)).all()
    clips_of: dict[int, list[Clip]] = defaultdict(list)
    jobs: dict[int, tuple[int, float]] = {}
    for clip, campaign_id, estimate in rows:
        clips_of[clip.job_id].append(clip)
        jobs[clip.job_id] = (campaign_id, estimate)
    unfinished = [c for clips in clips_of.values() for c in clips if c.status in UNFINISHED_CLIP]
    spent_now = ledger.spent_on_current_predictions(s, unfinished)
    result: dict[int, list[Holding]] = defaultdict(list)
    for job_id, clips in clips_of.items():
        campaign_id, estimate = jobs[job_id]
        base, extra = divmod(to_nanos(estimate), max(1, len(clips)))  # the shares add up to the estimate
        shares = {c.id: base + (1 if index < extra else 0) for index, c in enumerate(clips)}
        waiting = [c for c in clips if c.status in UNFINISHED_CLIP]
        held = sum(max(0, shares[c.id] - spent_now.get(c.id, 0)) for c in waiting)
        if held > 0:
            result[campaign_id].append(Holding(job_id, to_usd(held), len(waiting)))
    return result


__all__ = ["UNFINISHED_CLIP", "CampaignMoney", "Holding", "campaign_money", "campaigns_money", "usd_text"]
