"""Uncaught exceptions: logged with keys redacted, shown in a non-modal dialog, and the app keeps running.

Three routes reach here: ``sys.excepthook`` (an exception escaping a Qt slot or event handler),
``threading.excepthook`` (a worker thread) and the asyncio loop's exception handler (a callback or a task
nobody awaited). Each is logged in full to the log file and summarised on screen; neither text holds a key.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox, QWidget

from app.logging_setup import redact
from app.ui.bridge import describe_error

log = logging.getLogger(__name__)
ParentGetter = Callable[[], QWidget | None]


def current_log_file() -> Path | None:
    """The file the app logs to (None when logging goes nowhere on disk)."""
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_pairframe", False) and isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def open_log_folder() -> bool:
    """Show the log folder in the system's file manager; False when there is none or it cannot be opened."""
    path = current_log_file()
    return path is not None and QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))


class ErrorReporter(QObject):
    """Logs an uncaught error and shows it; safe to call from any thread (the dialog opens on the GUI thread)."""

    error_shown = Signal(str)  # the message the dialog shows
    _raised = Signal(str, str, str)  # summary, type name, details

    def __init__(self, parent_getter: ParentGetter) -> None:
        super().__init__()
        self._parent_getter = parent_getter
        self._dialog: QMessageBox | None = None
        self._count = 0
        self._raised.connect(self._show, Qt.ConnectionType.QueuedConnection)

    @property
    def dialog(self) -> QMessageBox | None:
        """The dialog on screen, if any."""
        if self._dialog is not None and shiboken6.isValid(self._dialog) and self._dialog.isVisible():
            return self._dialog
        return None

    def report(self, exc: BaseException, tb: TracebackType | None = None, where: str = "") -> None:
        """Log ``exc`` with its traceback (redacted by the log formatter) and show it."""
        log.error("uncaught error%s", f" in {where}" if where else "",
                  exc_info=(type(exc), exc, tb or exc.__traceback__))
        details = redact("".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__)))
        self._raised.emit(describe_error(exc), type(exc).__name__, details)

    def _show(self, summary: str, type_name: str, details: str) -> None:
        dialog = self.dialog
        if dialog is None:
            self._count = 0
            dialog = self._dialog = QMessageBox(self._parent_getter())
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.setWindowModality(Qt.WindowModality.NonModal)
            dialog.setIcon(QMessageBox.Icon.Warning)
            dialog.setWindowTitle("Pairframe: unexpected error")
            log_button = dialog.addButton("Open log folder", QMessageBox.ButtonRole.ActionRole)
            log_button.clicked.connect(open_log_folder)
            dialog.addButton(QMessageBox.StandardButton.Close)
        self._count += 1
        earlier = self._count - 1
        more = (f"\n\n({earlier} earlier error{'s' * (earlier != 1)} since this window opened.)"
                if earlier else "")
        dialog.setText(f"Something went wrong and Pairframe carried on.\n\n{type_name}: {summary}{more}")
        log_file = current_log_file()
        dialog.setInformativeText(f"The details are in the log: {log_file}" if log_file else "")
        dialog.setDetailedText(details)
        dialog.show()
        dialog.raise_()
        self.error_shown.emit(summary)


def install_excepthook(parent_getter: ParentGetter,
                       loop: asyncio.AbstractEventLoop | None = None) -> tuple[ErrorReporter, Callable[[], None]]:
    """Route uncaught exceptions to an ``ErrorReporter``; returns it and a function that restores the old hooks.

    ``parent_getter`` gives the window the dialog belongs to (called when the dialog opens). With ``loop``, the
    loop's unhandled callback and task errors are reported too.
    """
    reporter = ErrorReporter(parent_getter)
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook
    previous_handler = loop.get_exception_handler() if loop else None

    def excepthook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt | SystemExit):
            previous_hook(exc_type, exc, tb)
            return
        reporter.report(exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            previous_thread_hook(args)
            return
        reporter.report(args.exc_value, args.exc_traceback, f"thread {args.thread.name if args.thread else '?'}")

    def loop_handler(event_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if isinstance(exc, Exception):
            reporter.report(exc, where=redact(str(context.get("message", ""))))
        else:
            log.warning("event loop: %s", redact(str(context.get("message", context))))

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    if loop:
        loop.set_exception_handler(loop_handler)

    def restore() -> None:
        sys.excepthook, threading.excepthook = previous_hook, previous_thread_hook
        if loop and not loop.is_closed():
            loop.set_exception_handler(previous_handler)

    return reporter, restore
