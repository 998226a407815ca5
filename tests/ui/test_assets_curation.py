"""Curation on the grid: rating and flag keys on the selection, bulk tags with completion, notes, details."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.domain import AssetInfo, Flag
from app.core.services import Services
from app.ui.assets.detail_panel import NOTES_SAVE_MS
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until


async def _stored(services: Services, campaign_id: int) -> dict[str, AssetInfo]:
    return {a.original_name: a for a in await services.library.list_assets(campaign_id)}


async def test_number_and_flag_keys_curate_every_selected_asset(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=4)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0, 2])
        chosen = {page.model.asset(0).original_name, page.model.asset(2).original_name}
        QTest.keyClick(page.grid, Qt.Key.Key_4)
        await wait_until(lambda: page.model.asset(0).rating == 4 and page.model.asset(2).rating == 4)
        QTest.keyClick(page.grid, Qt.Key.Key_P)
        await wait_until(lambda: page.model.asset(2).flag is Flag.PICK)
        stored = await _stored(services, campaign.id)
        assert {n for n, a in stored.items() if a.rating == 4 and a.flag is Flag.PICK} == chosen
        assert all(a.rating == 0 and a.flag is Flag.NONE for n, a in stored.items() if n not in chosen)
        assert page.model.asset(1).rating == 0

        QTest.keyClick(page.grid, Qt.Key.Key_X)
        await wait_until(lambda: page.model.asset(0).flag is Flag.REJECT)
        QTest.keyClick(page.grid, Qt.Key.Key_0)
        QTest.keyClick(page.grid, Qt.Key.Key_U)
        await wait_until(lambda: page.model.asset(0).flag is Flag.NONE and page.model.asset(0).rating == 0)
        stored = await _stored(services, campaign.id)
        assert all(a.rating == 0 and a.flag is Flag.NONE for a in stored.values())

        select_rows(page, [3])  # the detail panel follows the current asset and its buttons act too
        page.detail.stars.buttons[1].click()
        await wait_until(lambda: page.model.asset(3).rating == 2)
        assert page.detail.stars.rating == 2
        page.detail.flag_buttons[Flag.REJECT].click()
        await wait_until(lambda: page.model.asset(3).flag is Flag.REJECT)
        assert page.detail.flag_buttons[Flag.REJECT].isChecked()


async def test_keypad_digits_rate_and_letters_do_not_jump_to_names(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [1])
        QTest.keyClick(page.grid, Qt.Key.Key_5, Qt.KeyboardModifier.KeypadModifier)
        await wait_until(lambda: page.model.asset(1).rating == 5)
        QTest.keyClick(page.grid, Qt.Key.Key_Right)  # arrows still move
        assert page.grid.currentIndex().row() == 2


async def test_tags_are_added_to_the_whole_selection_with_completion_and_removed(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    first = (await services.library.list_assets(campaign.id))[0]
    await services.library.add_tags([first.id], ["Beach"])
    async with open_page(services, qtbot, campaign) as page:
        editor = page.detail.tag_editor
        await wait_until(lambda: editor.known_tags() == ["Beach"])
        completer = editor.completer
        completer.setCompletionPrefix("bea")
        assert completer.currentCompletion() == "Beach"

        select_rows(page, [0, 1, 2])
        editor.entry.setFocus()  # typed keys go to the focused field (the grid's keys are its own)
        QTest.keyClicks(editor.entry, "beach")  # an existing tag keeps its spelling
        QTest.keyClick(editor.entry, Qt.Key.Key_Return)
        QTest.keyClicks(editor.entry, "  golden   hour ")
        editor.add_button.click()
        await wait_until(lambda: all(page.model.asset(r).tags == ("Beach", "golden hour") for r in range(3)))
        assert editor.entry.text() == ""
        stored = await services.library.list_assets(campaign.id)
        assert all(a.tags == ("Beach", "golden hour") for a in stored)
        await wait_until(lambda: editor.known_tags() == ["Beach", "golden hour"])
        assert page.filter_bar._tags.stringList() == ["Beach", "golden hour"]
        assert editor.shown_tags() == ["Beach", "golden hour"]

        select_rows(page, [1])
        editor.tags.item(0).setSelected(True)
        editor.remove_button.click()
        await wait_until(lambda: page.model.asset(1).tags == ("golden hour",))
        stored = {a.id: a for a in await services.library.list_assets(campaign.id)}
        assert stored[page.model.asset(1).id].tags == ("golden hour",)
        assert stored[page.model.asset(0).id].tags == ("Beach", "golden hour")
        assert editor.shown_tags() == ["golden hour"]


async def test_notes_are_saved_after_typing_and_before_moving_on(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        first_id = page.model.asset(0).id
        page.detail.notes.setFocus()  # typed keys go to the focused field (Space is the grid's only when it has it)
        QTest.keyClicks(page.detail.notes, "Hero shot")
        await wait_until(lambda: page.model.asset(0).notes == "Hero shot", timeout=NOTES_SAVE_MS / 1000 + 3)
        await wait_until(lambda: _notes_of(services, first_id) == "Hero shot")

        page.detail.notes.setFocus()
        QTest.keyClicks(page.detail.notes, " for the banner")
        select_rows(page, [1])  # moving on saves at once, without waiting for the pause
        assert page.detail.notes.toPlainText() == ""
        await wait_until(lambda: _notes_of(services, first_id) == "Hero shot for the banner")
        await wait_until(lambda: page.model.asset(0).notes == "Hero shot for the banner")  # as stored


def _notes_of(services: Services, asset_id: int) -> str:
    from sqlalchemy import select

    from app.core.db.models import Asset
    return services.db.run_sync(lambda s: s.scalar(select(Asset.notes).where(Asset.id == asset_id)))


async def test_the_detail_panel_shows_the_current_asset(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, paths = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        assert page.detail.stack.currentWidget() is page.detail.empty
        select_rows(page, [1])
        asset = page.model.asset(1)
        assert page.detail.title.text() == asset.original_name
        facts = {k: label.text() for k, label in page.detail.facts.items()}
        facts["Source"] = page.detail.facts["Source"].full_text()  # shown elided in the middle, whole in its tip
        assert page.detail.facts["Source"].toolTip() == asset.source
        assert facts["Dimensions"] == "320 × 180 px"
        assert facts["Format"] == "JPEG"
        assert facts["Size"].endswith("KB") and facts["Source"] == asset.source
        assert asset.source in {str(p) for p in paths}
        assert facts["Imported"][:2] == "20"
        assert not page.detail.selection_label.isVisibleTo(page)
        select_rows(page, [0, 1])
        assert page.detail.selection_label.isVisibleTo(page)
        assert page.detail.selection_label.text().startswith("2 selected")
        assert page.detail.selection_label.wordWrap()  # the sentence wraps in a narrow panel, never cut off
        assert page.count_label.text() == "2 images · 2 selected"
