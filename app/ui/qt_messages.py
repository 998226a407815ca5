"""Qt's own diagnostics go to the app's log (file, keys redacted) instead of straight to standard error.

Qt warnings are mostly about the environment (no PulseAudio server, no VA-API driver, a platform plugin's
limits): they are logged at INFO, so they are in the log file but not on the terminal unless ``--verbose``.
Qt's critical and fatal messages stay errors.

FFmpeg, which plays clips for Qt Multimedia, writes its own lines (a dump of every stream it opens) straight to
standard error unless Qt routes them: ``QT_FFMPEG_DEBUG`` makes Qt hand them to its message handler, and they are
logged here at INFO under ``qt.multimedia.ffmpeg.libav`` — in the log file, not on the terminal.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

FFMPEG_PREFIX = "FFmpeg log: "
FFMPEG_LOGGER = "qt.multimedia.ffmpeg.libav"
_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.DEBUG,
    QtMsgType.QtWarningMsg: logging.INFO,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _handle(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    text = message.strip('"') if message.startswith(f'"{FFMPEG_PREFIX}') else message
    if text.startswith(FFMPEG_PREFIX):
        line = text[len(FFMPEG_PREFIX):].rstrip()
        if line:
            logging.getLogger(FFMPEG_LOGGER).info("%s", line)
        return
    category = context.category or "default"
    name = category if category == "qt" or category.startswith("qt.") else f"qt.{category}"
    logging.getLogger(name).log(_LEVELS.get(kind, logging.WARNING), "%s", message)


def install_qt_message_handler() -> Callable[..., Any] | None:
    """Route every Qt message (and FFmpeg's, through Qt) into Python logging under ``qt.<category>``; returns the
    previous handler. Call it before Qt Multimedia first plays something."""
    os.environ.setdefault("QT_FFMPEG_DEBUG", "1")
    return qInstallMessageHandler(_handle)
