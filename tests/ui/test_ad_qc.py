"""The Ad page warns before combining a clip that failed quality control, and combines only when told to."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from app.core.generation import repository as repo
from app.core.qc.levels import Verdict
from app.core.qc.verdict import Check, ClipQc, Reason
from tests.helpers.combine_media import make_clip
from tests.ui.conftest import wait_signal, wait_until
from tests.ui.test_ad_page import open_page

FAILED = ClipQc(Verdict.FAIL, (Reason(Check.BLACK, Verdict.FAIL, "the whole clip is black (1.0 s)", 0.0),))


async def test_combining_a_clip_that_failed_qc_asks_first(qtbot, services, tmp_path) -> None:
    files = [make_clip(tmp_path / f"c{i}.mp4", duration=1.0) for i in range(2)]
    page, job_id = await open_page(qtbot, services, files)
    clip = (await services.generation.get_job(job_id)).clips[1]
    await services.db.run(lambda s: repo.record_qc(s, clip.id, clip.attempts, FAILED))
    page._load_job(job_id)
    await wait_until(lambda: page.job is not None and page.job.clips[1].qc is not None)
    assert "the whole clip is black" in page.clip_list.item(1).toolTip()

    page.combine_button.click()
    box = page.qc_question
    assert box is not None and box.isVisible()
    assert "Clip 2 failed quality control" in box.text() and "the whole clip is black" in box.informativeText()
    assert not services.generation.paths.job_dir(job_id).joinpath("ad.mp4").exists()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert not page.bridge.is_running(f"combine-{job_id}")

    page.combine_button.click()
    box = page.qc_question
    assert box is not None
    anyway = next(b for b in box.buttons() if b.text() == "Combine anyway")
    anyway.click()
    result = await wait_signal(page.combined, timeout=30)
    assert result is not None
