"""The Generate dialog plans through the real generation service: snapped values, estimate, remaining budget,
refusal over budget, raising the budget, and launch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.core.domain import JobStatus
from app.core.secrets import KeyName
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.jobs.generate_dialog import GenerateDialog
from app.ui.thumbnail_loader import ThumbnailLoader
from tests.ui.conftest import wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.pages import generate_dialog


@pytest.fixture
async def env(qapp, services: Services) -> AsyncIterator[tuple[Services, TaskBridge, ThumbnailLoader]]:
    qapp.setQuitOnLastWindowClosed(False)  # closing the dialog must not stop the loop
    bridge = TaskBridge()
    loader = ThumbnailLoader(services.library.store, services.paths.thumbs, 128)
    yield services, bridge, loader
    loader.stop()
    await bridge.shutdown()
    await services.generation.aclose()


def _planned(dialog: GenerateDialog, model_id: str, **expected: object):
    def check() -> bool:
        plan = dialog.plan
        return plan is not None and plan.model.id == model_id and all(
            getattr(plan, k) == v for k, v in expected.items())
    return check


async def test_snap_estimate_budget_refusal_raise_and_launch(qtbot, env, tmp_path: Path) -> None:
    services, bridge, loader = env
    services.secrets.set(KeyName.REPLICATE, "r8_dialogtestkey000000000000000000000000")
    campaign, pairs = await campaign_with_pairs(services, tmp_path, pairs=2, budget_usd=0.5)
    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    launched = []
    dialog.launched.connect(launched.append)
    dialog.open()
    await wait_until(lambda: dialog.plan is not None and dialog.plan.model.provider == "replicate")

    dialog.select_model("minimax/hailuo-02")
    dialog.duration_spin.setValue(8)
    await wait_until(_planned(dialog, "minimax/hailuo-02", duration_s=10.0))
    assert "Hailuo 02 takes 6 or 10 s: 8 s → 10 s" in dialog.adjustments_label.text()
    assert dialog.adjustments_label.isVisible()
    assert dialog.plan_label.text() == "2 clips × 10 s with Hailuo 02, 768p, 16:9"
    assert dialog.estimate_label.text() == "Estimate: $1.60"  # 2 clips × 10 s × $0.08/s
    assert dialog.remaining_label.text() == ("Remaining budget: $0.50 (budget $0.50, spent $0.00, committed $0.00 "
                                             "by work in flight)")
    assert not dialog.launch_button.isEnabled()
    assert dialog.budget_message.isVisible() and "more than the remaining budget" in dialog.budget_message.text()
    dialog.launch()  # refused: nothing is created
    assert await services.generation.list_jobs(campaign.id) == []

    qtbot.mouseClick(dialog.raise_button, Qt.MouseButton.LeftButton)
    assert dialog.raise_row.isVisible() and dialog.budget_spin.value() == 2.0
    qtbot.mouseClick(dialog.apply_budget_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: dialog.plan is not None and not dialog.plan.over_budget)
    assert (await services.library.get_campaign(campaign.id)).budget_usd == 2.0
    assert dialog.campaign.budget_usd == 2.0
    assert dialog.remaining_label.text() == ("Remaining budget: $2.00 (budget $2.00, spent $0.00, committed $0.00 "
                                             "by work in flight)")
    assert dialog.launch_button.isEnabled() and not dialog.budget_message.isVisible()

    qtbot.mouseClick(dialog.launch_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: launched)
    job = launched[0]
    assert job.model_id == "minimax/hailuo-02" and job.duration_s == 10.0 and job.estimate_usd == 1.6
    assert job.status is JobStatus.PENDING and [c.first_asset_id for c in job.clips] == [
        p.first_asset_id for p in pairs]
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()


async def test_without_a_key_the_free_local_model_is_chosen_and_pairs_can_be_left_out(qtbot, env,
                                                                                         tmp_path: Path) -> None:
    services, bridge, loader = env
    campaign, pairs = await campaign_with_pairs(services, tmp_path, pairs=3)
    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(_planned(dialog, "local"))
    assert dialog.estimate_label.text() == "Estimate: $0.00"
    assert dialog.remaining_label.text().startswith("No budget set for this campaign")
    assert dialog.launch_button.isEnabled()
    assert dialog.pair_list.count() == 3
    await wait_until(lambda: len(loader.cache) == 4)  # both frames of every pair got their thumbnails
    assert "frame-0.png → frame-1.png" in dialog.pair_list.item(0).text()

    dialog.pair_list.item(1).setCheckState(Qt.CheckState.Unchecked)
    await wait_until(lambda: dialog.plan is not None and len(dialog.plan.pairs) == 2)
    assert [p.id for p in dialog.plan.pairs] == [pairs[0].id, pairs[2].id]
    dialog.pair_list.set_all(False)
    await wait_until(lambda: dialog.error_label.text() == "Choose at least one pair.")
    assert not dialog.launch_button.isEnabled()

    dialog.pair_list.set_all(True)
    dialog.select_model("google/veo-3.1-fast")  # a Replicate model without a key: refused before launch
    await wait_until(_planned(dialog, "google/veo-3.1-fast"))
    assert "no Replicate API token" in dialog.error_label.text()
    assert not dialog.launch_button.isEnabled()


async def test_a_campaign_without_pairs_says_where_to_make_them(qtbot, env) -> None:
    services, bridge, loader = env
    client = (await services.library.create_client("Empty Co")).value
    campaign = (await services.library.create_campaign(client.id, "Nothing yet")).value
    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.pairs_loaded)
    assert "no pairs yet" in dialog.pairs_message.text()
    await wait_until(lambda: dialog.error_label.text() == "Choose at least one pair.")
    assert not dialog.launch_button.isEnabled()


async def test_work_in_flight_shows_as_committed_and_the_refusal_names_the_job_holding_it(qtbot, env,
                                                                                        tmp_path: Path) -> None:
    services, bridge, loader = env
    services.secrets.set(KeyName.REPLICATE, "r8_dialogtestkey000000000000000000000000")
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2, budget_usd=2.0)
    plan = await services.generation.plan(campaign.id, "minimax/hailuo-02", duration_s=6)
    held = (await services.generation.create_job(plan)).value  # not run yet: it holds 2 × 6 s × $0.08
    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.plan is not None and dialog.plan.model.provider == "replicate")
    dialog.select_model("minimax/hailuo-02")
    dialog.duration_spin.setValue(10)
    await wait_until(_planned(dialog, "minimax/hailuo-02", duration_s=10.0))
    assert dialog.remaining_label.text() == ("Remaining budget: $1.04 (budget $2.00, spent $0.00, committed $0.96 "
                                             "by work in flight)")
    assert dialog.plan.over_budget and not dialog.launch_button.isEnabled()
    assert f"Job {held.id} holds $0.96 for 2 clips not yet made: cancel it to free it." \
        in dialog.budget_message.text()

    await services.generation.cancel_job(held.id)  # nothing was sent: its money is free at once
    await wait_until(lambda: dialog.plan is not None and not dialog.plan.over_budget)
    assert "committed $0.00" in dialog.remaining_label.text() and dialog.launch_button.isEnabled()
