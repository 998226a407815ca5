"""Quality control on the jobs page: each clip card's badge (✓ / ! / ✗) with its reasons on hover and in its details,
the job's QC summary, and regenerating the clips that failed QC with the estimate shown first."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus
from app.core.generation import repository as repo
from app.core.qc.levels import Verdict
from app.core.qc.verdict import Check, ClipQc, Reason
from app.ui.jobs.clip_card import ClipCard
from app.ui.jobs.job_summary import JobSummary
from app.ui.theme import Tone
from tests.ui.conftest import wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.test_jobs_page import _launch, page_env, qtbot_click  # noqa: F401

FAILED = ClipQc(Verdict.FAIL, (Reason(Check.FIRST_FRAME, Verdict.FAIL, "starts on a different picture than "
                                                                       "beach.jpg (similarity 0.21)", 0.0),
                               Reason(Check.DURATION, Verdict.WARN, "lasts 4.0 s; 5 s was ordered")))
PASSED = ClipQc(Verdict.PASS, ())


def _clip(clip_id: int, qc: ClipQc | None, status: ClipStatus = ClipStatus.SUCCEEDED) -> ClipState:
    return ClipState(id=clip_id, job_id=1, position=clip_id, first_asset_id=1, last_asset_id=2, prompt="p",
                     model_id="local", status=status, qc=qc, file_path=f"clip-{clip_id}.mp4")


def test_the_card_shows_a_badge_with_the_reasons_on_hover_and_in_its_details(qtbot) -> None:
    card = ClipCard(_clip(1, None))
    qtbot.addWidget(card)
    card.show()
    assert not card.qc_badge.isVisible() and card.note.text() == ""

    card.set_state(_clip(1, FAILED))
    assert card.qc_badge.isVisible() and card.qc_badge.text() == "✗"
    tip = card.qc_badge.toolTip()
    assert tip.startswith("QC failed:") and "starts on a different picture than beach.jpg" in tip
    assert tip.index("different picture") < tip.index("lasts 4.0 s")  # worst first
    assert card.note.tone() is Tone.ERROR
    assert card.note.text() == ("✗ starts on a different picture than beach.jpg (similarity 0.21)\n"
                                      "! lasts 4.0 s; 5 s was ordered")

    warned = ClipQc(Verdict.WARN, (FAILED.reasons[1],))
    card.set_state(_clip(1, warned))
    assert card.qc_badge.text() == "!" and card.qc_badge.toolTip().startswith("QC passed with warnings:")

    card.set_state(_clip(1, PASSED))
    assert card.qc_badge.text() == "✓" and card.qc_badge.toolTip() == "QC passed: every check passed"
    assert card.note.text() == ""


def test_the_summary_counts_verdicts_and_offers_to_regenerate_failures(qtbot) -> None:
    summary = JobSummary()
    qtbot.addWidget(summary)
    summary.show()
    clips = [_clip(i, PASSED) for i in range(1, 6)] + [_clip(6, FAILED)]
    job = JobState(id=1, campaign_id=1, model_id="local", duration_s=2.0, aspect="16:9", resolution="480p",
                   status=JobStatus.SUCCEEDED, estimate_usd=0.0, created_at=datetime.now(UTC), clips=tuple(clips))
    summary.show_job(job, clips)
    assert summary.qc_label.text() == "5 pass · 1 fail"
    assert summary.regenerate_button.isVisible() and summary.regenerate_button.isEnabled()
    asked: list[int] = []
    summary.regenerate_requested.connect(asked.append)
    qtbot_click(summary.regenerate_button)
    assert asked == [1]

    fixed = [dataclasses.replace(clips[-1], qc=PASSED), *clips[:-1]]
    summary.show_job(dataclasses.replace(job, clips=tuple(fixed)), fixed)
    assert summary.qc_label.text() == "6 pass" and not summary.regenerate_button.isVisible()
    unchecked = [_clip(1, None)]
    summary.show_job(dataclasses.replace(job, clips=tuple(unchecked)), unchecked)
    assert summary.qc_label.text() == "not checked"


async def test_the_page_shows_qc_live_and_regenerates_a_failed_clip_after_its_estimate(
        page_env, tmp_path: Path) -> None:  # noqa: F811
    services, _bridge, page = page_env
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2)
    page.set_campaign(campaign)
    job = await _launch(page, 2.0)
    first, second = sorted(job.clips, key=lambda c: c.position)
    await wait_until(lambda: all((card := page.grid.card(c.id)) is not None and card.qc_badge.text() == "✓"
                                 for c in job.clips), timeout=30)
    await wait_until(lambda: page.summary.qc_label.text() == "2 pass")
    assert not page.summary.regenerate_button.isVisible()

    # another process (or a re-check) stores a failing verdict: the card and the summary follow
    await services.generation.quality.orchestrator.commit(repo.record_qc, second.id, 1, FAILED)
    card = page.grid.card(second.id)
    assert card is not None
    await wait_until(lambda: card.qc_badge.text() == "✗")
    await wait_until(lambda: page.summary.qc_label.text() == "1 pass · 1 fail")
    await wait_until(lambda: page.summary.regenerate_button.isEnabled())

    page.list_view.customContextMenuRequested.emit(page.list_view.visualRect(page.list_model.index(0, 0)).center())
    offered = {a.text(): a.isEnabled() for a in page.context_menu.actions() if not a.isSeparator()}
    assert offered["Regenerate failed…"]
    page.context_menu.close()
    qtbot_click(page.summary.regenerate_button)
    await wait_until(lambda: page.qc_retry_dialog is not None)
    dialog = page.qc_retry_dialog
    assert dialog is not None
    assert dialog.clips_label.text() == f"clip {second.position}"
    assert dialog.estimate_label.text() == "$0.00"
    assert "Requirements: the clip must start exactly on the first image." in dialog.prompts.toPlainText()
    assert dialog.plan.model is None  # each clip's own model, until another is chosen
    dialog.model_combo.setCurrentIndex(dialog.model_combo.findData("local"))
    await wait_until(lambda: dialog.plan.model is not None and dialog.regenerate_button.isEnabled())
    assert dialog.plan.model.id == "local" and dialog.estimate_label.text() == "$0.00"
    qtbot_click(dialog.regenerate_button)
    await wait_until(lambda: card.state is not None and card.state.attempts == 2 and card.qc_badge.text() == "✓",
                     timeout=30)
    assert card.state is not None and card.state.prompt.endswith("Requirements: the clip must start exactly on "
                                                                 "the first image.")
    await wait_until(lambda: page.summary.qc_label.text() == "2 pass")
    assert page.grid.card(first.id).state.attempts == 1  # the clip that passed was left alone
