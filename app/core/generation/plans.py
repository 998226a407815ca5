"""What a job, an A/B job or a retry of clips that failed QC would be, shown before anything is paid for."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.domain import ClipState, PairSuggestion
from app.core.generation import ab
from app.core.generation.catalog import ModelSpec
from app.core.money.budget import CampaignMoney


@dataclass(frozen=True)
class JobPlan:
    """What a job would be, shown before anything is paid for, with the campaign's money beside it."""

    campaign_id: int
    model: ModelSpec
    duration_s: float
    resolution: str
    aspect: str
    pairs: tuple[PairSuggestion, ...]
    estimate_usd: float
    money: CampaignMoney
    over_budget: bool
    adjustments: tuple[str, ...]  # what was changed to fit the model, in sentences

    @property
    def budget_usd(self) -> float | None:
        return self.money.budget_usd

    @property
    def spent_usd(self) -> float:
        """What the campaign's calls cost so far (the ledger)."""
        return self.money.spent_usd

    @property
    def committed_usd(self) -> float:
        """What the campaign's work still in flight holds of its budget."""
        return self.money.committed_usd

    @property
    def remaining_usd(self) -> float | None:
        """Budget − spent − committed (None: no budget)."""
        return self.money.left_usd

    def refusal(self) -> str:
        """Why the plan is over budget: what is left, what holds the rest and how to free it."""
        return self.money.refusal(self.estimate_usd)


@dataclass(frozen=True)
class AbPlan:
    """An A/B job before launch: one plan per model (its share of the estimate) and the budget applied to the
    total."""

    plans: tuple[JobPlan, ...]

    @property
    def campaign_id(self) -> int:
        return self.plans[0].campaign_id

    @property
    def pairs(self) -> tuple[PairSuggestion, ...]:
        return self.plans[0].pairs

    @property
    def money(self) -> CampaignMoney:
        return self.plans[0].money

    @property
    def estimate_usd(self) -> float:
        """The whole comparison: every model's clips of every pair."""
        return round(sum(p.estimate_usd for p in self.plans), 4)

    @property
    def over_budget(self) -> bool:
        return not self.money.allows(self.estimate_usd)

    def refusal(self) -> str:
        return self.money.refusal(self.estimate_usd)

    def variants(self) -> tuple[ab.VariantPlan, ...]:
        return ab.variant_plans([(p.model.id, p.duration_s, p.resolution, p.estimate_usd) for p in self.plans])


@dataclass(frozen=True)
class QcRetryPlan:
    """Making a job's clips that failed QC again: which, with what prompts, on which model, for about how much."""

    job_id: int
    model: ModelSpec | None  # None: each clip keeps its own model
    clips: tuple[ClipState, ...]
    prompts: tuple[str, ...]  # each clip's prompt with what QC found folded in
    estimate_usd: float
    money: CampaignMoney

    @property
    def over_budget(self) -> bool:
        return not self.money.allows(self.estimate_usd)
