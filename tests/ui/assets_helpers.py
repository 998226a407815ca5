"""Shared set-up of the asset grid tests: a campaign with real imported images, the page, real drag and drop."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

from app.core.domain import CampaignInfo, ImportResult
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.pages.assets_page import AssetsPage
from tests.helpers.images import make_image
from tests.ui.conftest import wait_until
from tests.ui.pages import assets_page


def make_images(folder: Path, count: int, start: int = 0, size: tuple[int, int] = (320, 180)) -> list[Path]:
    return [make_image(folder / f"photo {i:02d}.jpg", size=size, seed=i) for i in range(start, start + count)]


async def campaign_with_images(services: Services, tmp_path: Path, count: int = 4,
                               name: str = "Spring") -> tuple[CampaignInfo, list[Path]]:
    """A client, a campaign, and ``count`` small photos imported through the real importer."""
    clients = await services.library.list_clients()
    client = clients[0] if clients else (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, name)).value
    paths = make_images(tmp_path / f"in-{name}", count)
    report = await services.library.import_sources(campaign.id, [str(p) for p in paths])
    assert report.count(ImportResult.IMPORTED) == count
    return campaign, paths


@asynccontextmanager
async def open_page(services: Services, qtbot, campaign: CampaignInfo | None = None) -> AsyncIterator[AssetsPage]:
    """The assets page shown offscreen, with every row of ``campaign`` loaded."""
    bridge = TaskBridge()
    page = assets_page(services, bridge)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    page.set_campaign(campaign)
    await wait_until(lambda: not page.loading)
    try:
        yield page
    finally:
        page.shutdown()
        await bridge.shutdown()


def drop_on(widget: QWidget, *, paths: Sequence[Path] = (), urls: Sequence[str] = (), text: str = "") -> QDropEvent:
    """Drag ``paths`` / ``urls`` / ``text`` over ``widget`` and drop them there, as the window system would."""
    mime = QMimeData()
    if paths or urls:
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths] + [QUrl(u) for u in urls])
    if text:
        mime.setText(text)
    centre = widget.rect().center()
    enter = QDragEnterEvent(QPoint(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def select_rows(page: AssetsPage, rows: Sequence[int]) -> None:
    page.select_ids([page.model.asset(r).id for r in rows])  # type: ignore[union-attr]
