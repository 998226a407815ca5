"""Removing from the campaign (Delete), deleting from the library (Shift+Delete, confirmed), empty states."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.core.services import Services
from app.ui.assets.asset_grid import EMPTY_CAMPAIGN_TEXT
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until


async def test_delete_removes_from_the_campaign_but_keeps_the_asset(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        gone = page.model.asset(1)
        select_rows(page, [1])
        QTest.keyClick(page.grid, Qt.Key.Key_Delete)
        await wait_until(lambda: page.model.rowCount() == 2)
        assert gone.id not in [a.id for a in page.model.assets()]
        assert [a.id for a in await services.library.list_assets(campaign.id)] == [a.id for a in page.model.assets()]
        assert (await services.library.get_assets([gone.id]))[0].id == gone.id  # still in the client's library
        assert services.library.asset_path(gone).is_file()
        assert page.grid.currentIndex().isValid() and len(page.selected_ids()) == 1  # ready for the next key


async def _shift_delete(page) -> QMessageBox:
    QTest.keyClick(page.grid, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    box = page.confirm_box
    assert isinstance(box, QMessageBox) and box.isVisible()
    return box


async def test_shift_delete_asks_and_deletes_from_the_library_with_the_file(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0, 2])
        doomed = [page.model.asset(0), page.model.asset(2)]
        box = await _shift_delete(page)
        assert box.text() == "Delete 2 images from the library?"
        box.button(QMessageBox.StandardButton.Cancel).click()
        await wait_until(lambda: not box.isVisible())
        assert page.model.rowCount() == 3 and len(await services.library.list_assets(campaign.id)) == 3

        box = await _shift_delete(page)
        assert "trash" in box.informativeText() and "Undo" in box.informativeText()
        delete = next(b for b in box.buttons() if b.text() == "Delete 2 images")
        delete.click()
        await wait_until(lambda: page.model.rowCount() == 1)
        assert await services.library.get_assets([a.id for a in doomed]) == []
        assert not any(services.library.asset_path(a).exists() for a in doomed)
        trashed = sorted(p.name for p in services.paths.trash.rglob("*.jpeg"))
        assert trashed == sorted(f"{a.sha256}.jpeg" for a in doomed)  # the originals wait in the trash


async def test_an_empty_campaign_invites_a_drop_and_no_campaign_shows_a_quiet_hint(
        services: Services, qtbot, tmp_path: Path) -> None:
    client = (await services.library.create_client("Acme")).value
    empty = (await services.library.create_campaign(client.id, "Empty")).value
    full, _ = await campaign_with_images(services, tmp_path, count=1, name="Full")
    async with open_page(services, qtbot, empty) as page:
        assert page.stack.currentIndex() == 1 and page.model.rowCount() == 0
        assert page.grid.placeholder == EMPTY_CAMPAIGN_TEXT
        assert page.count_label.text() == "0 images"
        assert _inked_middle(page.grid.viewport().grab().toImage()) > 20  # the message is painted
        page.grid.set_placeholder("")
        assert _inked_middle(page.grid.viewport().grab().toImage()) == 0

        page.set_campaign(full)
        await wait_until(lambda: page.model.rowCount() == 1 and not page.loading)
        page.set_campaign(None)
        assert page.stack.currentWidget() is page.no_campaign and page.model.rowCount() == 0
        assert "Choose a campaign" in page.no_campaign.text()


def _inked_middle(image: QImage) -> int:
    """Pixels unlike the background in a band across the middle half of ``image``."""
    background = image.pixelColor(image.width() // 2, 4).rgb()
    return sum(image.pixelColor(x, y).rgb() != background
               for y in range(image.height() // 2 - 10, image.height() // 2 + 10)
               for x in range(image.width() // 4, 3 * image.width() // 4))
