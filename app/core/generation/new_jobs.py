"""A new job in the database: the campaign's saved pairs and money, then the job and its clips, checked again in
the transaction that adds them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, Campaign, Clip, Job, PairSuggestionRow
from app.core.domain import ClipStatus, JobState, JobStatus, PairSource, PairSuggestion
from app.core.generation import ab
from app.core.generation.errors import GenerationError
from app.core.generation.states import job_state
from app.core.money import budget
from app.core.money.budget import CampaignMoney


def campaign_money(s: Session, campaign_id: int) -> CampaignMoney:
    """The campaign's budget, what it spent and what its work in flight has committed."""
    money = budget.campaign_money(s, campaign_id)
    if money is None:
        raise GenerationError(f"there is no campaign {campaign_id}")
    return money


def saved_pairs(s: Session, campaign_id: int) -> list[PairSuggestion]:
    """The campaign's stored pair suggestions, in their order."""
    if s.get(Campaign, campaign_id) is None:
        raise GenerationError(f"there is no campaign {campaign_id}")
    rows = s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                     .order_by(PairSuggestionRow.position, PairSuggestionRow.id))
    return [PairSuggestion(r.first_asset_id, r.last_asset_id, r.score, r.reasoning, r.prompt, PairSource(r.source),
                           r.position, r.id) for r in rows]


@dataclass(frozen=True, slots=True)
class NewJob:
    campaign_id: int
    model_id: str
    duration_s: float
    resolution: str
    aspect: str
    estimate_usd: float
    pairs: tuple[PairSuggestion, ...]
    adjustments: tuple[str, ...]
    transition: str
    music_path: str | None
    launched_by: str = ""
    variants: tuple[ab.VariantPlan, ...] = ()  # an A/B job: each pair is made once per variant's model
    qc: bool = True  # check each clip as soon as its video is stored


def insert_job(s: Session, new: NewJob, allow_over_budget: bool) -> JobState:
    """Check the budget and the pairs' assets again (in this transaction), then add the job and its clips.

    A refusal for budget says what holds the money and how to free it. The campaign's row is locked first, so two
    workstations launching at once check the budget one after the other (SQLite's write lock does this by itself;
    PostgreSQL needs the row lock)."""
    s.execute(select(Campaign.id).where(Campaign.id == new.campaign_id).with_for_update())
    money = campaign_money(s, new.campaign_id)
    if not allow_over_budget and not money.allows(new.estimate_usd):
        raise GenerationError(money.refusal(new.estimate_usd))
    asset_ids = {a for p in new.pairs for a in (p.first_asset_id, p.last_asset_id)}
    known = set(s.scalars(select(Asset.id).where(Asset.id.in_(asset_ids))))
    for index, pair in enumerate(new.pairs, start=1):
        if pair.first_asset_id not in known or pair.last_asset_id not in known:
            raise GenerationError(f"pair {index} uses an image that is no longer in the library")
    job = Job(campaign_id=new.campaign_id, model_id=new.model_id, duration_s=new.duration_s, aspect=new.aspect,
              resolution=new.resolution, status=JobStatus.PENDING.value, estimate_usd=new.estimate_usd,
              transition=new.transition, music_path=new.music_path, launched_by=new.launched_by,
              options={"adjustments": list(new.adjustments), "submissions": {},
                       **({} if new.qc else {"qc": False})})
    if new.variants:
        s.add(job)
        s.flush()
        ab.add_variants(s, job, new.variants, new.pairs)
    else:
        job.clips = [Clip(position=index, first_asset_id=pair.first_asset_id, last_asset_id=pair.last_asset_id,
                          prompt=pair.prompt, model_id=new.model_id, status=ClipStatus.PENDING.value)
                     for index, pair in enumerate(new.pairs, start=1)]
        s.add(job)
    s.flush()
    return job_state(job)
