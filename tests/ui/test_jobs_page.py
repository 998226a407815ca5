"""The jobs page: jobs list model, job summary, and the whole page driving real jobs of the local model."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.jobs.job_summary import JobSummary
from app.ui.jobs.jobs_list import COL_CLIPS, COL_COST, COL_STATUS, JOB_ID_ROLE, JobsListModel
from app.ui.jobs.retry_dialog import RetryDialog
from app.ui.pages.jobs_page import JobsPage
from tests.ui.conftest import wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.pages import jobs_page


def _clip(clip_id: int, job_id: int, status: ClipStatus, cost: float = 0.0) -> ClipState:
    return ClipState(id=clip_id, job_id=job_id, position=clip_id % 10, first_asset_id=1, last_asset_id=2,
                     prompt="p", model_id="minimax/hailuo-02", status=status, cost_usd=cost)


def _job(job_id: int, created: datetime, status: JobStatus = JobStatus.RUNNING, clips=(), **more) -> JobState:
    return JobState(id=job_id, campaign_id=1, model_id="minimax/hailuo-02", duration_s=6.0, aspect="16:9",
                    resolution="768p", status=status, estimate_usd=1.44, created_at=created, clips=tuple(clips),
                    **more)


def test_jobs_list_model_is_newest_first_and_counts_clips(qtmodeltester) -> None:
    model = JobsListModel()
    older = _job(1, datetime(2025, 1, 1), JobStatus.SUCCEEDED,
                 [_clip(11, 1, ClipStatus.SUCCEEDED, 0.48), _clip(12, 1, ClipStatus.FAILED)], actual_cost_usd=0.48)
    newer = _job(2, datetime(2025, 2, 1), clips=[_clip(21, 2, ClipStatus.RUNNING), _clip(22, 2, ClipStatus.PENDING)])
    model.set_jobs([older, newer])
    qtmodeltester.check(model)
    assert model.job_ids() == [2, 1]
    assert model.index(1, COL_CLIPS).data() == "1/2" and model.index(1, COL_COST).data() == "$0.48"
    assert model.index(0, COL_STATUS).data() == "Running"

    model.update_clip(_clip(21, 2, ClipStatus.SUCCEEDED, 0.48))
    assert model.index(0, COL_CLIPS).data() == "1/2" and model.index(0, COL_COST).data() == "$0.48"
    model.upsert_job(_job(3, datetime(2025, 3, 1), JobStatus.PENDING))
    model.upsert_job(dataclasses.replace(newer, status=JobStatus.CANCELED, clips=()))  # clip counts are kept
    assert model.job_ids() == [3, 2, 1]
    assert model.index(1, COL_STATUS).data() == "1 of 2 done · 1 canceled" and model.index(1, COL_CLIPS).data() == "1/2"
    assert model.index(0, 0).data(JOB_ID_ROLE) == 3
    model.remove_job(2)
    assert model.job_ids() == [3, 1]
    model.update_clip(_clip(99, 42, ClipStatus.SUCCEEDED))  # a job not listed: ignored
    qtmodeltester.check(model)


def test_summary_counts_clips_by_status_and_cost_against_the_estimate(qtbot) -> None:
    summary = JobSummary()
    qtbot.addWidget(summary)
    clips = [_clip(1, 5, ClipStatus.SUCCEEDED, 0.48), _clip(2, 5, ClipStatus.SUCCEEDED, 0.48),
             _clip(3, 5, ClipStatus.RUNNING), _clip(4, 5, ClipStatus.FAILED)]
    summary.show_job(_job(5, datetime(2025, 1, 1)), clips, driving=True)
    assert summary.counts_label.text() == "2 of 4 done  (1 generating, 1 failed)"
    assert summary.cost_label.text() == "$0.96 so far of $1.44 estimated"
    assert summary.cancel_button.isEnabled() and summary.combine_button.isEnabled()
    assert not summary.resume_button.isEnabled() and not summary.delete_button.isEnabled()
    combined: list[int] = []
    summary.combine_requested.connect(combined.append)
    qtbot.mouseClick(summary.combine_button, Qt.MouseButton.LeftButton)
    assert combined == [5]

    interrupted = [_clip(1, 5, ClipStatus.SUCCEEDED, 0.48), _clip(3, 5, ClipStatus.INTERRUPTED)]
    summary.show_job(_job(5, datetime(2025, 1, 1), JobStatus.INTERRUPTED), interrupted, driving=False)
    assert summary.resume_button.isEnabled() and summary.delete_button.isEnabled()
    summary.show_job(None, ())
    assert not summary.cancel_button.isEnabled() and summary.title.text() == "No job selected"


def test_summary_shows_working_time_not_the_time_since_the_job_was_created(qtbot) -> None:
    summary = JobSummary()
    qtbot.addWidget(summary)
    created = datetime(2025, 1, 1, 9, 0)  # days ago: the app was closed most of that time
    now = datetime(2025, 1, 3, 12, 0, tzinfo=UTC)
    interrupted = _job(5, created, JobStatus.INTERRUPTED, working_s=42.0)
    summary.show_job(interrupted, [_clip(3, 5, ClipStatus.INTERRUPTED)], driving=False)
    summary.tick(now)
    assert summary.elapsed_label.text() == "0:42"
    summary.tick(now + timedelta(minutes=10))  # interrupted: nothing runs, nothing counts
    assert summary.elapsed_label.text() == "0:42"
    resumed = dataclasses.replace(interrupted, status=JobStatus.RUNNING, working_since=now.replace(tzinfo=None))
    summary.show_job(resumed, [_clip(3, 5, ClipStatus.RUNNING)], driving=True)
    summary.tick(now + timedelta(seconds=18))
    assert summary.elapsed_label.text() == "1:00"
    summary.show_job(_job(6, created, JobStatus.PENDING), [_clip(4, 6, ClipStatus.PENDING)])
    assert summary.elapsed_label.text() == "—"  # never worked


# ---- the page against the real generation service and the offline local model ---------------------------------

@pytest.fixture
async def page_env(qapp, services: Services) -> AsyncIterator[tuple[Services, TaskBridge, JobsPage]]:
    qapp.setQuitOnLastWindowClosed(False)  # closing a dialog must not stop the loop
    bridge = TaskBridge()
    page = jobs_page(services, bridge)
    page.resize(1200, 800)
    page.show()
    yield services, bridge, page
    await bridge.shutdown()
    await services.generation.aclose()
    page.shutdown()
    page.close()
    page.deleteLater()


async def _launch(page: JobsPage, duration_s: float, resolution: str = "480p") -> JobState:
    """Launch a local job through the Generate dialog as a user would; returns the job shown."""
    dialog = page.open_generate_dialog()
    assert dialog is not None
    await wait_until(lambda: dialog.plan is not None and dialog.plan.model.id == "local")
    dialog.resolution_combo.setCurrentText(resolution)
    dialog.duration_spin.setValue(duration_s)
    await wait_until(lambda: dialog.plan is not None and dialog.plan.duration_s == duration_s
                     and dialog.plan.resolution == resolution)
    qtbot_click(dialog.launch_button)
    await wait_until(lambda: page.job is not None and page.generate_dialog is None)
    assert page.job is not None
    return page.job


def qtbot_click(button) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def _card_status(page: JobsPage, clip_id: int) -> ClipStatus | None:
    card = page.grid.card(clip_id)
    return card.state.status if card and card.state else None


async def test_a_job_runs_with_live_cards_and_a_notice_when_it_ends(page_env, tmp_path: Path) -> None:
    services, bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=3)
    page.set_campaign(campaign)
    raw: list[ClipState] = []
    unsubscribe = services.generation.subscribe(lambda s: isinstance(s, ClipState) and raw.append(s))
    delivered: list[ClipState] = []
    page.events.clip_changed.connect(delivered.append)

    job = await _launch(page, 2.0)
    assert len(page.grid) == 3 and page.list_model.job_ids() == [job.id]
    assert bridge.is_running(f"job-{job.id}")
    await wait_until(lambda: any(_card_status(page, c.id) is ClipStatus.RUNNING for c in job.clips), timeout=10)
    await wait_until(lambda: page.list_model.index(0, COL_STATUS).data() == "Finished", timeout=30)
    unsubscribe()

    for clip in job.clips:
        card = page.grid.card(clip.id)
        assert card is not None and card.state is not None
        assert card.state.status is ClipStatus.SUCCEEDED and card.progress.value() == card.progress.maximum()
        assert card.elapsed_label.text() != "—" and not card.cancel_button.isVisible()
        assert card.open_button.isVisible() and Path(card.state.file_path).is_file()
        await wait_until(lambda card=card: card.frame_shown(0) and card.frame_shown(1))
        statuses = [s.status for s in delivered if s.id == clip.id]
        assert ClipStatus.RUNNING in statuses and statuses[-1] is ClipStatus.SUCCEEDED
        assert [s for s in raw if s.id == clip.id][-1] == [s for s in delivered if s.id == clip.id][-1]
    assert len(delivered) <= len(raw)  # bursts are coalesced, the final states all arrive
    assert page.list_model.index(0, COL_CLIPS).data() == "3/3"
    assert page.summary.counts_label.text() == "3 of 3 done"
    await wait_until(lambda: page.parts.last_notice() == f"Job {job.id} finished: 3 of 3 clips done.")
    combined: list[int] = []
    page.combine_requested.connect(combined.append)
    qtbot_click(page.summary.combine_button)
    assert combined == [job.id]

    frames: list[tuple[int, int]] = []
    card = page.grid.card(job.clips[0].id)
    assert card is not None
    qtbot_click(card.open_button)
    assert page.preview is not None and page.preview.isVisible()
    page.preview.player.video_sink.videoFrameChanged.connect(
        lambda frame: frame.isValid() and frames.append((frame.width(), frame.height())))
    await wait_until(lambda: len(frames) >= 3, timeout=10)
    assert frames[-1] == (854, 480)  # the clip rendered at 480p, 16:9
    page.preview.close()
    assert page.preview.player.source is None


@pytest.mark.slow
async def test_cancel_a_running_clip_then_retry_it_with_a_new_prompt(page_env, tmp_path: Path) -> None:
    services, _bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2)
    page.set_campaign(campaign)
    job = await _launch(page, 6.0)
    first, second = (c.id for c in sorted(job.clips, key=lambda c: c.position))
    await wait_until(lambda: _card_status(page, first) is ClipStatus.RUNNING, timeout=15)
    card = page.grid.card(first)
    assert card is not None and card.cancel_button.isVisible()
    qtbot_click(card.cancel_button)
    await wait_until(lambda: _card_status(page, first) is ClipStatus.CANCELED, timeout=15)
    assert card.retry_button.isVisible() and not card.cancel_button.isVisible()
    await wait_until(lambda: _card_status(page, second) is ClipStatus.SUCCEEDED, timeout=30)  # the other goes on
    await wait_until(lambda: page.parts.last_notice() == f"Job {job.id} was canceled: 1 of 2 clips done.")

    qtbot_click(card.retry_button)
    dialog = page.retry_dialogs[first]
    assert dialog.isVisible() and dialog.prompt_edit.toPlainText() == "Slow pan from shot 0 to 1"
    dialog.prompt_edit.setPlainText("A slower push-in, then the cut")
    qtbot_click(dialog.retry_button)
    await wait_until(lambda: _card_status(page, first) is ClipStatus.SUCCEEDED, timeout=30)
    assert card.state is not None and card.state.attempts == 2 and card.state.prompt == "A slower push-in, then the cut"
    assert card.status_label.text() == "Done · attempt 2"
    await wait_until(lambda: page.parts.last_notice() == f"Job {job.id} finished: 2 of 2 clips done.")
    await wait_until(lambda: page.summary.counts_label.text() == "2 of 2 done")
    assert page.list_model.index(0, COL_STATUS).data() == "Finished"


async def test_cancel_job_cancels_every_waiting_clip(page_env, tmp_path: Path) -> None:
    services, _bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2)
    generation = services.generation
    job = (await generation.create_job(await generation.plan(campaign.id, "local", 2.0, resolution="480p"))).value
    page.set_campaign(campaign)
    await wait_until(lambda: page.job is not None and page.job.id == job.id and len(page.grid) == 2)
    assert page.summary.cancel_button.isEnabled()
    qtbot_click(page.summary.cancel_button)
    await wait_until(lambda: all(_card_status(page, c.id) is ClipStatus.CANCELED for c in job.clips))
    await wait_until(lambda: page.list_model.index(0, COL_STATUS).data() == "Canceled")
    await wait_until(lambda: page.parts.last_notice() == f"Job {job.id} was canceled: 0 of 2 clips done.")
    assert all(card.retry_button.isVisible() for card in page.grid.cards())


async def test_a_job_interrupted_by_closing_the_app_is_shown_interrupted_and_resumes(page_env,
                                                                                        tmp_path: Path) -> None:
    services, _bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=1)
    generation = services.generation
    job = (await generation.create_job(await generation.plan(campaign.id, "local", 6.0, resolution="480p"))).value
    running = asyncio.ensure_future(generation.run_job(job.id))
    clip_id = job.clips[0].id
    states: list[ClipState] = []
    unsubscribe = generation.subscribe(lambda s: isinstance(s, ClipState) and states.append(s))
    await wait_until(lambda: any(s.status is ClipStatus.RUNNING for s in states), timeout=15)
    unsubscribe()
    await generation.aclose()  # the app closes mid-job: tracking stops, the clip stays "running" on record
    assert running.cancelled() or running.done()

    page.set_campaign(campaign)
    await wait_until(lambda: _card_status(page, clip_id) is ClipStatus.RUNNING)
    assert [j.status for j in await generation.mark_interrupted()] == [JobStatus.INTERRUPTED]  # the next start
    await wait_until(lambda: _card_status(page, clip_id) is ClipStatus.INTERRUPTED)
    await wait_until(lambda: page.summary.resume_button.isEnabled())
    assert page.list_model.index(0, COL_STATUS).data() == "Interrupted"
    qtbot_click(page.summary.resume_button)
    await wait_until(lambda: page.parts.last_notice() == f"Job {job.id} finished: 1 of 1 clips done.", timeout=30)
    assert _card_status(page, clip_id) is ClipStatus.SUCCEEDED


async def test_history_resume_and_delete(page_env, tmp_path: Path) -> None:
    services, bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=1)
    generation = services.generation
    older = (await generation.create_job(await generation.plan(campaign.id, "local", 2.0, resolution="480p"))).value
    newer = (await generation.create_job(await generation.plan(campaign.id, "local", 3.0, resolution="480p"))).value
    page.set_campaign(campaign)
    await wait_until(lambda: page.job is not None and page.job.id == newer.id)
    assert page.list_model.job_ids() == [newer.id, older.id]

    page.list_view.select_job(older.id)
    await wait_until(lambda: page.job is not None and page.job.id == older.id)
    assert page.summary.resume_button.isEnabled()  # never run here: its clip is still waiting
    qtbot_click(page.summary.resume_button)
    assert bridge.is_running(f"job-{older.id}")
    await wait_until(lambda: page.list_model.index(1, COL_STATUS).data() == "Finished", timeout=30)
    await wait_until(lambda: page.parts.last_notice() == f"Job {older.id} finished: 1 of 1 clips done.")
    await wait_until(lambda: not bridge.is_running(f"job-{older.id}") and page.summary.delete_button.isEnabled())
    assert not page.summary.resume_button.isEnabled()

    qtbot_click(page.summary.delete_button)
    box = page.findChild(QMessageBox)
    assert box is not None and box.isVisible()
    qtbot_click(box.button(QMessageBox.StandardButton.Yes))
    await wait_until(lambda: page.list_model.job_ids() == [newer.id])
    await wait_until(lambda: page.job is not None and page.job.id == newer.id)
    assert not services.paths.job_dir(older.id).exists()
    assert [j.id for j in await generation.list_jobs(campaign.id)] == [newer.id]
    await asyncio.sleep(0.2)  # late states of the deleted job (its last refresh) do not bring it back
    assert page.list_model.job_ids() == [newer.id]


async def test_retry_dialog_offers_other_models_and_needs_a_prompt_where_the_model_does(qtbot, services) -> None:
    clip = _clip(4, 9, ClipStatus.FAILED)
    clip = dataclasses.replace(clip, model_id="local", prompt="", error="the local render failed")
    dialog = RetryDialog(clip, services.generation.models())
    qtbot.addWidget(dialog)
    chosen: list[tuple] = []
    dialog.retry_chosen.connect(lambda *args: chosen.append(args))
    dialog.open()
    assert dialog.last_error.isVisible() and dialog.model_combo.currentData() == "local"
    dialog.model_combo.setCurrentIndex(dialog.model_combo.findData("minimax/hailuo-02"))
    qtbot_click(dialog.retry_button)
    assert chosen == [] and "needs a prompt" in dialog.message.text()
    dialog.prompt_edit.setPlainText("Dolly in")
    qtbot_click(dialog.retry_button)
    assert chosen == [(4, "minimax/hailuo-02", "Dolly in")] and not dialog.isVisible()
