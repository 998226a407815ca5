"""A/B comparisons: the same pairs on two or three models in one launch through the real ``replicate`` client
against the fake server, the budget applied to the total, winners picked per pair, the ad made of the winners, and
each client's win statistics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Settings
from app.core.changes import Changes
from app.core.domain import ClipStatus, JobStatus, Transition
from app.core.generation import repository as repo
from app.core.generation.ab import ModelWins
from app.core.generation.errors import GenerationError
from app.core.generation.presets import all_presets, suggest_preset
from app.core.generation.service import GenerationService
from app.core.media.combine import CombineOptions
from app.core.services import Services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.generation_data import seed_campaign

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL
VEO, HAILUO, KLING = "google/veo-3.1-fast", "minimax/hailuo-02", "kwaivgi/kling-o1"


@pytest.fixture
async def gen(services: Services, fake_replicate: FakeReplicate,  # noqa: F811
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[GenerationService]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
    services.settings.update(replicate_base_url=fake_replicate.url, poll_interval_s=0.03, poll_interval_max_s=0.15)
    yield services.generation
    await services.generation.aclose()


async def test_an_ab_launch_makes_one_prediction_per_pair_and_model_and_estimates_each_share(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    plan = await gen.plan_ab(campaign_id, [VEO, HAILUO, KLING], duration_s=6)
    singles = [await gen.plan(campaign_id, m, 6) for m in (VEO, HAILUO, KLING)]
    assert [p.estimate_usd for p in plan.plans] == [p.estimate_usd for p in singles]  # each share as a lone job
    assert plan.estimate_usd == pytest.approx(sum(p.estimate_usd for p in singles))
    job = (await gen.create_ab_job(plan)).value
    assert job.estimate_usd == pytest.approx(plan.estimate_usd) and len(job.clips) == 6
    final = await gen.run_job(job.id)
    assert final.status is JobStatus.SUCCEEDED
    assert fake_replicate.create_count == 6 and not fake_replicate.duplicates()
    assert {fake_replicate.predictions[c.prediction_id].model for c in final.clips} == {VEO, HAILUO, KLING}
    state = await gen.ab_state(job.id)
    assert [(v.letter, v.model_id) for v in state.variants] == [("A", VEO), ("B", HAILUO), ("C", KLING)]
    assert [sorted(p.clips) for p in state.pairs] == [["A", "B", "C"]] * 2
    by_pair = {p.pair: {letter: c.model_id for letter, c in p.clips.items()} for p in state.pairs}
    assert by_pair[1] == by_pair[2] == {"A": VEO, "B": HAILUO, "C": KLING}
    hailuo = next(v for v in state.variants if v.model_id == HAILUO)  # each model got the values planned for it
    assert (hailuo.duration_s, hailuo.resolution) == (singles[1].duration_s, singles[1].resolution)
    sent = [fake_replicate.predictions[p.clips["B"].prediction_id] for p in state.pairs]
    assert all(p.input["duration"] == 6 for p in sent)


async def test_the_budget_applies_to_the_whole_comparison(services: Services, gen: GenerationService,
                                                          tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2, budget=3.0)
    one = await gen.plan(campaign_id, VEO, 6)
    assert not one.over_budget  # 2 × 6 s × $0.10 fits alone …
    plan = await gen.plan_ab(campaign_id, [VEO, "google/veo-3.1"], duration_s=6)
    assert plan.over_budget and "over budget" in plan.refusal()  # … not with Veo 3.1 beside it
    with pytest.raises(GenerationError, match="over budget"):
        await gen.create_ab_job(plan)
    assert await gen.list_jobs() == []
    with pytest.raises(GenerationError, match="two or three models"):
        await gen.plan_ab(campaign_id, [VEO])
    with pytest.raises(GenerationError, match="named twice"):
        await gen.plan_ab(campaign_id, [VEO, VEO])


async def test_winners_are_stored_the_ad_uses_them_and_the_client_stats_count_them(
        services: Services, gen: GenerationService, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=3)
    job = (await gen.create_ab_job(await gen.plan_ab(campaign_id, [VEO, HAILUO], duration_s=6))).value
    await gen.run_job(job.id)
    seen: list[Changes] = []
    unsubscribe = services.db.changes.subscribe(seen.append)
    picked = await gen.pick_winner(job.id, 1, "b")
    unsubscribe()
    assert [p.winner for p in picked.value.pairs] == ["B", None, None]
    assert job.id in picked.changes.jobs and campaign_id in picked.changes.job_campaigns
    assert any(job.id in c.jobs for c in seen)  # announced to open views
    await gen.pick_winner(job.id, 3, "B")
    await gen.pick_winner(job.id, 3, "A")  # a new pick replaces the old one
    state = await gen.ab_state(job.id)
    assert [(p.winner, p.used) for p in state.pairs] == [("B", "B"), (None, "A"), ("A", "A")]

    expected = [state.pairs[0].clips["B"].id, state.pairs[1].clips["A"].id, state.pairs[2].clips["A"].id]
    media = await services.db.read(lambda s: repo.media_source(s, job.id, services.paths.share))
    assert [c.id for c in media.clips] == expected
    result = await gen.combine(job.id, CombineOptions(transition=Transition.CUT))
    assert Path(result.output_path).is_file() and result.duration_s == pytest.approx(
        sum(c.duration_s or 0 for c in media.clips), abs=0.2)

    for bad, message in [((99, "A"), "there is no pair 99"), ((1, "D"), "there is no variant 'D'")]:
        with pytest.raises(GenerationError, match=message):
            await gen.pick_winner(job.id, *bad)
    client_id = (await services.library.get_campaign(campaign_id)).client_id
    stats = {w.model_id: (w.wins, w.contests) for w in await gen.win_stats(client_id)}
    assert stats == {HAILUO: (1, 2), VEO: (1, 2)}


async def test_a_variant_without_a_video_cannot_win_and_an_ordinary_job_has_no_ab_view(
        services: Services, gen: GenerationService, fake_replicate: FakeReplicate, tmp_path: Path) -> None:  # noqa: F811
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    job = (await gen.create_ab_job(await gen.plan_ab(campaign_id, [VEO, HAILUO], duration_s=6))).value
    with pytest.raises(GenerationError, match="variant A of pair 1 has no video"):
        await gen.pick_winner(job.id, 1, "A")
    plain = (await gen.create_job(await gen.plan(campaign_id, VEO, 6))).value
    assert not await gen.is_ab(plain.id) and await gen.is_ab(job.id)
    with pytest.raises(GenerationError, match="not an A/B comparison"):
        await gen.ab_state(plain.id)
    assert all(c.status is ClipStatus.PENDING for c in (await gen.get_job(job.id)).clips)


def test_the_preset_suggestion_follows_the_model_that_won_most() -> None:
    settings = Settings()
    presets = all_presets(settings)
    assert suggest_preset(presets, [], settings) is None
    assert suggest_preset(presets, [ModelWins(VEO, 0, 3)], settings) is None  # nothing won yet
    seedance = suggest_preset(presets, [ModelWins("bytedance/seedance-2.0", 7, 9), ModelWins(HAILUO, 2, 9)],
                              settings)
    assert seedance is not None and seedance.preset is None  # no preset uses it: said, not invented
    assert seedance.reason == "Seedance 2.0 won 7 of 9 pairs for this client"
    economy = suggest_preset(presets, [ModelWins(HAILUO, 1, 1)], settings)
    assert economy is not None and economy.preset is not None and economy.preset.name == "Economy"
    assert economy.reason == "Hailuo 02 won 1 of 1 pair for this client"
