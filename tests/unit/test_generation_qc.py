"""Quality control wired into the generation service: each clip of the offline model is checked as soon as its
video is stored (announced through the change feed), each attempt keeps its own result, a retry of the clips that
failed QC folds the reasons into their prompts, and a campaign's brand check is paid for once in the ledger."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core.changes import Changes
from app.core.db.models import Clip, LedgerEntry
from app.core.domain import ClipStatus
from app.core.generation import repository as repo
from app.core.generation.errors import GenerationError
from app.core.generation.quality import QcJob, load_qc_job
from app.core.generation.service import GenerationService
from app.core.media.combine import CombineOptions
from app.core.media.deliver_options import DeliverOptions
from app.core.qc.levels import Verdict
from app.core.qc.verdict import Check, ClipQc, Reason
from app.core.secrets import KeyName
from app.core.services import Services, open_services
from tests.fakes.xai_server import API_KEY, MODEL, FakeBrandXai, brand_issue, brand_reply
from tests.fakes.xai_server import brand_xai_server as brand_xai_server  # the fixture
from tests.helpers.generation_data import seed_campaign
from tests.helpers.processes import processes_mentioning


@pytest.fixture
async def gen(services: Services) -> AsyncIterator[GenerationService]:
    yield services.generation
    await services.generation.aclose()


async def _local_job(services: Services, tmp_path: Path, pairs: int = 2) -> int:
    campaign_id = await seed_campaign(services, tmp_path, pairs=pairs)
    plan = await services.generation.plan(campaign_id, "local", 2.0, "16:9", "480p")
    return (await services.generation.create_job(plan)).value.id


async def test_each_local_clip_is_checked_as_it_arrives_and_views_hear_of_it(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job_id = await _local_job(services, tmp_path)
    heard: list[Changes] = []
    unsubscribe = services.db.changes.subscribe(heard.append)
    final = await gen.run_job(job_id)
    unsubscribe()
    assert [c.qc.verdict for c in final.clips if c.qc] == [Verdict.PASS, Verdict.PASS]
    first, second = final.clips
    assert first.qc is not None and first.qc.first_similarity is not None and first.qc.first_similarity > 0.9
    assert second.qc is not None and second.qc.seam_similarity is not None  # the seeded pairs chain: seam checked
    assert (first.qc.width, first.qc.height, first.qc.duration_s) == (854, 480, 2.0)
    stored = [c for c in heard if first.id in c.clips and c.jobs_of(final.campaign_id)]
    assert stored, "the QC result was written without a Changes naming the clip"
    assert (await gen.attempt_qcs(first.id)) == [(1, first.qc)]


async def test_checking_the_clip_that_landed_reads_that_clips_row_alone(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job_id = await _local_job(services, tmp_path, pairs=4)
    final = await gen.run_job(job_id)
    landed = final.clips[2]
    paths, settings = services.paths, services.settings.current

    def load(s: Session, clip_ids: list[int] | None) -> tuple[QcJob, list[int]]:
        rows: list[int] = []

        def loaded(clip: Clip, _context: object) -> None:
            rows.append(clip.id)
        event.listen(Clip, "load", loaded)
        try:
            return load_qc_job(s, job_id, services.library.store, paths.share, settings, clip_ids), rows
        finally:
            event.remove(Clip, "load", loaded)
    one, rows = await services.db.read(lambda s: load(s, [landed.id]))
    every, all_rows = await services.db.read(lambda s: load(s, None))
    assert [subject.clip_id for subject in one.subjects] == [landed.id] and rows == [landed.id]
    assert len(all_rows) == 4
    assert one.chain and one.chain == every.chain  # the chain is still judged on every clip's frames
    assert one.subjects[0] == every.subjects[2]


async def test_a_job_made_without_qc_has_no_verdicts_until_checked(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path, pairs=1)
    plan = await gen.plan(campaign_id, "local", 2.0, "16:9", "480p")
    job = (await gen.create_job(plan, qc=False)).value
    final = await gen.run_job(job.id)
    assert final.clips[0].status is ClipStatus.SUCCEEDED and final.clips[0].qc is None
    result = await gen.check_qc(job.id)
    assert result.verdict is Verdict.PASS
    assert (await gen.get_job(job.id)).clips[0].qc == result.clips[0]


async def test_retrying_a_clip_that_failed_qc_folds_the_reasons_in_and_each_attempt_keeps_its_result(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job_id = await _local_job(services, tmp_path)
    final = await gen.run_job(job_id)
    clip = final.clips[1]
    failing = ClipQc(Verdict.FAIL, (Reason(Check.BLACK, Verdict.FAIL, "1.2 s of black at the start", 0.0),))
    await services.db.run(lambda s: repo.record_qc(s, clip.id, 1, failing))

    plan = await gen.plan_qc_retry(job_id)
    assert [c.id for c in plan.clips] == [clip.id] and plan.estimate_usd == 0.0
    assert plan.prompts == (f"{clip.prompt}. Requirements: no black frames or fades to black.",)
    outcomes = await gen.retry_failed_qc(plan)
    assert not any(isinstance(o, BaseException) for o in outcomes)
    after = (await gen.get_job(job_id)).clips[1]
    assert after.attempts == 2 and after.prompt == plan.prompts[0]
    assert after.qc is not None and after.qc.verdict is Verdict.PASS
    attempts = await gen.attempt_qcs(clip.id)
    assert [(n, q.verdict if q else None) for n, q in attempts] == [(1, Verdict.FAIL), (2, Verdict.PASS)]

    again = await gen.retry_failed_qc(plan)  # the same plan once more: the clip no longer fails, nothing is made
    assert isinstance(again[0], GenerationError) and "no video that failed QC" in str(again[0])
    assert (await gen.get_job(job_id)).clips[1].attempts == 2
    with pytest.raises(GenerationError, match="no clip that failed QC"):
        await gen.plan_qc_retry(job_id)


async def test_closing_the_service_while_clips_are_checked_stops_qc_cleanly_and_resuming_finishes_it(
        services: Services, tmp_path: Path, library_dir: Path) -> None:
    gen = services.generation
    job_id = await _local_job(services, tmp_path, pairs=3)
    started = asyncio.Event()
    original = gen.quality.after_download

    async def watched(state):  # type: ignore[no-untyped-def]
        started.set()
        return await original(state)
    gen.quality.after_download = watched  # type: ignore[method-assign]
    run = asyncio.create_task(gen.run_job(job_id))
    await asyncio.wait_for(started.wait(), 60)
    await asyncio.wait_for(gen.aclose(), 10)
    await asyncio.gather(run, return_exceptions=True)
    assert run.done()
    assert not processes_mentioning(str(services.paths.job_dir(job_id)))  # no FFmpeg left behind

    reopened = open_services(library_dir, services.secrets)  # the next start: resuming checks what was left
    try:
        final = await reopened.generation.run_job(job_id)
        assert [c.status for c in final.clips] == [ClipStatus.SUCCEEDED] * 3
        assert all(c.qc is not None and c.qc.verdict is Verdict.PASS for c in final.clips)
    finally:
        await reopened.aclose()


async def test_a_campaigns_brand_check_is_paid_for_once_in_the_ledger(
        services: Services, gen: GenerationService, tmp_path: Path, brand_xai_server: FakeBrandXai) -> None:
    brand_xai_server.script(brand_reply("pass"), brand_reply("fail", lambda times: [brand_issue(times[0])],
                                                             summary="A caption."))
    services.settings.update(xai_base_url=brand_xai_server.base_url, xai_model=MODEL)
    services.secrets.set(KeyName.XAI, API_KEY)
    job_id = await _local_job(services, tmp_path)
    campaign_id = (await gen.get_job(job_id)).campaign_id
    await services.library.update_campaign(campaign_id, brand_check=True)

    final = await gen.run_job(job_id)
    assert brand_xai_server.problems == []
    assert len(brand_xai_server.chat_requests) == 2
    brands = [c.qc.brand for c in final.clips if c.qc]
    assert len(brands) == 2 and all(b is not None and b.response_ids for b in brands)
    verdicts = sorted(c.qc.verdict.value for c in final.clips if c.qc)
    assert verdicts == ["fail", "pass"]  # the second answer found text on screen in one clip

    rows = await services.db.read(lambda s: list(s.scalars(select(LedgerEntry).where(
        LedgerEntry.kind == "brand_check"))))
    ids = sorted(i for b in brands if b for i in b.response_ids)
    assert sorted(r.external_id for r in rows) == ids and len(rows) == 2  # one row per paid answer, once
    assert {r.provider for r in rows} == {"xai"} and all(r.job_id == job_id for r in rows)
    assert sum(r.tokens_in or 0 for r in rows) == sum(b.prompt_tokens for b in brands if b)
    spent = (await gen.money(campaign_id)).spent_usd
    assert spent == pytest.approx(sum(b.cost_usd for b in brands if b)) and spent > 0


async def test_the_exported_ads_manifest_has_a_qc_section(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job_id = await _local_job(services, tmp_path)
    final = await gen.run_job(job_id)
    failing = ClipQc(Verdict.FAIL, (Reason(Check.FROZEN, Verdict.FAIL, "the picture freezes for 3.0 s at the end",
                                           1.0),))
    await services.db.run(lambda s: repo.record_qc(s, final.clips[1].id, 1, failing))
    await gen.combine(job_id, CombineOptions())
    manifest = json.loads((await gen.export(job_id, tmp_path / "out" / "ad.mp4")).read_text(encoding="utf-8"))
    assert [c["qc"] for c in manifest["clips"]] == ["pass", "fail"]
    assert manifest["qc"]["summary"] == {"pass": 1, "warn": 0, "fail": 1, "unchecked": 0}
    [_, second] = manifest["qc"]["clips"]
    assert second["position"] == 2 and second["reasons"] == [
        {"check": "frozen", "verdict": "fail", "text": "the picture freezes for 3.0 s at the end"}]


async def test_each_deliverables_manifest_has_the_qc_section_too(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job_id = await _local_job(services, tmp_path)
    final = await gen.run_job(job_id)
    warning = ClipQc(Verdict.WARN, (Reason(Check.BLACK, Verdict.WARN, "0.4 s of black at the start", 0.4),))
    await services.db.run(lambda s: repo.record_qc(s, final.clips[0].id, 1, warning))
    [result] = await gen.deliver(job_id, DeliverOptions(aspect="16:9"), output=tmp_path / "out" / "ad.mp4")
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert [c["qc"] for c in manifest["clips"]] == ["warn", "pass"]
    assert manifest["qc"]["summary"] == {"pass": 1, "warn": 1, "fail": 0, "unchecked": 0}
    assert manifest["qc"]["clips"][0]["reasons"] == [
        {"check": "black", "verdict": "warn", "text": "0.4 s of black at the start"}]
