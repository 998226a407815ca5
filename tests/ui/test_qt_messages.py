"""Qt's messages land in the app's log file at a level that keeps environment chatter off the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import qCritical, qInstallMessageHandler, qWarning

from app.ui.qt_messages import install_qt_message_handler
from tests.helpers.logs import app_logging, read_logs


@pytest.fixture
def handler_installed(qapp) -> Iterator[None]:
    previous = install_qt_message_handler()
    yield
    qInstallMessageHandler(previous)


def test_qt_warnings_go_to_the_log_file_not_the_terminal(tmp_path: Path, handler_installed: None,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    with app_logging(tmp_path / "logs", console=False):
        qWarning("no PulseAudio server here")
        qCritical("the scene graph broke")
        logged = read_logs(tmp_path / "logs")
    assert "INFO qt.default: no PulseAudio server here" in logged
    assert "ERROR qt.default: the scene graph broke" in logged
    err = capfd.readouterr().err
    assert "no PulseAudio server here" not in err
    assert "the scene graph broke" in err
