"""Full-screen preview: Space or double-click opens it, arrows move, curation keys work, Escape leaves."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.domain import Flag
from app.core.services import Services
from app.ui.assets.preview_window import decode_for_screen
from tests.helpers.images import make_image
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until


async def test_space_opens_arrows_move_keys_curate_and_escape_leaves(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        QTest.keyClick(page.grid, Qt.Key.Key_Space)
        preview = page.preview
        assert preview.isVisible() and preview.isFullScreen()
        assert preview.asset.id == page.model.asset(0).id
        await wait_until(lambda: preview.current_pixmap() is not None)
        assert preview.current_pixmap().size().width() == 320  # the original, not the thumbnail

        QTest.keyClick(preview, Qt.Key.Key_Right)
        assert preview.row == 1 and page.grid.currentIndex().row() == 1
        await wait_until(lambda: preview.current_pixmap() is not None)
        QTest.keyClick(preview, Qt.Key.Key_3)
        QTest.keyClick(preview, Qt.Key.Key_P)
        await wait_until(lambda: page.model.asset(1).rating == 3 and page.model.asset(1).flag is Flag.PICK)
        assert page.model.asset(0).rating == 0  # only the asset on screen

        QTest.keyClick(preview, Qt.Key.Key_Right)
        QTest.keyClick(preview, Qt.Key.Key_Right)  # stays on the last one
        assert preview.row == 2
        QTest.keyClick(preview, Qt.Key.Key_Left)
        assert preview.row == 1
        QTest.keyClick(preview, Qt.Key.Key_Escape)
        assert not preview.isVisible()
        assert page.grid.currentIndex().row() == 1


async def test_double_click_opens_the_preview_on_that_image(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        await wait_until(lambda: page.grid.visualRect(page.model.index(2)).isValid())
        centre = page.grid.visualRect(page.model.index(2)).center()
        QTest.mouseDClick(page.grid.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre)
        assert page.preview.isVisible() and page.preview.row == 2
        page.preview.close()


async def test_a_missing_original_says_so_instead_of_failing(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=1)
    async with open_page(services, qtbot, campaign) as page:
        services.library.asset_path(page.model.asset(0)).unlink()
        select_rows(page, [0])
        page.open_preview()
        await wait_until(lambda: page.preview.error)
        assert page.preview.error.startswith("The original cannot be shown")
        page.preview.close()


def test_decoding_for_the_screen_honours_orientation_and_size(tmp_path: Path) -> None:
    path = make_image(tmp_path / "rotated.jpg", size=(400, 200), exif_orientation=6)  # 90° clockwise
    image = decode_for_screen(path, 100)
    assert (image.width(), image.height()) == (50, 100)
