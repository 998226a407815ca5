"""The real main window over a library's services, opened and driven as the application does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from PySide6.QtCore import QSettings

from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.main_window import MainWindow
from app.ui.sidebar import Selection
from tests.ui.conftest import wait_until


@asynccontextmanager
async def open_window(services: Services, qtbot, folder: Path) -> AsyncIterator[MainWindow]:
    """The main window over ``services`` (its layout kept in ``folder``), started as the application starts it:
    it watches other processes' changes."""
    bridge = TaskBridge()
    window = MainWindow(services, bridge, settings=QSettings(str(folder / "ui.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.start()
    try:
        yield window
    finally:
        window.close()
        await bridge.shutdown()
        await services.generation.aclose()


async def show_campaign(window: MainWindow, campaign_id: int) -> None:
    """Select the campaign in the sidebar (once the tree has it) and wait for its assets."""
    await wait_until(lambda: not window.bridge.is_running("sidebar-load")
                     and window.sidebar.select(Selection("campaign", campaign_id)))
    await wait_until(lambda: window.workspace.campaign is not None and window.workspace.campaign.id == campaign_id
                     and not window.workspace.assets_page.loading)
