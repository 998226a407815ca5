"""The Ad page: pick a job, play its clips, combine with options, cancel, play the ad, export, reveal."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtMultimedia import QVideoFrame

from app.core.domain import Transition
from app.core.media.probe import probe
from app.ui.bridge import TaskBridge
from app.ui.pages.ad_page import AdPage
from tests.helpers.combine_media import add_job, make_clip
from tests.ui.conftest import wait_signal, wait_until
from tests.ui.pages import ad_page


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def catch(self, url: QUrl) -> None:
        self.urls.append(url)


def frame_sizes(page: AdPage) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []

    def on_frame(frame: QVideoFrame) -> None:
        if frame.isValid():
            sizes.append((frame.width(), frame.height()))

    page.player.video_sink.videoFrameChanged.connect(on_frame)
    return sizes


async def open_page(qtbot, services, job_paths: list[Path], **kwargs) -> tuple[AdPage, int]:
    job_id = await add_job(services, job_paths, with_assets=True, **kwargs)
    campaign = (await services.library.list_campaigns())[0]
    page = ad_page(services, TaskBridge())
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    page.set_campaign(campaign)
    await wait_signal(page.job_loaded, timeout=10)
    return page, job_id


async def test_jobs_and_clips_are_listed_and_a_chosen_clip_plays(qtbot, services, tmp_path) -> None:
    await add_job(services, [make_clip(tmp_path / "failed.mp4")], statuses=["failed"])
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.0) for i in range(3)]
    page, job_id = await open_page(qtbot, services, files)
    assert page.job_combo.count() == 1 and page.job_combo.currentData() == job_id
    assert page.clip_list.count() == 3
    assert page.clip_list.item(0).text().startswith("1. first-0.jpg → last-0.jpg")
    assert "3 clips ready to combine" in page.status_label.text()
    assert page.combine_button.isEnabled() and not page.export_button.isEnabled()
    sizes = frame_sizes(page)
    page.clip_list.setCurrentRow(1)
    await wait_until(lambda: len(sizes) >= 3, timeout=10)
    assert page.player.source == files[1] and sizes[-1] == (320, 180)


async def test_combine_play_export_and_reveal(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.0) for i in range(2)]
    page, _job_id = await open_page(qtbot, services, files)
    form = page.options_form
    form.transition.setCurrentIndex(form.transition.findData(Transition.CROSSFADE.value))
    form.length.setValue(0.4)
    form.aspect.setCurrentIndex(form.aspect.findData("1:1"))
    assert form.length.isEnabled() and not form.volume.isEnabled()
    assert form.options().transition is Transition.CROSSFADE and form.options().aspect == "1:1"
    progress: list[float] = []
    page.combine_progress.connect(progress.append)
    sizes = frame_sizes(page)
    page.combine_button.click()
    assert not page.combine_button.isEnabled() and page.cancel_button.isEnabled()
    (result,) = await wait_signal(page.combined, timeout=30)
    await wait_signal(page.job_loaded, timeout=10)
    assert progress[0] == 0.0 and progress[-1] == 1.0 and page.progress.value() == 1000
    assert (result.width, result.height) == (180, 180) and result.transition is Transition.CROSSFADE
    assert "1.6 s" in page.status_label.text() and "encoded once" in page.status_label.text()
    await wait_until(lambda: len(sizes) >= 3, timeout=10)
    assert page.player.source == result.output_path and sizes[-1] == (180, 180)
    assert page.export_button.isEnabled() and page.combine_button.isEnabled()

    page.export_button.click()
    dialog = page.export_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "delivery" / "Spring final.mp4"
    target.parent.mkdir()
    dialog.selectFile(str(target))
    dialog.accept()
    (manifest_path,) = await wait_signal(page.exported, timeout=10)
    assert Path(manifest_path) == target.with_suffix(".json")
    assert (await probe(target)).width == 180
    manifest = json.loads(Path(manifest_path).read_text(encoding="utf-8"))
    assert manifest["joins"]["transition"] == "crossfade" and len(manifest["clips"]) == 2
    assert "Exported" in page.status_label.text()

    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "catch")
    try:
        page.reveal_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [u.toLocalFile() for u in catcher.urls] == [str(target.parent)]

    page.clip_list.setCurrentRow(0)
    assert page.player.source == files[0]
    page.play_ad_button.click()
    assert page.player.source == result.output_path and page.clip_list.currentRow() == -1


async def test_the_ad_plays_after_a_combine_though_a_change_reads_the_job_again(qtbot, services, tmp_path) -> None:
    """A change announced just after a combine reads the job again; that read must not lose "play the new ad"."""
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    sizes = frame_sizes(page)
    page.combine_button.click()
    (result,) = await wait_signal(page.combined, timeout=30)
    page.show_job(job_id)  # what a change of the job does: read the shown job again, replacing a read under way
    await wait_signal(page.job_loaded, timeout=10)
    assert page.player.source == result.output_path
    await wait_until(lambda: len(sizes) >= 3, timeout=10)


async def test_cancel_leaves_no_ad_and_says_so(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", size=(640, 360), duration=4.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    form = page.options_form
    form.transition.setCurrentIndex(form.transition.findData(Transition.FADE.value))
    seen: list[float] = []
    page.combine_progress.connect(seen.append)
    page.combine_button.click()
    await wait_until(lambda: any(f > 0 for f in seen), timeout=20)
    page.cancel_button.click()
    await wait_until(lambda: page.combine_button.isEnabled(), timeout=10)
    assert "cancelled" in page.status_label.text()
    assert not page.cancel_button.isEnabled() and not page.parts.shown
    assert not (services.paths.job_dir(job_id) / "ad.mp4").exists()


async def test_errors_show_in_the_page(qtbot, services, tmp_path) -> None:
    page, _job_id = await open_page(qtbot, services, [make_clip(tmp_path / "c.mp4"), tmp_path / "gone.mp4"])
    page.combine_button.click()
    (message,) = await wait_signal(page.error_shown, timeout=10)
    assert "clip 2 (gone.mp4) is missing" in message
    assert page.parts.last_notice() == message[:1].upper() + message[1:]
    await wait_until(lambda: page.combine_button.isEnabled())


async def test_show_job_selects_that_job(qtbot, services, tmp_path) -> None:
    page, first = await open_page(qtbot, services, [make_clip(tmp_path / "a.mp4")])
    second = await add_job(services, [make_clip(tmp_path / "b.mp4"), make_clip(tmp_path / "c.mp4")])
    page.show_job(second)
    await wait_until(lambda: page.job is not None and page.job.id == second, timeout=10)
    assert page.job_combo.currentData() == second and page.clip_list.count() == 2
    page.show_job(first)
    await wait_until(lambda: page.job is not None and page.job.id == first, timeout=10)
    assert page.clip_list.count() == 1
    page.set_campaign(None)
    assert page.job is None and page.job_combo.count() == 0 and not page.combine_button.isEnabled()


async def test_a_job_with_failed_clips_is_combined_only_when_the_user_leaves_them_out(qtbot, services,
                                                                                        tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4") for i in range(4)]
    page, job_id = await open_page(qtbot, services, files, statuses=["succeeded", "failed", "succeeded", "canceled"])
    assert page.clip_list.count() == 2
    form = page.options_form
    assert not form.skip_failed.isChecked()
    page.combine_button.click()
    (message,) = await wait_signal(page.error_shown, timeout=10)
    assert "clip 2 failed, clip 4 was canceled" in message and "Skip the clips that did not succeed" in message
    assert not (services.paths.job_dir(job_id) / "ad.mp4").exists()
    await wait_until(lambda: page.combine_button.isEnabled())

    form.skip_failed.setChecked(True)
    page.combine_button.click()
    (result,) = await wait_signal(page.combined, timeout=30)
    assert result.clip_count == 2
    skipped = (await services.generation.get_job(job_id)).output_meta["skipped"]
    assert [(c["position"], c["status"]) for c in skipped] == [(2, "failed"), (4, "canceled")]
