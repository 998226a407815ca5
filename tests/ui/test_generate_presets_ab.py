"""The Generate dialog's presets and A/B comparison: each preset's cost for the campaign's chosen pairs shown before
the choice (and equal to the plan it makes), the default suggested by the client's A/B winners, and an A/B launch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.db.models import Clip
from app.core.domain import ClipStatus
from app.core.generation.presets import Preset, save_preset
from app.core.secrets import KeyName
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.jobs.format import usd
from app.ui.thumbnail_loader import ThumbnailLoader
from tests.ui.conftest import wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.pages import generate_dialog

VEO_FAST, HAILUO = "google/veo-3.1-fast", "minimax/hailuo-02"


@pytest.fixture
async def env(qapp, services: Services) -> AsyncIterator[tuple[Services, TaskBridge, ThumbnailLoader]]:
    qapp.setQuitOnLastWindowClosed(False)
    services.secrets.set(KeyName.REPLICATE, "r8_dialogtestkey000000000000000000000000")
    bridge = TaskBridge()
    loader = ThumbnailLoader(services.library.store, services.paths.thumbs, 128)
    yield services, bridge, loader
    loader.stop()
    await bridge.shutdown()
    await services.generation.aclose()


def _preset_texts(dialog) -> list[str]:
    return [dialog.preset_combo.itemText(i) for i in range(dialog.preset_combo.count())]


async def test_each_preset_shows_its_cost_for_the_chosen_pairs_and_plans_exactly_that(qtbot, env,
                                                                                      tmp_path: Path) -> None:
    services, bridge, loader = env
    save_preset(services.settings, Preset("Long Hailuo", HAILUO, None, 10.0, "fade"))
    campaign, _ = await campaign_with_pairs(services, tmp_path, pairs=3)
    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: len(dialog.preset_estimates) == 4 and dialog.plan is not None)
    assert _preset_texts(dialog) == ["Custom", "Economy — $1.44 for 3 pairs", "Balanced — $1.80 for 3 pairs",
                                     "Premium — $4.80 for 3 pairs", "Long Hailuo — $2.40 for 3 pairs"]
    for name in ("Economy", "Balanced", "Premium", "Long Hailuo"):
        dialog.select_preset(name)
        preset = next(e.preset for e in dialog.preset_estimates if e.preset.name == name)
        await wait_until(lambda p=preset: dialog.plan is not None and dialog.plan.model.id == p.model_id
                         and dialog.plan.duration_s == (p.duration_s or dialog.plan.model.default_duration))
        assert dialog.plan.estimate_usd == dialog.preset_cost(name), name
        assert dialog.preset_combo.currentText().startswith(f"{name} — {usd(dialog.plan.estimate_usd)}")
        assert dialog.transition == preset.transition
    dialog.pair_list.item(0).setCheckState(Qt.CheckState.Unchecked)  # the costs follow the pairs chosen
    await wait_until(lambda: "Premium — $3.20 for 2 pairs" in _preset_texts(dialog))
    dialog.duration_spin.setValue(4)  # a value changed by hand leaves the preset
    assert dialog.preset_combo.currentIndex() == 0 and dialog.transition == "cut"


async def test_the_clients_ab_winners_suggest_the_default_and_an_ab_launch_makes_every_variant(
        qtbot, env, tmp_path: Path) -> None:
    services, bridge, loader = env
    gen = services.generation
    campaign, _ = await campaign_with_pairs(services, tmp_path, pairs=2)
    earlier = (await gen.create_ab_job(await gen.plan_ab(campaign.id, [VEO_FAST, HAILUO], 6))).value

    def made(s) -> None:  # type: ignore[no-untyped-def]
        for clip in s.query(Clip).filter(Clip.job_id == earlier.id):
            clip.status, clip.file_path = ClipStatus.SUCCEEDED.value, f"jobs/{earlier.id}/clips/{clip.id}.mp4"
    await services.db.run(made)
    for pair in (1, 2):
        await gen.pick_winner(earlier.id, pair, "B")

    dialog = generate_dialog(services, bridge, campaign, loader)
    qtbot.addWidget(dialog)
    launched = []
    dialog.launched.connect(launched.append)
    dialog.open()
    await wait_until(lambda: dialog.suggestion_label.isVisible() and dialog.plan is not None
                     and dialog.plan.model.id == HAILUO)
    assert dialog.suggestion_label.text() == "Suggested: Economy — Hailuo 02 won 2 of 2 pairs for this client."
    assert dialog.preset_combo.currentData() == "Economy"

    dialog.ab_check.setChecked(True)
    dialog.ab_combos[0].setCurrentIndex(dialog.ab_combos[0].findData(VEO_FAST))
    await wait_until(lambda: dialog.ab_plan is not None and len(dialog.ab_plan.plans) == 2)
    shares = [p.estimate_usd for p in dialog.ab_plan.plans]
    assert dialog.estimate_label.text() == f"Estimate: {usd(sum(shares))} in all"
    assert dialog.plan_label.text().splitlines()[1].startswith("B: 2 clips × 6 s with Veo 3.1 Fast")
    dialog.launch()
    await wait_until(lambda: launched)
    state = await gen.ab_state(launched[0].id)
    assert [(v.letter, v.model_id) for v in state.variants] == [("A", HAILUO), ("B", VEO_FAST)]
    assert len(launched[0].clips) == 4 and launched[0].transition.value == "cut"
