"""Generation and the ledger, through the real ``replicate`` client against the fake server: each prediction is
one ledger row with how it was priced, clip and job costs are sums over it, work in flight commits its estimate
less what it spent, and work that certainly created nothing frees its money at once."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from app.core.domain import ClipStatus, JobState, JobStatus
from app.core.generation import repository as repo
from app.core.generation.catalog import get_model
from app.core.generation.cost import clip_charge
from app.core.generation.errors import GenerationError
from app.core.generation.providers.base import Submission
from app.core.generation.service import GenerationService
from app.core.money.report import GroupBy, SpendQuery
from app.core.services import Services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign

MODEL = "google/veo-3.1-fast"  # $0.10 per second of video: a 4 s clip costs $0.40


@pytest.fixture
async def gen(services: Services, fake_replicate: FakeReplicate,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GenerationService]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    services.settings.update(replicate_base_url=fake_replicate.url, poll_interval_s=0.03, poll_interval_max_s=0.15)
    yield services.generation
    await services.generation.aclose()


async def _job(services: Services, tmp_path: Path, *, pairs: int = 3, budget: float | None = 5.0,
               name: str = "Spring") -> JobState:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=pairs, budget=budget, name=name)
    plan = await services.generation.plan(campaign_id, MODEL, duration_s=4)
    return (await services.generation.create_job(plan)).value


async def test_each_prediction_is_one_ledger_row_and_costs_are_sums_over_them(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    job = await _job(services, tmp_path)
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED
    rows = await services.money.entries(SpendQuery())
    assert sorted(r.external_id for r in rows) == sorted(fake_replicate.predictions)
    for row in rows:
        assert (row.provider, row.kind, row.model, row.status, row.currency) == (
            "replicate", "clip", MODEL, "succeeded", "USD")
        assert (row.price_unit, row.unit_price, row.metric, row.quantity) == ("second", 0.1, "output_seconds", 4.0)
        assert row.amount_usd == pytest.approx(0.4) and row.campaign == "Spring" and row.job_id == job.id
    assert {c.prediction_id: c.cost_usd for c in final.clips} == {r.external_id: r.amount_usd for r in rows}
    assert final.actual_cost_usd == pytest.approx(1.2)
    money = await gen.money(job.campaign_id)
    assert (money.spent_usd, money.committed_usd, money.left_usd) == (pytest.approx(1.2), 0, pytest.approx(3.8))
    again = await gen.run_job(job.id)  # nothing left to do: nothing recorded again
    assert again.actual_cost_usd == pytest.approx(1.2) and len(await services.money.entries(SpendQuery())) == 3


async def test_a_job_in_flight_commits_its_estimate_less_what_it_already_spent(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    job = await _job(services, tmp_path)  # 3 clips × $0.40 against $5.00
    first = job.clips[0]
    model = get_model(MODEL, services.settings.current)

    def created(s) -> None:  # type: ignore[no-untyped-def]
        repo.begin_attempt(s, first.id)
        repo.mark_submitting(s, first.id, Submission("token", {}, datetime(2025, 5, 1)))
        repo.mark_created(s, first.id, "pred-a", clip_charge(model, "pred-a", "starting", duration_s=4))
    await services.db.run(created)
    money = await gen.money(job.campaign_id)
    assert (money.spent_usd, money.committed_usd, money.left_usd) == (0, pytest.approx(1.2), pytest.approx(3.8))
    paid = clip_charge(model, "pred-a", "succeeded", duration_s=4, predict_time_s=20)
    await services.db.run(lambda s: repo.mark_downloading(s, first.id, "http://example.invalid/a.mp4", paid))
    money = await gen.money(job.campaign_id)
    assert (money.spent_usd, money.committed_usd, money.left_usd) == (
        pytest.approx(0.4), pytest.approx(0.8), pytest.approx(3.8))
    await services.db.run(lambda s: repo.mark_finished(s, first.id, ClipStatus.SUCCEEDED, charge=paid,
                                                       file_path="clip-1.mp4", duration_s=4))
    money = await gen.money(job.campaign_id)
    assert (money.spent_usd, money.committed_usd) == (pytest.approx(0.4), pytest.approx(0.8))
    assert [h.describe() for h in money.holdings] == [
        f"job {job.id} holds $0.80 for 2 clips not yet made: cancel it to free it"]
    assert len(await services.money.entries(SpendQuery())) == 1  # recorded three times, one row


async def test_a_key_refused_before_any_create_frees_the_jobs_money_at_once(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2, budget=5.0)
    before = await gen.money(campaign_id)
    fake_replicate.scenario.accepted_token = "r8_some-other-token"  # the first request (the model check) gets 401
    plan = await gen.plan(campaign_id, MODEL, duration_s=4)
    job = (await gen.create_job(plan)).value
    with pytest.raises(GenerationError, match=r"refused the API token \(HTTP 401\)"):
        await gen.run_job(job.id)
    after = await gen.money(campaign_id)
    assert after == before and after.left_usd == 5.0
    stored = await gen.get_job(job.id)
    assert stored.status is JobStatus.FAILED and all(c.status is ClipStatus.FAILED for c in stored.clips)
    assert fake_replicate.create_requests == 0 and await services.money.entries(SpendQuery()) == []


async def test_a_401_on_the_first_create_frees_the_clips_money_at_once(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2, budget=5.0)
    before = await gen.money(campaign_id)
    fake_replicate.scenario.create_401 = 2  # the model check passes; both creates are refused
    plan = await gen.plan(campaign_id, MODEL, duration_s=4)
    job = (await gen.create_job(plan)).value
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.FAILED
    assert all(c.status is ClipStatus.FAILED and "refused the API token (HTTP 401)" in c.error for c in final.clips)
    assert fake_replicate.create_requests == 2 and fake_replicate.create_count == 0
    assert await gen.money(campaign_id) == before


async def test_a_job_canceled_before_submitting_frees_its_money_at_once(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3, budget=5.0)
    before = await gen.money(campaign_id)
    job = (await gen.create_job(await gen.plan(campaign_id, MODEL, duration_s=4))).value
    assert (await gen.money(campaign_id)).committed_usd == pytest.approx(1.2)
    await gen.cancel_job(job.id)
    assert await gen.money(campaign_id) == before
    assert fake_replicate.create_requests == 0


async def test_a_job_refused_over_budget_changes_nothing(services: Services, gen: GenerationService,
                                                         tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3, budget=1.0)
    before = await gen.money(campaign_id)
    plan = await gen.plan(campaign_id, MODEL, duration_s=4)  # $1.20 against $1.00
    assert plan.over_budget
    with pytest.raises(GenerationError, match=r"over budget: this job is estimated at \$1\.20 and only \$1\.00"):
        await gen.create_job(plan)
    assert await gen.money(campaign_id) == before and await gen.list_jobs() == []


async def test_double_work_on_one_job_is_still_counted_once_per_prediction(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    """Two workers on one job with the lease switched off (what the lease prevents): each prediction either made is
    paid for and in the ledger once; none is counted twice, however many workers recorded it."""
    fake_replicate.scenario.processing_s = 0.4
    job = await _job(services, tmp_path, budget=None)
    other = GenerationService(services.db, services.library, services.paths, services.settings, services.secrets)

    @contextlib.asynccontextmanager
    async def no_lease(_job_id: int) -> AsyncIterator[None]:
        yield
    for worker in (gen, other):
        worker.lease = no_lease  # type: ignore[method-assign]
    try:
        await asyncio.gather(gen.run_job(job.id), other.run_job(job.id))
    finally:
        await other.aclose()
    rows = await services.money.entries(SpendQuery())
    predictions = set(fake_replicate.predictions)
    assert len(predictions) >= 3 and {r.external_id for r in rows} == predictions and len(rows) == len(predictions)
    total = (await services.money.report(SpendQuery(GroupBy.CAMPAIGN))).total_nanos
    assert total == sum(r.amount_nanos for r in rows) == len(predictions) * 400_000_000
    final = await gen.get_job(job.id)
    assert sum(c.cost_usd for c in final.clips) == pytest.approx(final.actual_cost_usd) == pytest.approx(total / 1e9)


async def test_reconcile_corrects_what_replicate_knows_better_and_changes_nothing_the_second_time(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    job = await _job(services, tmp_path, pairs=2)
    final = await gen.run_job(job.id)
    model = get_model(MODEL, services.settings.current)
    lost, unknown = final.clips[0].prediction_id, "no-such-prediction"
    assert lost is not None
    # as if the app had stopped between the prediction's end and its recording, and a row Replicate never made
    await services.money.record(clip_charge(model, lost, "processing", duration_s=4))
    await services.db.run(lambda s: _reopen(s, lost))
    await services.money.record(clip_charge(model, unknown, "starting", duration_s=4).owned_by(
        campaign_id=job.campaign_id))
    assert (await gen.get_job(job.id)).actual_cost_usd == pytest.approx(0.4)
    seen = []
    report = await services.money.reconcile(on_correction=seen.append)
    assert report.checked == 3 and [c.prediction_id for c in report.corrections] == [lost] == [
        c.prediction_id for c in seen]
    correction = report.corrections[0]
    assert (correction.before_status, correction.after_status, correction.before_usd, correction.after_usd) == (
        "processing", "succeeded", 0, pytest.approx(0.4))
    assert report.unchecked[0][0] == unknown and "404" in report.unchecked[0][1]
    assert (await gen.get_job(job.id)).actual_cost_usd == pytest.approx(0.8)
    again = await services.money.reconcile()
    assert again.corrections == () and again.checked == 3


def _reopen(s, prediction_id: str) -> None:  # type: ignore[no-untyped-def]
    """Put a settled row back to its state before the prediction ended (what a crash leaves behind)."""
    from sqlalchemy import select

    from app.core.db.models import LedgerEntry, SpendMonth
    row = s.scalar(select(LedgerEntry).where(LedgerEntry.external_id == prediction_id))
    month = s.scalar(select(SpendMonth).where(SpendMonth.campaign_id == row.campaign_id))
    month.amount_nanos -= row.amount_nanos
    row.status, row.final, row.amount_nanos = "processing", False, 0


async def test_reconcile_without_a_usable_key_says_so(services: Services, gen: GenerationService,
                                                      fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    from app.core.money.service import MoneyError

    job = await _job(services, tmp_path, pairs=1)
    await gen.run_job(job.id)
    fake_replicate.scenario.accepted_token = "r8_some-other-token"
    with pytest.raises(MoneyError, match=r"refused the API token \(HTTP 401\)") as refused:
        await services.money.reconcile()
    assert TOKEN not in str(refused.value)
