"""Undo and Redo in the real window: every edit of the library and of the pairs, checked in the database after each.

The edits are made as a user makes them (keys on the grid, the details panel, the pair editor, the menus); Undo and
Redo are the Edit menu's actions. The one history of the window follows the user across the tabs.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.core.db.models import PairSuggestionRow
from app.core.domain import ColorLabel, Flag, PairSource, PairSuggestion
from app.core.services import Services
from app.ui.main_window import MainWindow
from app.ui.sidebar import Selection
from tests.ui.assets_helpers import campaign_with_images, select_rows
from tests.ui.conftest import wait_until
from tests.ui.test_main_window import open_window


async def _settled(window: MainWindow) -> None:
    """Every queued step ran, and the views read what it stored."""
    await window.history.idle()
    await wait_until(lambda: not window.history.busy() and not [
        n for n in window.bridge.running_names() if n.startswith(("history-", "assets-", "pairs-"))], timeout=10)


def _text(action) -> str:  # type: ignore[no-untyped-def]
    """The action's text as the menu shows it (without the mnemonic's &)."""
    return action.text().replace("&", "")


async def _undo(window: MainWindow) -> None:
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    await _settled(window)


async def _redo(window: MainWindow) -> None:
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()
    await _settled(window)


async def _open_campaign(window: MainWindow, campaign_id: int) -> None:
    await wait_until(lambda: window.sidebar.select(Selection("campaign", campaign_id)))
    page = window.workspace.assets_page
    await wait_until(lambda: window.workspace.campaign is not None and not page.loading and page.model.rowCount())


async def _assets(services: Services, ids: list[int]) -> dict[int, object]:
    return {a.id: a for a in await services.library.get_assets(ids)}


async def test_curation_edits_are_undone_and_redone_in_the_database(services: Services, qtbot,
                                                                    tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=4)
    ids = [a.id for a in await services.library.list_assets(campaign.id)]
    await services.library.set_rating([ids[0]], 2)
    await services.library.set_rating([ids[2]], 5)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        page = window.workspace.assets_page
        page.grid.setFocus()
        assert not window.undo_action.isEnabled()

        select_rows(page, [0, 1, 2])
        QTest.keyClick(page.grid, Qt.Key.Key_4)
        await _settled(window)
        assert [a.rating for a in (await _assets(services, ids[:3])).values()] == [4, 4, 4]
        assert _text(window.undo_action) == "Undo Rate 3 images 4★"
        await _undo(window)
        assert [a.rating for a in (await _assets(services, ids[:3])).values()] == [2, 0, 5]  # each its own
        assert _text(window.redo_action) == "Redo Rate 3 images 4★"
        await _redo(window)
        assert [a.rating for a in (await _assets(services, ids[:3])).values()] == [4, 4, 4]

        select_rows(page, [1, 3])
        QTest.keyClick(page.grid, Qt.Key.Key_X)
        await _settled(window)
        assert {a.flag for a in (await _assets(services, [ids[1], ids[3]])).values()} == {Flag.REJECT}
        await _undo(window)
        assert {a.flag for a in (await _assets(services, [ids[1], ids[3]])).values()} == {Flag.NONE}
        await _redo(window)
        assert {a.flag for a in (await _assets(services, [ids[1], ids[3]])).values()} == {Flag.REJECT}

        select_rows(page, [0, 1])
        QTest.keyClick(page.grid, Qt.Key.Key_6)  # red, as in Lightroom
        await _settled(window)
        assert _text(window.undo_action) == "Undo Label 2 images red"
        assert {a.label for a in (await _assets(services, ids[:2])).values()} == {ColorLabel.RED}
        await wait_until(lambda: {page.model.asset(r).label for r in (0, 1)} == {ColorLabel.RED})  # as the grid shows
        QTest.keyClick(page.grid, Qt.Key.Key_6)  # again: the label comes off
        await _settled(window)
        assert {a.label for a in (await _assets(services, ids[:2])).values()} == {ColorLabel.NONE}
        await _undo(window)
        assert {a.label for a in (await _assets(services, ids[:2])).values()} == {ColorLabel.RED}
        await _undo(window)
        assert {a.label for a in (await _assets(services, ids[:2])).values()} == {ColorLabel.NONE}
        await _redo(window)
        assert {a.label for a in (await _assets(services, ids[:2])).values()} == {ColorLabel.RED}

        select_rows(page, [2, 3])
        page.detail.tag_added.emit("Beach")
        await _settled(window)
        assert [a.tags for a in (await _assets(services, ids[2:])).values()] == [("Beach",), ("Beach",)]
        await _undo(window)
        assert [a.tags for a in (await _assets(services, ids[2:])).values()] == [(), ()]
        assert await services.library.all_tags() == []  # the tag it made went too
        await _redo(window)
        assert [a.tags for a in (await _assets(services, ids[2:])).values()] == [("Beach",), ("Beach",)]
        page.detail.tag_removed.emit("Beach")
        await _settled(window)
        await _undo(window)
        assert [a.tags for a in (await _assets(services, ids[2:])).values()] == [("Beach",), ("Beach",)]

        select_rows(page, [0])
        page.detail.notes.setPlainText("soft light")
        page.detail.flush_notes()
        await _settled(window)
        assert (await _assets(services, [ids[0]]))[ids[0]].notes == "soft light"
        await _undo(window)
        assert (await _assets(services, [ids[0]]))[ids[0]].notes == ""
        await wait_until(lambda: page.detail.notes.toPlainText() == "")  # the panel shows what is stored
        await _redo(window)
        assert (await _assets(services, [ids[0]]))[ids[0]].notes == "soft light"

        # the history follows the user to another tab
        window.workspace.setCurrentWidget(window.workspace.pairs_page)
        await _undo(window)
        assert (await _assets(services, [ids[0]]))[ids[0]].notes == ""
        await _undo(window)  # the tag (its removal was undone, and the notes edit replaced that redo)
        await _undo(window)  # the label (taking it off was undone, and the tag edit replaced that redo)
        await _undo(window)  # the reject
        await _undo(window)  # the rating
        stored = await _assets(services, ids)
        assert [a.rating for a in stored.values()] == [2, 0, 5, 0]
        assert {a.flag for a in stored.values()} == {Flag.NONE} and {a.label for a in stored.values()} == {
            ColorLabel.NONE}
        assert not window.undo_action.isEnabled()


async def test_removing_and_deleting_images_are_undone_with_rows_and_files(services: Services, qtbot,
                                                                          tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=4)
    assets = await services.library.list_assets(campaign.id)
    ids = [a.id for a in assets]
    await services.pairing.save_pairs(campaign.id, [PairSuggestion(ids[1], ids[2], 1, "", "glide", PairSource.MANUAL)])
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        page = window.workspace.assets_page
        page.grid.setFocus()

        select_rows(page, [0])
        QTest.keyClick(page.grid, Qt.Key.Key_Delete)
        await _settled(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == ids[1:]
        assert window.status_note.plain_text() == "Removed 1 image from “Spring”. Undo"
        window.status_note.activate()  # the status bar's Undo link
        await _settled(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == ids
        await wait_until(lambda: page.model.rowCount() == 4)
        await _redo(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == ids[1:]
        await _undo(window)

        await wait_until(lambda: page.model.rowCount() == 4)
        select_rows(page, [1, 3])
        QTest.keyClick(page.grid, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
        box = page.confirm_box
        assert isinstance(box, QMessageBox) and box.text() == "Delete 2 images from the library?"
        next(b for b in box.buttons() if b.text() == "Delete 2 images").click()
        await _settled(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == [ids[0], ids[2]]
        assert await services.pairing.list_pairs(campaign.id) == []  # the pair used a deleted image
        assert not services.library.asset_path(assets[1]).exists()
        assert _text(window.undo_action) == "Undo Delete 2 images from the library"
        await _undo(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == ids
        assert services.library.asset_path(assets[1]).is_file() and services.library.asset_path(assets[3]).is_file()
        assert [(p.first_asset_id, p.last_asset_id) for p in await services.pairing.list_pairs(campaign.id)] == [
            (ids[1], ids[2])]
        await wait_until(lambda: page.model.rowCount() == 4)
        await _redo(window)
        assert [a.id for a in await services.library.list_assets(campaign.id)] == [ids[0], ids[2]]
        assert not services.library.asset_path(assets[3]).exists()


def _rows(campaign_id: int):  # type: ignore[no-untyped-def]
    def read(s):  # type: ignore[no-untyped-def]
        return [(r.id, r.first_asset_id, r.last_asset_id, r.position, r.prompt, r.source)
                for r in s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                                   .order_by(PairSuggestionRow.position))]
    return read


async def test_pair_edits_and_a_suggestion_run_are_undone_and_redone(services: Services, qtbot,
                                                                     tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=5)
    ids = [a.id for a in await services.library.list_assets(campaign.id)]
    await services.pairing.save_pairs(campaign.id, [
        PairSuggestion(ids[0], ids[1], 1, "", "one", PairSource.MANUAL),
        PairSuggestion(ids[1], ids[2], 1, "", "two", PairSource.MANUAL),
        PairSuggestion(ids[2], ids[3], 1, "", "three", PairSource.MANUAL)])
    read = _rows(campaign.id)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        window.workspace.setCurrentWidget(window.workspace.pairs_page)
        pairs = window.workspace.pairs_page
        await wait_until(lambda: pairs.model.rowCount() == 3)
        original = await services.db.read(read)

        async def check_undo_redo(text: str) -> None:
            edited = await services.db.read(read)
            assert edited != original
            assert _text(window.undo_action) == f"Undo {text}"
            before = await services.db.read(read)
            await _undo(window)
            assert await services.db.read(read) == original
            await wait_until(lambda: [p.id for p in pairs.model.pairs()] == [r[0] for r in original])
            await _redo(window)
            assert await services.db.read(read) == before
            await wait_until(lambda: [p.id for p in pairs.model.pairs()] == [r[0] for r in before])
            await _undo(window)
            assert await services.db.read(read) == original
            await wait_until(lambda: [p.id for p in pairs.model.pairs()] == [r[0] for r in original])

        pairs.select_row(0)
        pairs.down_action.trigger()
        await _settled(window)
        await check_undo_redo("Move pair 1")

        pairs.select_row(1)
        pairs.remove_action.trigger()
        await _settled(window)
        assert len(await services.db.read(read)) == 2
        await check_undo_redo("Remove pair 2")  # the pair comes back with its id

        pairs.select_row(2)
        pairs.swap_action.trigger()
        await _settled(window)
        await check_undo_redo("Swap the frames of pair 3")

        assert pairs.model.setData(pairs.model.index(0), "Slow dolly in.")
        await _settled(window)
        await check_undo_redo("Edit the prompt of pair 1")

        pairs.add_pair(ids[3], ids[4])
        await _settled(window)
        assert len(await services.db.read(read)) == 4
        await check_undo_redo("Add a pair")

        # Suggest pairs does not throw the hand-made list away: it asks, and Undo brings the list back
        pairs.pairer_combo.setCurrentIndex(pairs.pairer_combo.findData("local"))
        pairs.count_spin.setValue(2)
        window.suggest_action.trigger()
        await wait_until(lambda: pairs.replace_box is not None and pairs.replace_box.isVisible())
        box = pairs.replace_box
        assert "holds your edits" in box.text()
        next(b for b in box.buttons() if b.text() == "Replace the list").click()
        await wait_until(lambda: not window.bridge.is_running(f"suggest-{campaign.id}"), timeout=20)
        await _settled(window)
        suggested = await services.db.read(read)
        assert len(suggested) == 2 and {r[5] for r in suggested} == {PairSource.LOCAL.value}
        assert _text(window.undo_action) == "Undo Suggest pairs"
        await _undo(window)
        assert await services.db.read(read) == original
        await _redo(window)
        assert await services.db.read(read) == suggested
        await _undo(window)

        window.suggest_action.trigger()
        await wait_until(lambda: pairs.replace_box is not None and pairs.replace_box.isVisible())
        next(b for b in pairs.replace_box.buttons() if b.text() == "Add to the list").click()
        await wait_until(lambda: not window.bridge.is_running(f"suggest-{campaign.id}"), timeout=20)
        await _settled(window)
        added = await services.db.read(read)
        assert added[:3] == original and len(added) == 5
        assert _text(window.undo_action) == "Undo Add suggested pairs"
        await _undo(window)
        assert await services.db.read(read) == original


async def test_a_suggestion_over_an_untouched_list_replaces_it_without_asking(services: Services, qtbot,
                                                                             tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=4)
    await services.pairing.suggest(campaign.id, pairer="local", count=2)

    def runs(s):  # type: ignore[no-untyped-def]
        return [(r.id, r.run_id, r.created_at) for r in s.scalars(
            select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign.id)
            .order_by(PairSuggestionRow.position))]
    first = await services.db.read(runs)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        window.suggest_action.trigger()
        pairs = window.workspace.pairs_page
        assert window.workspace.currentWidget() is pairs
        await wait_until(lambda: pairs.status.text().startswith("2 pairs suggested"), timeout=20)
        await _settled(window)
        assert pairs.replace_box is None  # nothing of a person's to lose: no question
        second = await services.db.read(runs)
        assert {run for _, run, _ in second}.isdisjoint({run for _, run, _ in first})
        assert _text(window.undo_action) == "Undo Suggest pairs"
        await _undo(window)
        assert await services.db.read(runs) == first


async def test_an_edit_that_fails_leaves_the_history(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        page = window.workspace.assets_page
        page.grid.setFocus()
        select_rows(page, [0])
        QTest.keyClick(page.grid, Qt.Key.Key_3)
        await _settled(window)
        assert _text(window.undo_action) == "Undo Rate 1 image 3★"
        page.curator.set_rating([page.model.asset(0).id], 9)  # refused by the library: 0 to 5 stars
        await _settled(window)
        assert _text(window.undo_action) == "Undo Rate 1 image 3★"  # the refused edit is not on the stack
        assert "rating was not saved" in window.notice.text() and "0 to 5" in window.notice.text()


async def test_an_image_put_back_by_undo_takes_its_place_in_the_grid(services: Services, qtbot,
                                                                      tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=4)
    ids = [a.id for a in await services.library.list_assets(campaign.id)]
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        page = window.workspace.assets_page
        page.grid.setFocus()
        select_rows(page, [0])
        QTest.keyClick(page.grid, Qt.Key.Key_Delete)
        await _settled(window)
        await wait_until(lambda: page.model.rowCount() == 3)
        await _undo(window)
        await wait_until(lambda: page.model.rowCount() == 4)
        await _settled(window)
        assert page.model.ids_at(range(4)) == ids  # the oldest import first, as the database orders them
