"""Qt's messages land in the app's log file at a level that keeps environment chatter off the terminal."""

from __future__ import annotations

import os
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


def test_the_video_players_ffmpeg_stream_dump_goes_to_the_log_file_not_the_terminal(tmp_path: Path) -> None:
    """A real player plays a real clip in a fresh process (FFmpeg's logging is set up when Qt Multimedia loads)."""
    import subprocess
    import sys

    from tests.helpers.combine_media import make_clip

    clip = make_clip(tmp_path / "clip.mp4", duration=1.0)
    logs = tmp_path / "logs"
    root = Path(__file__).resolve().parents[2]
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(root)!r})
from app.logging_setup import configure_logging
configure_logging(Path({str(logs)!r}), console=False)
from PySide6.QtCore import QTimer
from app.ui.application import create_qt_app
app = create_qt_app(["pairframe"])
from app.ui.player import VideoPlayer
player = VideoPlayer()
player.load(Path({str(clip)!r}), autoplay=True)
QTimer.singleShot(1500, app.quit)
app.exec()
"""
    env = {k: v for k, v in os.environ.items() if k != "QT_FFMPEG_DEBUG"}  # the app must ask for the routing
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={**env, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    assert "Input #0" not in run.stderr and "Stream #0" not in run.stderr
    logged = read_logs(logs)
    assert "qt.multimedia.ffmpeg.libav: Input #0" in logged


def test_the_tests_never_swap_qt_message_handlers_around_each_test(request: pytest.FixtureRequest) -> None:
    """pytest-qt's per-test capture is off: its handler, set back to none after each test while a QtMultimedia
    thread was logging, crashed the run (a segfault in PySide's handler call, 1 run in 10 of the Ad page's tests).
    """
    assert request.config.getoption("qt_log") is False
    assert request.config.pluginmanager.get_plugin("_qt_logging") is None
