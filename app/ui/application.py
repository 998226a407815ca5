"""GUI start-up and shutdown on a qasync event loop (``asyncio.Runner`` with qasync's loop factory)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.config import APP_NAME
from app.core.db.location import LibraryLocation
from app.core.heap import freeze_long_lived_objects
from app.resources import icon_path
from app.ui.event_loop import GuiEventLoop
from app.ui.gui_gc import GuiThreadGarbageCollector
from app.ui.qt_messages import install_qt_message_handler

if TYPE_CHECKING:
    from app.core.services import Services

log = logging.getLogger(__name__)


def create_qt_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication (created once), named so QSettings and the desktop entry find it."""
    install_qt_message_handler()
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("pairframe")
    app.setWindowIcon(QIcon(str(icon_path())))
    app.setQuitOnLastWindowClosed(False)  # the main window's close resolves the shutdown future instead
    return app


def _open_or_fall_back(where: Path | LibraryLocation, password: str | None) -> Services | Exception:
    """Open the library, or return why it could not be opened (a team library's server away, say)."""
    from app.core.db.engine import DatabaseUnavailable
    from app.core.db.location import LocationError
    from app.core.services import open_services

    try:
        services = open_services(where, password=password)
    except (DatabaseUnavailable, LocationError) as exc:
        log.error("could not open the library: %s", exc)
        return exc
    services.db.yield_to_event_loop()  # the window's event loop keeps its share of the interpreter in bursts
    return services


def _ask_local_instead(error: Exception) -> bool:
    """Say why the team library did not open; True when the user opens the local library instead."""
    box = QMessageBox(QMessageBox.Icon.Critical, "The team library could not be opened",
                      f"{error}\n\nCheck the network and the server, or open the library on this computer.")
    local = box.addButton("Open the local library", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is local


async def run_main_window(where: Path | LibraryLocation, quit_after_s: float | None = None,
                          password: str | None = None) -> int:
    """Open the library, show the main window, and wait until it is closed; then shut down in order."""
    from app.ui.bridge import TaskBridge
    from app.ui.errors import install_excepthook
    from app.ui.main_window import MainWindow

    loop = asyncio.get_running_loop()
    closed: asyncio.Future[None] = loop.create_future()

    def resolve_closed() -> None:
        if not closed.done():
            closed.set_result(None)

    app = QApplication.instance()
    assert app is not None
    app.aboutToQuit.connect(resolve_closed)
    collector = GuiThreadGarbageCollector()
    opened = await loop.run_in_executor(None, _open_or_fall_back, where, password)
    if isinstance(opened, Exception):
        if not isinstance(where, LibraryLocation) or not where.is_team or not _ask_local_instead(opened):
            return 1
        opened = await loop.run_in_executor(None, _open_or_fall_back, where.data_dir, None)
        if isinstance(opened, Exception):
            return 1
    services = opened
    freeze_long_lived_objects()  # before the window shows: the one full collection stalls nothing visible
    bridge = TaskBridge()
    window = MainWindow(services, bridge)
    _reporter, restore_hooks = install_excepthook(lambda: window, loop)
    window.closed.connect(resolve_closed)
    window.show()
    window.start()
    bridge.run("remove-stale-files", asyncio.to_thread(services.remove_stale_files))
    if quit_after_s is not None:
        QTimer.singleShot(int(quit_after_s * 1000), window.close)
    try:
        await closed
    finally:
        await bridge.shutdown()
        await services.aclose()
        restore_hooks()
        window.deleteLater()
        collector.stop()
    return 0


def run_gui(where: Path | LibraryLocation, quit_after_s: float | None = None, password: str | None = None) -> int:
    """Run the GUI until the main window closes; returns the exit status."""
    create_qt_app(sys.argv)
    with asyncio.Runner(loop_factory=GuiEventLoop) as runner:
        return runner.run(run_main_window(where, quit_after_s, password))


def run_gui_command(location: LibraryLocation, args: argparse.Namespace, password: str | None = None) -> int:
    """The CLI's default command."""
    return run_gui(location, getattr(args, "quit_after", None), password)
