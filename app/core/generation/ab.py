"""A/B jobs: the same pairs made on two or three models in one launch, a winner picked per pair, win statistics.

An A/B job is an ordinary job whose clips are (pair × model): each clip carries its pair's number and its variant
letter, so the orchestrator, the lease and the prediction-id bookkeeping drive every variant as any other clip
(one prediction per pair and model, never created twice). ``ab_variants`` keeps what each model was planned with,
``ab_winners`` the pick for each pair. The ad is made of the winners, or of variant A where nobody picked.

Each function here is one unit of work for ``Database.run`` / ``Database.read`` and returns plain values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import AbVariant, AbWinner, Campaign, Clip, Job, utcnow
from app.core.domain import ClipState, ClipStatus, PairSuggestion
from app.core.generation.errors import GenerationError

LETTERS = "ABC"
MIN_MODELS, MAX_MODELS = 2, 3


@dataclass(frozen=True, slots=True)
class VariantPlan:
    """One model of an A/B job as planned: its letter, the values snapped to it and its share of the estimate."""

    letter: str
    model_id: str
    duration_s: float
    resolution: str
    estimate_usd: float


@dataclass(frozen=True, slots=True)
class AbPair:
    """One pair of an A/B job: its clips by variant letter and the picked winner (None: not picked)."""

    pair: int
    first_asset_id: int | None
    last_asset_id: int | None
    prompt: str
    clips: dict[str, ClipState]
    winner: str | None

    @property
    def used(self) -> str:
        """The variant the ad uses: the winner, else A."""
        return self.winner or LETTERS[0]


@dataclass(frozen=True, slots=True)
class AbState:
    """An A/B job's variants (letter → plan) and pairs, in order."""

    job_id: int
    campaign_id: int
    client_id: int
    variants: tuple[VariantPlan, ...]
    pairs: tuple[AbPair, ...]

    def model_of(self, letter: str) -> str:
        return next(v.model_id for v in self.variants if v.letter == letter)

    def to_json(self) -> dict[str, object]:
        return {
            "job_id": self.job_id,
            "variants": [{"variant": v.letter, "model": v.model_id, "duration_s": v.duration_s,
                          "resolution": v.resolution, "estimate_usd": v.estimate_usd} for v in self.variants],
            "pairs": [{"pair": p.pair, "winner": p.winner, "used": p.used, "picked": p.winner is not None,
                       "variants": {letter: {"clip_id": c.id, "position": c.position, "model": c.model_id,
                                             "status": c.status.value, "file": c.file_path}
                                    for letter, c in sorted(p.clips.items())}}
                      for p in self.pairs]}


@dataclass(frozen=True, slots=True)
class ModelWins:
    """How often a model won the pairs it was compared on (for one client)."""

    model_id: str
    wins: int
    contests: int

    @property
    def rate(self) -> float:
        return self.wins / self.contests if self.contests else 0.0


def check_models(model_ids: Sequence[str]) -> None:
    """Refuse fewer than two models, more than three, or a model named twice."""
    if not MIN_MODELS <= len(model_ids) <= MAX_MODELS:
        raise GenerationError(f"an A/B comparison takes two or three models, not {len(model_ids)}")
    if len(set(model_ids)) != len(model_ids):
        raise GenerationError("an A/B comparison needs different models: one is named twice")


def variant_plans(models: Sequence[tuple[str, float, str, float]]) -> tuple[VariantPlan, ...]:
    """Letters for (model id, duration, resolution, estimate) tuples, in order (see ``check_models``)."""
    check_models([m[0] for m in models])
    return tuple(VariantPlan(LETTERS[i], *m) for i, m in enumerate(models))


def add_variants(s: Session, job: Job, variants: Sequence[VariantPlan], pairs: Sequence[PairSuggestion]) -> None:
    """Give new job ``job`` one clip per pair and variant (pair-major order) and its variant rows."""
    for v in variants:
        s.add(AbVariant(job_id=job.id, variant=v.letter, model_id=v.model_id, duration_s=v.duration_s,
                        resolution=v.resolution, estimate_usd=v.estimate_usd))
    position = 0
    clips = []
    for number, pair in enumerate(pairs, start=1):
        for v in variants:
            position += 1
            clips.append(Clip(position=position, first_asset_id=pair.first_asset_id,
                              last_asset_id=pair.last_asset_id, prompt=pair.prompt, model_id=v.model_id,
                              status=ClipStatus.PENDING.value, ab_pair=number, ab_variant=v.letter))
    job.clips = clips


def variant_settings(s: Session, clip: Clip) -> tuple[float, str] | None:
    """The (duration, resolution) an A/B clip's variant was planned with; None for a clip of an ordinary job."""
    if clip.ab_variant is None:
        return None
    row = s.get(AbVariant, (clip.job_id, clip.ab_variant))
    return (row.duration_s, row.resolution) if row is not None else None


def is_ab(s: Session, job_id: int) -> bool:
    return s.scalar(select(AbVariant.job_id).where(AbVariant.job_id == job_id).limit(1)) is not None


def ad_clips(s: Session, job: Job) -> list[Clip]:
    """The clips the job's ad is made of: all of them, or for an A/B job each pair's winner (else variant A)."""
    if not any(c.ab_pair is not None for c in job.clips):
        return list(job.clips)
    winners = dict(s.execute(select(AbWinner.pair, AbWinner.variant).where(AbWinner.job_id == job.id)).all())
    return [c for c in job.clips if c.ab_pair is not None and c.ab_variant == winners.get(c.ab_pair, LETTERS[0])]


def ab_state(s: Session, job_id: int, clip_state: Callable[[Clip], ClipState]) -> AbState:
    """The A/B read model of job ``job_id``; ``clip_state`` turns a clip row into its ``ClipState``."""
    job = s.get(Job, job_id)
    if job is None:
        raise GenerationError(f"there is no job {job_id}")
    rows = s.scalars(select(AbVariant).where(AbVariant.job_id == job_id).order_by(AbVariant.variant)).all()
    if not rows:
        raise GenerationError(f"job {job_id} is not an A/B comparison")
    variants = tuple(VariantPlan(r.variant, r.model_id, r.duration_s, r.resolution, r.estimate_usd) for r in rows)
    winners = dict(s.execute(select(AbWinner.pair, AbWinner.variant).where(AbWinner.job_id == job_id)).all())
    by_pair: dict[int, list[Clip]] = {}
    for clip in job.clips:
        if clip.ab_pair is not None:
            by_pair.setdefault(clip.ab_pair, []).append(clip)
    pairs = []
    for number in sorted(by_pair):
        clips = by_pair[number]
        first = clips[0]
        pairs.append(AbPair(number, first.first_asset_id, first.last_asset_id, first.prompt,
                            {c.ab_variant or "": clip_state(c) for c in clips},
                            winners.get(number)))
    campaign = s.get(Campaign, job.campaign_id)
    return AbState(job_id, job.campaign_id, campaign.client_id if campaign else 0, variants, tuple(pairs))


def pick_winner(s: Session, job_id: int, pair: int, variant: str, chosen_by: str) -> None:
    """Record ``variant`` as pair ``pair``'s winner (replacing an earlier pick); its clip must have a video."""
    letter = variant.strip().upper()
    s.execute(select(Job.id).where(Job.id == job_id).with_for_update())  # two picks of a pair: one after the other
    if not s.scalar(select(AbVariant.job_id).where(AbVariant.job_id == job_id).limit(1)):
        if s.get(Job, job_id) is None:
            raise GenerationError(f"there is no job {job_id}")
        raise GenerationError(f"job {job_id} is not an A/B comparison")
    clips = s.scalars(select(Clip).where(Clip.job_id == job_id, Clip.ab_pair == pair)).all()
    if not clips:
        count = s.scalar(select(Clip.ab_pair).where(Clip.job_id == job_id).order_by(Clip.ab_pair.desc()).limit(1))
        raise GenerationError(f"job {job_id} has pairs 1 to {count}; there is no pair {pair}")
    clip = next((c for c in clips if c.ab_variant == letter), None)
    if clip is None:
        letters = ", ".join(sorted(c.ab_variant or "" for c in clips))
        raise GenerationError(f"pair {pair} has variants {letters}; there is no variant {variant.strip()!r}")
    if clip.status != ClipStatus.SUCCEEDED.value or not clip.file_path:
        raise GenerationError(f"variant {letter} of pair {pair} has no video ({clip.status}): only a made clip can "
                              "win")
    row = s.get(AbWinner, (job_id, pair))
    if row is None:
        s.add(AbWinner(job_id=job_id, pair=pair, variant=letter, chosen_by=chosen_by, chosen_at=utcnow()))
    else:
        row.variant, row.chosen_by, row.chosen_at = letter, chosen_by, utcnow()
    s.flush()


def win_stats(s: Session, client_id: int) -> list[ModelWins]:
    """Per model, the client's decided A/B pairs it took part in and how many it won; most wins first."""
    decided = s.execute(
        select(AbWinner.job_id, AbWinner.variant)
        .join(Job, Job.id == AbWinner.job_id).join(Campaign, Campaign.id == Job.campaign_id)
        .where(Campaign.client_id == client_id)).all()
    if not decided:
        return []
    job_ids = {job_id for job_id, _ in decided}
    models: dict[tuple[int, str], str] = {
        (job_id, letter): model_id for job_id, letter, model_id in
        s.execute(select(AbVariant.job_id, AbVariant.variant, AbVariant.model_id)
                  .where(AbVariant.job_id.in_(job_ids)))}
    wins: Counter[str] = Counter()
    contests: Counter[str] = Counter()
    for job_id, letter in decided:
        wins[models[(job_id, letter)]] += 1
        for (other_job, _), model_id in models.items():
            if other_job == job_id:
                contests[model_id] += 1
    result = [ModelWins(model_id, wins[model_id], count) for model_id, count in contests.items()]
    return sorted(result, key=lambda w: (-w.wins, -w.rate, w.model_id))


__all__ = ["LETTERS", "MAX_MODELS", "MIN_MODELS", "AbPair", "AbState", "ModelWins", "VariantPlan", "ab_state",
           "ad_clips", "add_variants", "check_models", "is_ab", "pick_winner", "variant_plans", "variant_settings",
           "win_stats"]
