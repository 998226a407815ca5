"""Quality control of a job's clips: each clip is checked the moment its video is stored, a job's clips on demand.

What a clip is judged against comes from the job (its pictures, length, resolution, aspect, sound); the limits from
``Settings.qc_thresholds``. A job whose pairs chain (each clip ends on the picture the next one starts on) also has
its seams checked. When the campaign asks for it (or the caller does), every clip's frames are shown to the vision
model of the settings with the brand's rules; each paid answer enters the ledger, keyed by the provider's id.

The results are written through the generation service (the owner of clips), each attempt keeping its own. The
checks run in FFmpeg subprocesses and on worker threads, never on the event loop; cancelling stops them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.db.models import Asset, Campaign, Client, Clip
from app.core.domain import ClipState, ClipStatus
from app.core.generation import repository as repo
from app.core.generation.catalog import get_model, snap
from app.core.generation.errors import GenerationError
from app.core.library.service import campaign_info, client_info
from app.core.money import ledger
from app.core.money.charges import CallKind, Charge, token_charge
from app.core.pairing.endpoint import endpoint_from_settings
from app.core.pairing.errors import PairingError
from app.core.qc.brand_check import BrandBrief, BrandChecker, VisionEndpoint
from app.core.qc.check import BrandRequest, JobQc, SeamQc, check_clips, check_seams
from app.core.qc.levels import Verdict
from app.core.qc.thresholds import QcThresholds
from app.core.qc.verdict import Check, ClipOrder, ClipQc, FrameRef

if TYPE_CHECKING:
    from app.core.generation.orchestrator import Orchestrator
    from app.core.generation.service import GenerationService

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QcSubject:
    """A clip with a video to check, and what was ordered for it."""

    clip_id: int
    position: int
    attempt: int
    path: Path
    order: ClipOrder


@dataclass(frozen=True, slots=True)
class QcJob:
    """What checking a job needs: its checkable clips, whether its pairs chain, and the campaign's choices."""

    job_id: int
    campaign_id: int
    subjects: tuple[QcSubject, ...]
    chain: bool
    brand_check: bool  # the campaign asks for a brand check
    enabled: bool  # QC after each download (off for a job made with ``generate --no-qc``)
    brief: BrandBrief


def _ref(s: Session, asset_id: int | None, store: object) -> FrameRef | None:
    asset = s.get(Asset, asset_id) if asset_id is not None else None
    if asset is None:
        return None
    return FrameRef(store.path_for(asset.sha256, asset.format), asset.original_name)  # type: ignore[attr-defined]


def load_qc_job(s: Session, job_id: int, store: object, root: Path, settings: object,
                clip_ids: Sequence[int] | None = None) -> QcJob:
    """The job's succeeded clips (or those of ``clip_ids``) with their orders (one read transaction).

    Checking the clip that just landed loads that clip's row alone, and only the frame ids of the others (for
    the chain): loading every row each time made a job's checks grow with the square of its clips."""
    job = repo.get_job_row(s, job_id)
    campaign = s.get(Campaign, job.campaign_id)
    client = s.get(Client, campaign.client_id) if campaign else None
    if clip_ids is None:
        clips = list(job.clips)
        pairs = [(c.first_asset_id, c.last_asset_id) for c in clips]
    else:
        clips = list(s.scalars(select(Clip).where(Clip.job_id == job.id, Clip.id.in_(list(clip_ids)))
                               .order_by(Clip.position)))
        pairs = [(first, last) for first, last in s.execute(
            select(Clip.first_asset_id, Clip.last_asset_id).where(Clip.job_id == job.id).order_by(Clip.position))]
    subjects = []
    for clip in clips:
        if clip.status != ClipStatus.SUCCEEDED.value or not clip.file_path:
            continue
        model = get_model(clip.model_id, settings)  # type: ignore[arg-type]
        snapped = snap(model, job.duration_s, job.resolution or None, job.aspect)
        audio = (bool(settings.generate_audio) if model.audio_input else None)  # type: ignore[attr-defined]
        order = ClipOrder(first=_ref(s, clip.first_asset_id, store), last=_ref(s, clip.last_asset_id, store),
                          duration_s=snapped.duration_s, resolution=snapped.resolution, aspect=snapped.aspect,
                          audio=audio, label=f"clip {clip.position}", prompt=clip.prompt)
        subjects.append(QcSubject(clip.id, clip.position, clip.attempts, repo.resolve_path(root, clip.file_path),
                                  order))
    chain = len(pairs) > 1 and all(pairs[i][1] is not None and pairs[i][1] == pairs[i + 1][0]
                                   for i in range(len(pairs) - 1))
    brief = BrandBrief.from_library(campaign_info(campaign), client_info(client) if client else None) \
        if campaign else BrandBrief("", "")
    return QcJob(job.id, job.campaign_id, tuple(subjects), chain, bool(campaign and campaign.brand_check),
                 (job.options or {}).get("qc", True) is not False, brief)


def qc_counts(clips: Iterable[ClipState]) -> dict[str, int]:
    """How many clips passed, warned, failed, and have a video not checked (``job --json``'s ``qc``)."""
    counts = {"pass": 0, "warn": 0, "fail": 0, "unchecked": 0}
    for clip in clips:
        if clip.qc is not None:
            counts[clip.qc.verdict.value] += 1
        elif clip.status is ClipStatus.SUCCEEDED:
            counts["unchecked"] += 1
    return counts


def qc_summary(clips: Iterable[ClipState]) -> str:
    """"5 pass · 1 fail" (empty when no clip was checked)."""
    counts = qc_counts(clips)
    parts = [f"{counts[word]} {word}" for word in ("pass", "warn", "fail") if counts[word]]
    if parts and counts["unchecked"]:
        parts.append(f"{counts['unchecked']} not checked")
    return " · ".join(parts)


def failed_qc(clips: Iterable[ClipState]) -> list[ClipState]:
    """The clips whose video failed QC (those ``retry --failed-qc`` makes again)."""
    return [c for c in clips if c.status is ClipStatus.SUCCEEDED and c.qc is not None and c.qc.failed]


def _with_seam(qc: ClipQc, seam: SeamQc) -> ClipQc:
    """``qc`` with ``seam``'s finding in place of any earlier seam finding."""
    kept = tuple(r for r in qc.reasons if r.check is not Check.SEAM)
    base = dataclasses.replace(qc, reasons=kept, verdict=Verdict.worst(r.verdict for r in kept))
    return base.with_reasons([seam.reason] if seam.reason else [], seam_similarity=seam.similarity)


def brand_charges(check: ClipQc, provider: str, price_in: float, price_out: float) -> list[Charge]:
    """The ledger rows of a clip's brand check: one per paid answer, keyed by the provider's id of it.

    The check counts the tokens of all its answers together: they go on the first answer's row (the total is
    exact; a check that needed a second answer shows it as a row of 0 tokens)."""
    brand = check.brand
    if brand is None or not brand.response_ids:
        return []
    charges = []
    for index, response_id in enumerate(brand.response_ids):
        tokens_in, tokens_out = (brand.prompt_tokens, brand.completion_tokens) if index == 0 else (0, 0)
        charges.append(token_charge(provider, response_id, CallKind.BRAND_CHECK, brand.model, tokens_in, tokens_out,
                                    price_in, price_out))
    return charges


class QualityControl:
    """Runs QC for the generation service and stores each result through it."""

    def __init__(self, service: GenerationService, orchestrator: Orchestrator) -> None:
        self.service = service
        self.orchestrator = orchestrator

    def thresholds(self) -> QcThresholds:
        """The limits of the settings (values that cannot be used are logged and left at their defaults)."""
        limits, problems = QcThresholds.from_values(self.service.settings.current.qc_thresholds)
        for problem in problems:
            log.warning("settings: %s", problem)
        return limits

    async def _load(self, job_id: int, clip_ids: Sequence[int] | None = None) -> QcJob:
        service = self.service
        settings = service.settings.current
        return await service.db.read(lambda s: load_qc_job(s, job_id, service.library.store, service.paths.share,
                                                           settings, clip_ids))

    @contextlib.asynccontextmanager
    async def _brand(self, wanted: bool, brief: BrandBrief) -> AsyncIterator[tuple[BrandRequest, str] | None]:
        """A brand check request on the endpoint of the settings, and the ledger's name of its provider."""
        if not wanted:
            yield None
            return
        settings = self.service.settings.current
        try:
            endpoint = await asyncio.to_thread(endpoint_from_settings, settings, self.service.secrets)
        except PairingError as exc:
            raise GenerationError(f"the brand check cannot be done: {exc}") from None
        prices = (settings.xai_price_input_per_mtok, settings.xai_price_output_per_mtok) if endpoint.priced \
            else (0.0, 0.0)
        vision = VisionEndpoint(endpoint.base_url, endpoint.model, endpoint.api_key or "", endpoint.answer_timeout_s,
                                *prices)
        provider = "xai" if endpoint.is_xai else f"vision:{endpoint.host}"
        async with BrandChecker(vision) as checker:
            yield BrandRequest(checker, brief), provider

    async def _store(self, job: QcJob, subject: QcSubject, qc: ClipQc, provider: str | None) -> ClipState:
        """Record the brand check's answers in the ledger, then the result on the clip's attempt (announced)."""
        if provider is not None:
            settings = self.service.settings.current
            prices = (settings.xai_price_input_per_mtok, settings.xai_price_output_per_mtok) \
                if provider == "xai" else (0.0, 0.0)
            charges = [c.owned_by(campaign_id=job.campaign_id, job_id=job.job_id, clip_id=subject.clip_id)
                       for c in brand_charges(qc, provider, *prices)]
            if charges:
                await asyncio.shield(self.service.db.run(lambda s: [ledger.record(s, c) for c in charges]))
        return await self.orchestrator.commit(repo.record_qc, subject.clip_id, subject.attempt, qc)

    async def check_job(self, job_id: int, *, brand: bool | None = None, clip_ids: Sequence[int] | None = None,
                        on_clip: Callable[[ClipState], None] | None = None) -> JobQc:
        """Check (or check again) the job's succeeded clips (or those of ``clip_ids``) and store each result.

        ``brand``: True asks for a brand check, False leaves it out, None follows the campaign's choice. Raises
        ``GenerationError`` for an unknown job, or a brand check wanted without a usable vision endpoint."""
        job = await self._load(job_id, clip_ids)
        limits = self.thresholds()
        stored: list[asyncio.Task[ClipState]] = []
        async with self._brand(job.brand_check if brand is None else brand, job.brief) as asked:
            provider = asked[1] if asked else None

            def keep(index: int, qc: ClipQc) -> None:
                if job.chain:
                    return  # stored below, with its seam
                task = asyncio.ensure_future(self._store(job, job.subjects[index], qc, provider))
                if on_clip:
                    task.add_done_callback(lambda t: on_clip(t.result()) if not t.cancelled() and
                                           t.exception() is None else None)
                stored.append(task)
            result = await check_clips([(s.path, s.order) for s in job.subjects], limits,
                                       chain=job.chain, brand=asked[0] if asked else None, on_clip=keep)
            await asyncio.gather(*stored)
            if job.chain:
                for subject, qc in zip(job.subjects, result.clips, strict=True):
                    state = await self._store(job, subject, qc, provider)
                    if on_clip:
                        on_clip(state)
        return result

    async def after_download(self, state: ClipState) -> ClipState:
        """QC of a clip whose video was just stored (when QC is on for its job; a chained job's seams wait for
        ``after_job``); never raises but for a cancel."""
        if not self.service.settings.current.qc_after_download:
            return state
        try:
            job = await self._load(state.job_id, [state.id])
            if not job.enabled or not job.subjects:
                return state
            return (await self._check_each(job, job.subjects))[-1]
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("QC of clip %s failed", state.id)
            return state

    async def _check_each(self, job: QcJob, subjects: Sequence[QcSubject]) -> list[ClipState]:
        """Check ``subjects`` on their own (no seams) and store each result; their new states."""
        async with self._brand(job.brand_check, job.brief) as asked:
            result = await check_clips([(s.path, s.order) for s in subjects], self.thresholds(),
                                       brand=asked[0] if asked else None)
            return [await self._store(job, subject, qc, asked[1] if asked else None)
                    for subject, qc in zip(subjects, result.clips, strict=True)]

    async def after_job(self, job_id: int) -> None:
        """Once a run of the job has ended: its clips with a video but no verdict (a check stopped when the app
        closed) are checked, then a chained job's seams; never raises but for a cancel."""
        if not self.service.settings.current.qc_after_download:
            return
        try:
            job = await self._load(job_id)
            if not job.enabled or not job.subjects:
                return
            ids = [x.clip_id for x in job.subjects]
            stored = await self.service.db.read(lambda s: _stored_qcs(s, ids))
            if unchecked := [x for x in job.subjects if stored.get(x.clip_id) is None]:
                await self._check_each(job, unchecked)
                stored = await self.service.db.read(lambda s: _stored_qcs(s, ids))
            if not job.chain or any(stored.get(x.clip_id) is None for x in job.subjects):
                return
            by_position = {x.position: x for x in job.subjects}
            numbers = range(min(by_position), max(by_position) + 1)
            clips = [by_position[p].path if p in by_position else None for p in numbers]
            seams = await check_seams(clips, self.thresholds(), [f"clip {p}" for p in numbers])
            for seam in seams:
                subject = by_position.get(numbers[seam.index + 1])
                qc = stored.get(subject.clip_id) if subject else None
                if subject is not None and qc is not None and seam.similarity is not None:
                    await self.orchestrator.commit(repo.record_qc, subject.clip_id, subject.attempt,
                                                   _with_seam(qc, seam))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("QC of the seams of job %s failed", job_id)


def _stored_qcs(s: Session, clip_ids: Sequence[int]) -> dict[int, ClipQc | None]:
    """The QC stored on each clip (its current attempt's)."""
    rows = s.execute(select(Clip.id, Clip.qc).where(Clip.id.in_(clip_ids)))
    return {clip_id: repo.clip_qc(doc) for clip_id, doc in rows}
