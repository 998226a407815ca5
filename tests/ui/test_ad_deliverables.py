"""The Ad page's deliverables: the options form builds ``DeliverOptions``, a click on the picture stores a clip's
focus point, a draft preview renders (cached) and plays, and several formats export with progress and cancel."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from app.core.db.models import Clip
from app.core.domain import Transition
from app.core.media import proxies
from app.core.media.captions import Cue
from app.core.media.deliver_graph import DRAFT_SHORT_SIDE
from app.core.media.deliver_options import DeliverError
from app.core.media.probe import probe
from app.core.media.proxies import proxy_path
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.ad.page_jobs import PROXIES_TASK
from app.ui.bridge import TaskBridge
from app.ui.pages.ad_page import AdPage
from tests.helpers.combine_media import add_job, make_clip
from tests.ui.conftest import wait_signal, wait_until
from tests.ui.pages import ad_page
from tests.ui.test_ad_page import frame_sizes

MESSAGES = ["Fresh every morning", "Roasted nearby"]


async def open_page(qtbot, services, files: list[Path]) -> tuple[AdPage, int]:
    job_id = await add_job(services, files, with_assets=True)
    campaign = (await services.library.list_campaigns())[0]
    campaign = (await services.library.update_campaign(campaign.id, key_messages=MESSAGES)).value
    page = ad_page(services, TaskBridge())
    qtbot.addWidget(page)
    page.resize(1100, 800)
    page.show()
    page.set_campaign(campaign)
    await wait_signal(page.job_loaded, timeout=10)
    return page, job_id


async def test_the_form_builds_the_deliver_options(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", audio=False) for i in range(3)]
    page, _job_id = await open_page(qtbot, services, files)
    base, form = page.options_form, page.deliver_form
    base.transition.setCurrentIndex(base.transition.findData(Transition.CROSSFADE.value))
    base.length.setValue(0.4)
    await wait_until(lambda: form.estimated_length_s())  # the clips' lengths, probed off the loop
    assert form.joins.rowCount() == 2
    assert page.deliver_options().transition == ("crossfade",)  # every join as above
    second = form.joins.cellWidget(1, 0)
    second.setCurrentIndex(second.findData("wipeleft"))
    form.format_boxes["9:16"].setChecked(True)
    form.format_boxes["1:1"].setChecked(True)
    form.end_card.setChecked(True)
    form.end_card_seconds.setValue(2.0)
    form.cta.setText("Visit us")
    form.logo_bug.setChecked(True)
    form.logo_corner.setCurrentIndex(form.logo_corner.findData("bottom-left"))
    form.logo_opacity.setValue(50)
    form.loudness.setCurrentIndex(form.loudness.findData("-23"))
    form.captions.setChecked(True)
    form.length.setCurrentIndex(form.length.findData("15"))
    assert form.length_warning.isVisible()  # 3 × 1 s less two 0.4 s overlaps, plus a 2 s end card
    assert form.length_warning.text() == "Warning: the ad lasts 4.20 s instead of 15 s for a 15 s spot"

    form.fill_from_key_messages()
    assert form.supers_mode.currentData() == "table" and form.supers.rowCount() == 2
    form.supers.item(0, 2).setText("Fresh, every single morning")
    options = page.deliver_options()
    assert options.transition == ("crossfade", "wipeleft") and options.transition_s == 0.4
    assert options.formats == ("9:16", "1:1") and options.outputs == ("9:16", "1:1")
    assert (options.end_card, options.end_card_seconds, options.cta) == (True, 2.0, "Visit us")
    assert (options.logo_bug, options.logo_bug_corner, options.logo_bug_opacity) == (True, "bottom-left", 0.5)
    assert options.loudness == -23.0 and options.captions and options.length == "15" and not options.draft
    assert [c.text for c in options.supers] == ["Fresh, every single morning", "Roasted nearby"]  # type: ignore[union-attr]
    assert all(isinstance(c, Cue) and c.start_s < c.end_s for c in options.supers)  # type: ignore[union-attr]
    assert page.deliver_options(draft=True).draft

    form.supers.item(1, 0).setText("soon")
    with pytest.raises(DeliverError, match="super 2: its start and end are seconds"):
        page.deliver_options()
    form.supers_mode.setCurrentIndex(form.supers_mode.findData("none"))
    assert page.deliver_options().supers == "none"

    remembered = page.preferences.document("ad/deliver_options")  # the next start shows the same choices
    assert remembered == form.state() and remembered["formats"] == ["9:16", "1:1"] and remembered["loudness"] == "-23"
    again = DeliverablesForm()
    qtbot.addWidget(again)
    again.restore(remembered)
    assert again.state() == remembered


async def test_clicking_the_picture_stores_the_clips_focus(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(320, 180), duration=2.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    sizes = frame_sizes(page)
    page.clip_list.setCurrentRow(1)
    await wait_until(lambda: sizes and not page.player.video_sink.videoSize().isEmpty(), timeout=10)
    video = page.player.video
    scale = min(video.width() / 320, video.height() / 180)
    left, top = (video.width() - 320 * scale) / 2, (video.height() - 180 * scale) / 2
    click = QPoint(round(left + 0.25 * 320 * scale), round(top + 0.75 * 180 * scale))
    QTest.mouseClick(video, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, click)
    clip_id, point = await wait_signal(page.focus_saved, timeout=5)
    assert abs(point[0] - 0.25) < 0.02 and abs(point[1] - 0.75) < 0.02
    job = await services.generation.get_job(job_id)
    assert job.clips[1].id == clip_id and job.clips[1].focus == point and job.clips[0].focus is None
    assert "25% across, 75% down" in page.focus_label.text() and page.reset_focus_button.isEnabled()

    page.reset_focus_button.click()
    await wait_signal(page.focus_saved, timeout=5)
    assert (await services.generation.get_job(job_id)).clips[1].focus is None
    assert "keep the centre" in page.focus_label.text()


async def test_a_draft_preview_renders_once_and_plays(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(640, 360), duration=1.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    page.deliver_form.format_boxes["9:16"].setChecked(True)
    page.deliver_form.format_boxes["1:1"].setChecked(True)  # a draft previews the first ticked format
    page.deliver_form.end_card.setChecked(True)
    page.deliver_form.end_card_seconds.setValue(1.0)
    page.deliver_form.cta.setText("Order today")
    sizes = frame_sizes(page)
    page.draft_button.click()
    assert page.cancel_button.isEnabled() and not page.draft_button.isEnabled()
    (draft,) = await wait_signal(page.draft_ready, timeout=60)
    assert draft.draft and not draft.cached and draft.aspect == "9:16"
    assert draft.width == min(DRAFT_SHORT_SIDE, 360) and draft.height > draft.width
    assert abs(draft.duration_s - 3.0) < 0.2 and page.player.source == draft.video_path
    await wait_until(lambda: len(sizes) >= 3, timeout=10)
    assert sizes[-1] == (draft.width, draft.height)
    assert "Draft 9:16" in page.status_label.text()
    assert (await services.generation.get_job(job_id)).output_path is None  # a draft is not the job's ad

    await wait_until(lambda: page.draft_button.isEnabled())
    page.draft_button.click()
    (again,) = await wait_signal(page.draft_ready, timeout=30)
    assert again.cached and "unchanged since the last draft" in page.status_label.text()


async def test_showing_a_job_makes_its_large_clips_draft_proxies_in_the_background(qtbot, services,
                                                                                  tmp_path) -> None:
    files = [make_clip(tmp_path / "hd.mp4", size=(1920, 1080), duration=0.5),
             make_clip(tmp_path / "small.mp4", duration=0.5)]
    page, _job_id = await open_page(qtbot, services, files)
    folder = services.paths.previews / "proxies"
    await wait_until(lambda: folder.is_dir() and any(not p.name.startswith(".") for p in folder.iterdir())
                     and not page.bridge.is_running(PROXIES_TASK), timeout=30)
    [proxy] = list(folder.iterdir())  # the small clip needs none
    assert proxy == proxy_path(folder, files[0])


async def test_leaving_the_campaign_stops_making_draft_proxies(qtbot, services, tmp_path) -> None:
    page, _job_id = await open_page(qtbot, services, [make_clip(tmp_path / "hd.mp4", size=(1920, 1080), duration=3.0)])
    assert page.bridge.is_running(PROXIES_TASK)
    page.set_campaign(None)
    await wait_until(lambda: not page.bridge.is_running(PROXIES_TASK), timeout=10)
    folder = services.paths.previews / "proxies"
    assert not folder.is_dir() or list(folder.iterdir()) == []  # no proxy, no partial file


async def test_clips_landing_while_proxies_are_made_get_theirs_without_a_restart(qtbot, services, tmp_path,
                                                                                 monkeypatch) -> None:
    runs: list[str] = []
    real = proxies.run_ffmpeg

    async def recorded(args, **kwargs):
        runs.append(kwargs["what"])
        return await real(args, **kwargs)
    monkeypatch.setattr(proxies, "run_ffmpeg", recorded)
    page, job_id = await open_page(qtbot, services, [make_clip(tmp_path / "a.mp4", size=(1920, 1080), duration=3.0)])
    await wait_until(lambda: runs, timeout=10)  # the first clip's proxy is under way
    landed = make_clip(tmp_path / "b.mp4", size=(1920, 1080), duration=0.5)
    await services.db.run(lambda s: s.add(Clip(job_id=job_id, position=2, model_id="local", status="succeeded",
                                               file_path=str(landed), prompt="p", prediction_id="pred-late")))
    page.reload()  # what the change feed does when the clip lands
    await wait_until(lambda: len(page.job.succeeded_clips()) == 2 and len(runs) == 2  # type: ignore[union-attr]
                     and not page.bridge.is_running(PROXIES_TASK), timeout=30)
    assert runs == ["making the draft proxy of a.mp4", "making the draft proxy of b.mp4"]  # a.mp4's not restarted
    assert len([p for p in (services.paths.previews / "proxies").iterdir()]) == 2


async def test_formats_export_with_progress_and_cancel(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(320, 180), duration=1.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    page.deliver_form.format_boxes["16:9"].setChecked(True)
    page.deliver_form.format_boxes["1:1"].setChecked(True)
    progress: list[float] = []
    page.combine_progress.connect(progress.append)
    page.deliver_button.click()
    assert page.deliver_dialog is not None and page.deliver_dialog.isVisible()
    page.deliver_dialog.reject()
    folder = tmp_path / "out"
    page.deliver_to(folder)
    (results,) = await wait_signal(page.delivered, timeout=60)
    assert [r.aspect for r in results] == ["16:9", "1:1"] and progress[-1] == 1.0
    assert progress == sorted(progress) and len(progress) > 2
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"Spring-{slug}.{ext}" for slug in ("16x9", "1x1") for ext in ("json", "mp4", "srt"))
    manifest = json.loads((folder / "Spring-1x1.json").read_text(encoding="utf-8"))
    assert [s["text"] for s in manifest["supers"]] == MESSAGES  # the key messages by default
    assert (await probe(folder / "Spring-1x1.mp4")).width == 180
    await wait_until(lambda: "Formats: Spring-16x9.mp4, Spring-1x1.mp4" in page.status_label.text())
    job = await services.generation.get_job(job_id)
    assert job.output_path == str(folder / "Spring-16x9.mp4")

    long_files = [make_clip(tmp_path / f"long{i}.mp4", size=(640, 360), duration=4.0) for i in range(2)]
    other = await add_job(services, long_files)
    page.show_job(other)
    await wait_until(lambda: page.job is not None and page.job.id == other, timeout=10)
    seen: list[float] = []
    page.combine_progress.connect(seen.append)
    cancelled = tmp_path / "cancelled"
    page.deliver_to(cancelled)
    await wait_until(lambda: any(f > 0 for f in seen), timeout=30)
    page.cancel_button.click()
    await wait_until(lambda: page.deliver_button.isEnabled(), timeout=10)
    assert "cancelled" in page.status_label.text()
    page._show_job(page.job)  # what a re-read of the job does when the change feed reports its row changed
    assert "cancelled" in page.status_label.text()  # the outcome of the action is not wiped by the re-read
    assert not any(cancelled.glob("*.mp4")) and not any(cancelled.glob("*.json"))
    assert (await services.generation.get_job(other)).output_path is None
