"""The A/B view: each pair's variants play side by side on one clock (checked through the frames' timestamps in
each QVideoSink), a winner is picked with a key or a click, the client's win statistics are shown, and the jobs
page opens the view for an A/B job."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtMultimedia import QVideoFrame

from app.core.db.models import Clip
from app.core.domain import ClipStatus
from app.core.secrets import KeyName
from app.core.services import Services
from app.ui.ab.ab_dialog import AbDialog
from app.ui.ab.sync import FRAME_MS
from app.ui.bridge import TaskBridge
from tests.helpers.combine_media import make_clip
from tests.ui.conftest import wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.pages import jobs_page, ui_parts

VEO_FAST, HAILUO, KLING = "google/veo-3.1-fast", "minimax/hailuo-02", "kwaivgi/kling-o1"
FPS = 25


@pytest.fixture
async def env(qapp, services: Services) -> AsyncIterator[tuple[Services, TaskBridge]]:
    qapp.setQuitOnLastWindowClosed(False)
    services.secrets.set(KeyName.REPLICATE, "r8_dialogtestkey000000000000000000000000")
    bridge = TaskBridge()
    yield services, bridge
    await bridge.shutdown()
    await services.generation.aclose()


async def _ab_job(services: Services, tmp_path: Path, models: list[str], pairs: int = 2) -> int:
    """An A/B job whose variants are made (real MP4 files of 25 fps, each variant its own tone of colour)."""
    gen = services.generation
    campaign, _ = await campaign_with_pairs(services, tmp_path, pairs=pairs)
    job = (await gen.create_ab_job(await gen.plan_ab(campaign.id, models, 6))).value
    files = {c.id: make_clip(tmp_path / "clips" / f"{c.id}.mp4", fps=FPS, duration=3.0, audio=False)
             for c in job.clips}

    def made(s) -> None:  # type: ignore[no-untyped-def]
        for clip in s.query(Clip).filter(Clip.job_id == job.id):
            clip.status, clip.file_path = ClipStatus.SUCCEEDED.value, str(files[clip.id])
    await services.db.run(made)
    return job.id


def _frame_times(dialog: AbDialog) -> list[list[int]]:
    """Per variant, the start time (µs) of every frame its sink shows, as it arrives."""
    times: list[list[int]] = [[] for _ in dialog.panes]
    for index, pane in enumerate(dialog.panes):
        def on_frame(frame: QVideoFrame, i: int = index) -> None:
            if frame.isValid() and frame.startTime() >= 0:
                times[i].append(frame.startTime())
        pane.player.video_sink.videoFrameChanged.connect(on_frame)
    return times


async def test_the_variants_play_pause_and_scrub_together_within_one_frame(qtbot, env, tmp_path: Path) -> None:
    services, bridge = env
    job_id = await _ab_job(services, tmp_path, [VEO_FAST, HAILUO, KLING])
    parts = ui_parts(services, None)
    dialog = AbDialog(services.generation, bridge, parts.feed, job_id)
    qtbot.addWidget(dialog)
    dialog.show()
    await wait_until(lambda: len(dialog.panes) == 3 and all(p.player.media.duration() > 0 for p in dialog.panes),
                     timeout=10)
    assert [p.player.play_button.isVisible() for p in dialog.panes] == [True, False, False]  # one set of controls
    times = _frame_times(dialog)
    master = dialog.panes[0].player
    one_frame_us = 1_000_000 // FPS

    gaps: list[int] = []

    def compare(_frame: QVideoFrame) -> None:  # at every master frame: how far the followers' frames are
        if all(times) and len(times[0]) > 5:
            gaps.append(max(abs(t[-1] - times[0][-1]) for t in times[1:]))
    master.video_sink.videoFrameChanged.connect(compare)
    qtbot.keyClick(dialog, Qt.Key.Key_Space)  # play
    await wait_until(lambda: len(gaps) >= 30, timeout=10)
    steady = sorted(gaps)[len(gaps) // 2:]  # a frame that has just arrived in one sink and not yet in another
    assert max(sorted(gaps)[: len(gaps) * 9 // 10]) <= one_frame_us, gaps
    assert steady[0] <= one_frame_us

    qtbot.keyClick(dialog, Qt.Key.Key_Space)  # pause: every variant rests on the same instant
    await wait_until(lambda: not any(p.player.is_playing() for p in dialog.panes))
    await wait_until(lambda: max(t[-1] for t in times) - min(t[-1] for t in times) <= one_frame_us, timeout=5)

    master.seek(1800)  # scrub: the followers go there too
    await wait_until(lambda: all(abs(t[-1] - 1_800_000) <= one_frame_us for t in times), timeout=5)
    assert max(abs(p.player.media.position() - 1800) for p in dialog.panes) <= FRAME_MS
    dialog.close()


async def test_a_winner_is_picked_with_a_key_or_a_click_and_the_wins_are_shown(qtbot, env, tmp_path: Path) -> None:
    services, bridge = env
    job_id = await _ab_job(services, tmp_path, [VEO_FAST, HAILUO])
    parts = ui_parts(services, None)
    dialog = AbDialog(services.generation, bridge, parts.feed, job_id)
    qtbot.addWidget(dialog)
    dialog.show()
    await wait_until(lambda: dialog.state is not None and dialog.pair_list.count() == 2)
    await wait_until(lambda: dialog.wins_label.text() == "No winners picked for this client yet.")
    assert dialog.variants_label.text() == "A: Veo 3.1 Fast (6 s, 720p)  ·  B: Hailuo 02 (6 s, 768p)"
    qtbot.keyClick(dialog, Qt.Key.Key_2)
    await wait_until(lambda: dialog.state.pairs[0].winner == "B")
    assert (await services.generation.ab_state(job_id)).pairs[0].winner == "B"
    assert dialog.pair_list.item(0).text() == "Pair 1: winner B"
    assert dialog.panes[1].title.text().endswith("★ winner")
    dialog.pair_list.setCurrentRow(1)
    qtbot.mouseClick(dialog.panes[0].pick_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: dialog.state.pairs[1].winner == "A")
    await wait_until(lambda: dialog.wins_label.text() == "Wins for this client: Veo 3.1 Fast 1 of 2 pairs; "
                                                        "Hailuo 02 1 of 2 pairs")
    await services.generation.pick_winner(job_id, 2, "B")  # a pick elsewhere (another window, the CLI) shows here
    await wait_until(lambda: dialog.pair_list.item(1).text() == "Pair 2: winner B")
    dialog.close()


async def test_the_jobs_page_opens_the_ab_view_for_an_ab_job_only(qtbot, env, tmp_path: Path) -> None:
    services, bridge = env
    job_id = await _ab_job(services, tmp_path, [VEO_FAST, HAILUO], pairs=1)
    campaign_id = (await services.generation.get_job(job_id)).campaign_id
    plain = (await services.generation.create_job(await services.generation.plan(campaign_id, VEO_FAST, 6))).value
    page = jobs_page(services, bridge)
    qtbot.addWidget(page)
    page.show()
    page.set_campaign(await services.library.get_campaign(campaign_id))
    page.show_job(plain.id)
    await wait_until(lambda: page.job is not None and page.job.id == plain.id)
    await asyncio.sleep(0.2)
    assert not page.compare_button.isVisible()
    page.show_job(job_id)
    await wait_until(lambda: page.compare_button.isVisible())
    qtbot.mouseClick(page.compare_button, Qt.MouseButton.LeftButton)
    dialog = page.ab_dialogs[job_id]
    await wait_until(lambda: dialog.pair_list.count() == 1)
    assert dialog.isVisible() and dialog.windowTitle() == f"Compare variants — job {job_id}"
    page.shutdown()
