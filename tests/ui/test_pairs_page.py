"""The pair editor on a real qasync loop: every edit is saved and survives reopening; suggest runs in the page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication

from app.core.domain import AssetInfo, PairingProgress, PairSource, PairSuggestion
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.notices import Level
from app.ui.pages.pairs_page import PairsPage
from app.ui.pairs.delegate import PromptEditor
from app.ui.pairs.model import FIRST_ASSET_ROLE, PAIR_ROLE, PairListModel
from tests.fakes.xai_server import API_KEY, FakeXai, good, hang, pair, pairs, rewrite
from tests.fakes.xai_server import xai_server as xai_server  # the fixture
from tests.helpers.pairing_data import PairingCampaign, make_campaign
from tests.ui.conftest import wait_until
from tests.ui.pages import pairs_page


@pytest.fixture
async def bridge() -> AsyncIterator[TaskBridge]:
    tasks = TaskBridge()
    yield tasks
    await tasks.shutdown()


@pytest.fixture
def grok_env(xai_server: FakeXai, monkeypatch: pytest.MonkeyPatch) -> FakeXai:
    monkeypatch.setenv("XAI_API_KEY", API_KEY)
    monkeypatch.setenv("XAI_BASE_URL", xai_server.base_url)
    return xai_server


def open_page(qtbot, services: Services, bridge: TaskBridge) -> PairsPage:
    page = pairs_page(services, bridge)
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    return page


async def settled(bridge: TaskBridge) -> None:
    await wait_until(lambda: not bridge.running_names(), timeout=10)


async def shown(page: PairsPage, data: PairingCampaign, rows: int) -> None:
    page.set_campaign(data.campaign)
    await wait_until(lambda: page.model.rowCount() == rows and page.assets, timeout=10)


def links(items: list[PairSuggestion]) -> list[tuple[int, int]]:
    return [(p.first_asset_id, p.last_asset_id) for p in items]


async def assert_saved(page: PairsPage, services: Services, data: PairingCampaign) -> list[PairSuggestion]:
    await settled(page.bridge)
    stored = await services.pairing.list_pairs(data.campaign.id)
    assert stored == page.model.pairs()
    assert all(p.id is not None for p in page.model.pairs())
    return stored


def test_the_pair_model_passes_the_model_tester(qtmodeltester) -> None:
    assets = [AssetInfo(i, 1, f"{i:064x}", f"img-{i}.jpg", "", "jpeg", 320, 180, 100) for i in range(1, 6)]
    model = PairListModel()
    model.set_pairs([PairSuggestion(1, 2, 0.9, "r", "p1", PairSource.GROK, 0, 10),
                     PairSuggestion(3, 4, 0.5, "r", "p2", PairSource.LOCAL, 1, 11),
                     PairSuggestion(5, 1, 1.0, "", "", PairSource.MANUAL, 2, 12)], assets)
    qtmodeltester.check(model)
    edits: list[bool] = []
    model.edited.connect(lambda: edits.append(True))
    assert model.moveRow(QModelIndex(), 0, QModelIndex(), 3)
    assert not model.moveRow(QModelIndex(), 1, QModelIndex(), 2)  # onto itself
    model.swap(0)
    model.setData(model.index(1), "  a   new prompt ")
    model.add(PairSuggestion(2, 5, 1.0, "", "p", PairSource.MANUAL))
    model.remove(0)
    assert links(model.pairs()) == [(5, 1), (1, 2), (2, 5)]
    assert model.pairs()[0].prompt == "a new prompt" and [p.position for p in model.pairs()] == [0, 1, 2]
    assert model.index(0).data(FIRST_ASSET_ROLE).original_name == "img-5.jpg"
    assert model.index(0).data() == "img-5.jpg → img-1.jpg · manual"
    assert model.index(1).data() == "img-1.jpg → img-2.jpg · 0.90 · Grok"
    assert len(edits) == 5


async def test_every_edit_is_saved_and_survives_reopening(qtbot, services: Services, bridge: TaskBridge,
                                                          tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 8)
    await services.pairing.suggest(data.campaign.id, pairer="local", count=4)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 4)
    original = page.model.pairs()

    page.select_row(0)
    page.down_action.trigger()  # Move down
    assert links(await assert_saved(page, services, data)) == links([original[1], original[0], *original[2:]])
    assert page.current_row() == 1

    assert page.model.moveRow(QModelIndex(), 3, QModelIndex(), 0)  # what the view does for a drag
    order = links(await assert_saved(page, services, data))
    assert order[0] == links([original[3]])[0]

    page.select_row(1)
    page.remove_action.trigger()
    stored = await assert_saved(page, services, data)
    assert len(stored) == 3 and order[1] not in links(stored)

    page.select_row(0)
    page.swap_action.trigger()
    swapped = await assert_saved(page, services, data)
    assert links(swapped)[0] == (stored[0].last_asset_id, stored[0].first_asset_id)

    page.select_row(2)
    page.edit_action.trigger()
    editor = page.view.findChild(PromptEditor)
    assert editor is not None
    editor.setPlainText("Slow drift across the bay at golden hour.")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    edited = await assert_saved(page, services, data)
    assert edited[2].prompt == "Slow drift across the bay at golden hour."

    page.open_picker()
    picker = page.picker
    assert picker is not None and picker.isVisible() and not picker.isModal()
    picker.choose(data.ids[6], data.ids[7])
    qtbot.mouseClick(picker.add_button, Qt.MouseButton.LeftButton)
    added = await assert_saved(page, services, data)
    assert links(added)[-1] == (data.ids[6], data.ids[7]) and added[-1].source is PairSource.MANUAL
    assert added[-1].prompt and page.current_row() == 3
    page.shutdown()  # what the window does when it closes
    assert not picker.isVisible()

    reopened = open_page(qtbot, services, bridge)
    await shown(reopened, data, 4)
    assert reopened.model.pairs() == added
    assert reopened.view.model().index(3).data(PAIR_ROLE).source is PairSource.MANUAL


async def test_a_reload_that_overtakes_a_save_converges_on_what_is_stored(
        qtbot, services: Services, bridge: TaskBridge, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 4)
    await services.pairing.suggest(data.campaign.id, pairer="local", count=2)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 2)
    before = page.model.pairs()
    page.select_row(0)
    page.swap_action.trigger()
    page.model.set_pairs(before)  # an older reload's answer lands before the save's
    stored = await assert_saved(page, services, data)
    assert links(stored)[0] == (before[0].last_asset_id, before[0].first_asset_id)


async def test_local_suggestions_show_progress_and_results_in_the_page(qtbot, services: Services,
                                                                      bridge: TaskBridge, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 0)
    assert page.empty_label.isVisible() and not page.view.isVisible()
    assert page.pairer_combo.currentData() == "local"  # no key: the local pairer is preselected
    progress: list[PairingProgress] = []
    page.progress_changed.connect(progress.append)
    page.count_spin.setValue(2)
    page.chain_check.setChecked(True)
    qtbot.mouseClick(page.suggest_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: page.model.rowCount() == 2, timeout=10)
    await settled(bridge)
    assert page.status.text() == "2 pairs suggested by the local pairer."
    assert progress and "locally" in str(progress[0])
    chain = links(page.model.pairs())
    assert chain[0][1] == chain[1][0]
    assert page.view.isVisible() and not page.stop_button.isVisible()


async def test_without_a_key_grok_fails_in_the_page_and_offers_the_local_pairer(
        qtbot, services: Services, bridge: TaskBridge, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 4)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 0)
    page.pairer_combo.setCurrentIndex(page.pairer_combo.findData("grok"))
    page.suggest()
    await wait_until(lambda: page.parts.shown)
    notice = page.parts.shown[-1]
    assert "No xAI API key" in notice.text and notice.level is Level.ERROR
    assert notice.action_text == "Use local pairer" and notice.action is not None
    assert QApplication.activeModalWidget() is None
    notice.action()
    await wait_until(lambda: page.model.rowCount() > 0, timeout=10)
    assert page.pairer_combo.currentData() == "local"


async def test_clicking_suggest_again_cancels_the_run_in_progress(qtbot, services: Services, bridge: TaskBridge,
                                                                  tmp_path: Path, grok_env: FakeXai) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 0)
    assert page.pairer_combo.currentData() == "grok"
    grok_env.script(hang(30), good(count=3))
    progress: list[PairingProgress] = []
    page.progress_changed.connect(progress.append)
    page.suggest()
    await wait_until(lambda: len(grok_env.chat_requests) == 1, timeout=10)
    assert page.stop_button.isVisible() and page.suggest_button.text() == "Suggest again"
    assert "Asking Grok about 6 images" in page.status.text()
    page.suggest()
    await wait_until(lambda: len(grok_env.chat_requests) == 2, timeout=10)
    await wait_until(lambda: page.model.rowCount() == 3, timeout=10)
    await settled(bridge)
    assert len(grok_env.chat_requests) == 2 and not any(n.level is Level.ERROR for n in page.parts.shown)
    assert page.status.text().startswith("3 pairs suggested by Grok · ") and not page.stop_button.isVisible()
    assert all(p.source is PairSource.GROK for p in page.model.pairs())


async def test_stop_cancels_and_keeps_the_list(qtbot, services: Services, bridge: TaskBridge, tmp_path: Path,
                                               grok_env: FakeXai) -> None:
    data = await make_campaign(services, tmp_path / "sources", 4)
    await services.pairing.suggest(data.campaign.id, pairer="local", count=1)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 1)
    grok_env.script(hang(30))
    page.suggest()
    await wait_until(lambda: len(grok_env.chat_requests) == 1, timeout=10)
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    await settled(bridge)
    assert page.status.text().startswith("Stopped") and not page.stop_button.isVisible()
    assert page.model.rowCount() == 1 and len(await services.pairing.list_pairs(data.campaign.id)) == 1


async def test_grok_repairs_are_shown_and_a_prompt_is_rewritten(qtbot, services: Services, bridge: TaskBridge,
                                                                tmp_path: Path, grok_env: FakeXai) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    page = open_page(qtbot, services, bridge)
    await shown(page, data, 0)
    grok_env.script(pairs(lambda ids: [pair(ids[0], ids[1], 1.5), pair(ids[2], ids[2]), pair(ids[3], ids[4])]))
    page.suggest()
    await wait_until(lambda: page.model.rowCount() == 2, timeout=10)
    await settled(bridge)
    assert page.report.isVisible()
    assert "Repaired:" in page.report.text() and "clamped to 1" in page.report.text()
    assert "paired with itself" in page.report.text()

    other_prompt = page.model.pair(1).prompt
    page.select_row(0)
    page.feedback.setText("more energetic")
    grok_env.script(rewrite("Energetic whip-pan into the sunny second frame."))
    qtbot.mouseClick(page.rewrite_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: page.model.pair(0).prompt.startswith("Energetic"), timeout=10)
    await settled(bridge)
    assert "more energetic" in grok_env.chat_requests[-1].text
    stored = await services.pairing.list_pairs(data.campaign.id)
    assert stored[0].prompt == "Energetic whip-pan into the sunny second frame." and stored[1].prompt == other_prompt
    assert page.feedback.text() == "" and page.status.text() == "New prompt for pair 1."


async def test_generate_clips_is_a_signal_for_the_window(qtbot, services: Services, bridge: TaskBridge) -> None:
    page = open_page(qtbot, services, bridge)
    emitted: list[bool] = []
    page.generate_requested.connect(lambda: emitted.append(True))
    qtbot.mouseClick(page.generate_button, Qt.MouseButton.LeftButton)
    assert emitted == [True]
