"""Context menus on thumbnails, pair rows, clip cards and jobs: the same actions, with the same keys, as elsewhere."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtGui import QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus, PairSource, PairSuggestion
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.jobs.clip_card import ClipCard
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until
from tests.ui.pages import jobs_page, pairs_page


def _entries(menu: QMenu) -> list[tuple[str, str]]:
    """(text, keys) of every entry, submenus included."""
    found = []
    for action in menu.actions():
        if action.menu() is not None:
            found.extend(_entries(action.menu()))
        elif not action.isSeparator():
            found.append((action.text().replace("&", ""),
                          action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)))
    return found


async def test_a_thumbnails_menu_holds_the_culling_actions_with_their_keys(services: Services, qtbot,
                                                                          tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        point = page.grid.visualRect(page.model.index(2)).center()
        page.grid.customContextMenuRequested.emit(point)  # on an image outside the selection: it is selected
        menu = page.context_menu
        assert menu.isVisible() and page.selected_ids() == [page.model.asset(2).id]
        entries = _entries(menu)
        for expected in [("Preview", "Space"), ("Rate 4 stars", "4"), ("Pick", "P"), ("Reject", "X"),
                         ("Red label", "6"), ("Purple label", ""), ("Copy path", "Ctrl+Shift+C"),
                         ("Remove from campaign", "Del"), ("Delete from library…", "Shift+Del")]:
            assert expected in entries, expected
        next(a for a in menu.actions() if a.menu() and a.text() == "Rating").menu().actions()[4].trigger()
        await page.history.idle()
        await wait_until(lambda: page.model.asset(2).rating == 4)
        menu.close()
        page.copy_path_action.trigger()
        assert QApplication.clipboard().text() == str(services.library.asset_path(page.model.asset(2)))


async def test_a_pair_rows_menu_holds_the_editors_actions(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    ids = [a.id for a in await services.library.list_assets(campaign.id)]
    await services.pairing.save_pairs(campaign.id, [PairSuggestion(ids[0], ids[1], 1, "", "a", PairSource.MANUAL),
                                                    PairSuggestion(ids[1], ids[2], 1, "", "b", PairSource.MANUAL)])
    bridge = TaskBridge()
    page = pairs_page(services, bridge)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    page.set_campaign(campaign)
    await wait_until(lambda: page.model.rowCount() == 2)
    page.view.customContextMenuRequested.emit(page.view.visualRect(page.model.index(1)).center())
    assert page.current_row() == 1
    entries = _entries(page.context_menu)
    assert entries == [("Edit prompt", "F2"), ("Swap first and last", "Ctrl+Shift+S"), ("Move up", "Ctrl+Up"),
                       ("Move down", "Ctrl+Down"), ("Add pair…", "Ctrl+Shift+N"), ("Remove", "Del")]
    page.context_menu.close()
    await bridge.shutdown()


async def test_a_clip_cards_and_a_jobs_menus_offer_what_their_buttons_do(services: Services, qtbot) -> None:
    failed = ClipState(id=7, job_id=3, position=1, first_asset_id=None, last_asset_id=None, prompt="pan left",
                       model_id="local", status=ClipStatus.FAILED, error="boom")
    card = ClipCard(failed)
    qtbot.addWidget(card)
    card.show()
    retried: list[int] = []
    card.retry_requested.connect(retried.append)
    QApplication.sendEvent(card, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5),
                                                  card.mapToGlobal(QPoint(5, 5))))
    assert [text for text, _ in _entries(card.context_menu)] == ["Retry…", "Copy prompt", "Copy note"]
    card.context_menu.actions()[0].trigger()
    assert retried == [7]
    card.context_menu.close()

    bridge = TaskBridge()
    page = jobs_page(services, bridge)
    qtbot.addWidget(page)
    page.resize(900, 600)
    page.show()
    job = JobState(id=3, campaign_id=1, model_id="local", duration_s=4, aspect="16:9", resolution="720p",
                   status=JobStatus.FAILED, estimate_usd=0, created_at=datetime(2026, 1, 1),
                   clips=(failed, dataclasses.replace(failed, id=8, status=ClipStatus.SUCCEEDED, error="")))
    page.list_model.set_jobs([job])
    page.list_view.customContextMenuRequested.emit(page.list_view.visualRect(page.list_model.index(0, 0)).center())
    entries = dict(_entries(page.context_menu))
    assert set(entries) == {"Combine…", "Resume", "Cancel job", "Delete job…"} and entries["Delete job…"] == "Del"
    enabled = {a.text(): a.isEnabled() for a in page.context_menu.actions() if not a.isSeparator()}
    assert enabled == {"Combine…": True, "Resume": False, "Cancel job": False, "Delete job…": True}
    page.context_menu.close()
    await bridge.shutdown()
