"""Uncaught errors from slots, threads and loop callbacks are logged without keys, shown, and the app goes on."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from app.ui.bridge import TaskBridge
from app.ui.errors import ErrorReporter, current_log_file, install_excepthook
from tests.helpers.logs import app_logging, read_logs
from tests.ui.conftest import wait_until

KEY = "xai-SECRET-0123456789abcdef"
pytestmark = pytest.mark.qt_no_exception_capture  # the hook under test takes the exceptions, not pytest-qt


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("XAI_API_KEY", KEY)
    with app_logging(tmp_path / "logs"):
        yield tmp_path / "logs"


@pytest.fixture
async def reporter(qtbot, log_dir: Path) -> AsyncIterator[ErrorReporter]:
    window = QWidget()
    qtbot.addWidget(window)
    reporter, restore = install_excepthook(lambda: window, asyncio.get_running_loop())
    yield reporter
    if reporter.dialog:
        reporter.dialog.close()
    restore()


def _raise_with_key() -> None:
    raise RuntimeError(f"upload to https://api.x.ai/v1/files?key={KEY} failed")


def _assert_shown_and_logged_without_key(reporter: ErrorReporter, log_dir: Path) -> None:
    dialog = reporter.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    assert "RuntimeError" in dialog.text() and "[redacted]" in dialog.text()
    assert "_raise_with_key" in dialog.detailedText()
    logged = read_logs(log_dir)
    assert "Traceback" in logged and "_raise_with_key" in logged and "[redacted]" in logged
    for text in (dialog.text(), dialog.detailedText(), dialog.informativeText(), logged):
        assert KEY not in text


async def test_an_exception_in_a_qt_slot_is_shown_and_the_loop_goes_on(reporter: ErrorReporter,
                                                                       log_dir: Path) -> None:
    QTimer.singleShot(0, _raise_with_key)
    await wait_until(lambda: reporter.dialog is not None)
    _assert_shown_and_logged_without_key(reporter, log_dir)
    assert str(current_log_file()) in reporter.dialog.informativeText()
    done: list[int] = []
    TaskBridge().run("after", asyncio.sleep(0.01, 7), on_done=done.append)
    await wait_until(lambda: done == [7])


async def test_an_exception_in_a_worker_thread_is_shown(reporter: ErrorReporter, log_dir: Path) -> None:
    worker = threading.Thread(target=_raise_with_key, name="decoder")
    worker.start()
    worker.join()
    await wait_until(lambda: reporter.dialog is not None)
    _assert_shown_and_logged_without_key(reporter, log_dir)
    assert "thread decoder" in read_logs(log_dir)


async def test_an_exception_in_a_loop_callback_is_shown(reporter: ErrorReporter, log_dir: Path) -> None:
    asyncio.get_running_loop().call_soon(_raise_with_key)
    await wait_until(lambda: reporter.dialog is not None)
    _assert_shown_and_logged_without_key(reporter, log_dir)


async def test_a_burst_of_errors_reuses_one_dialog(reporter: ErrorReporter, log_dir: Path) -> None:
    shown: list[str] = []
    reporter.error_shown.connect(shown.append)
    for _ in range(3):
        QTimer.singleShot(0, _raise_with_key)
    await wait_until(lambda: len(shown) == 3)
    dialog = reporter.dialog
    assert dialog is not None and "2 earlier errors" in dialog.text()
    dialog.close()
    await wait_until(lambda: reporter.dialog is None)
    QTimer.singleShot(0, _raise_with_key)
    await wait_until(lambda: reporter.dialog is not None)
    assert "earlier error" not in reporter.dialog.text()


def test_restore_puts_the_previous_hooks_back(qtbot, log_dir: Path) -> None:
    before = (sys.excepthook, threading.excepthook)
    _, restore = install_excepthook(lambda: None)
    assert sys.excepthook is not before[0]
    restore()
    assert (sys.excepthook, threading.excepthook) == before
