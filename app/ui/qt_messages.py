"""Qt's own diagnostics go to the app's log (file, keys redacted) instead of straight to standard error.

Qt warnings are mostly about the environment (no PulseAudio server, no VA-API driver, a platform plugin's
limits): they are logged at INFO, so they are in the log file but not on the terminal unless ``--verbose``.
Qt's critical and fatal messages stay errors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.DEBUG,
    QtMsgType.QtWarningMsg: logging.INFO,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    category = context.category or "default"
    name = category if category == "qt" or category.startswith("qt.") else f"qt.{category}"
    logging.getLogger(name).log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def install_qt_message_handler() -> Callable[..., Any] | None:
    """Route every Qt message into Python logging under ``qt.<category>``; returns the previous handler."""
    return qInstallMessageHandler(_handle)
