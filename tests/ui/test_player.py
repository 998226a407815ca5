"""The player shows real frames (through its QVideoSink), pauses, scrubs, loops and reports bad files."""

from __future__ import annotations

import itertools
import time

from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame

from app.ui.player import VideoPlayer, format_time
from tests.helpers.combine_media import make_clip
from tests.ui.conftest import wait_signal, wait_until


def test_time_format() -> None:
    assert format_time(0) == "0:00"
    assert format_time(75_400) == "1:15"
    assert format_time(3_725_000) == "1:02:05"


async def test_frames_arrive_and_play_pause_scrub_work(qtbot, tmp_path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", duration=2.0)
    player = VideoPlayer()
    qtbot.addWidget(player)
    player.show()
    assert not player.play_button.isEnabled()
    sizes: list[tuple[int, int]] = []

    def on_frame(frame: QVideoFrame) -> None:
        if frame.isValid():
            sizes.append((frame.width(), frame.height()))

    player.video_sink.videoFrameChanged.connect(on_frame)
    player.load(clip, autoplay=True)
    await wait_until(lambda: len(sizes) >= 5, timeout=10)
    assert sizes[-1] == (320, 180)
    assert player.is_playing() and player.play_button.isEnabled()
    await wait_until(lambda: player.slider.maximum() == 2000, timeout=5)
    player.play_button.click()
    await wait_until(lambda: player.media.playbackState() == QMediaPlayer.PlaybackState.PausedState)
    player.seek(1500)
    await wait_until(lambda: player.slider.value() >= 1400)
    assert player.time_label.text() == "0:01 / 0:02"
    player.toggle()
    await wait_until(lambda: player.media.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia, timeout=5)
    player.load(None)
    assert player.source is None and not player.play_button.isEnabled()


async def test_loop_plays_again_from_the_start(qtbot, tmp_path) -> None:
    clip = make_clip(tmp_path / "short.mp4", duration=0.5, audio=False)
    player = VideoPlayer()
    qtbot.addWidget(player)
    player.show()
    player.loop_button.click()
    assert player.media.loops() == QMediaPlayer.Loops.Infinite.value
    positions: list[int] = []
    player.media.positionChanged.connect(positions.append)
    player.load(clip, autoplay=True)
    started = time.monotonic()
    await wait_until(lambda: time.monotonic() - started > 1.6, timeout=5)
    assert player.is_playing()
    assert any(later < earlier for earlier, later in itertools.pairwise(positions))
    player.set_loop(False)
    assert not player.loop_button.isChecked() and player.media.loops() == QMediaPlayer.Loops.Once.value


async def test_a_file_that_cannot_play_is_reported_in_the_widget(qtbot, tmp_path) -> None:
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video" * 100)
    player = VideoPlayer()
    qtbot.addWidget(player)
    player.show()
    player.load(broken, autoplay=True)
    (message,) = await wait_signal(player.error_occurred, timeout=10)
    assert message and player.message.isVisible() and player.message.text() == message


async def test_hiding_the_player_pauses_it_where_it_was(qtbot, tmp_path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", duration=3.0)
    player = VideoPlayer()
    qtbot.addWidget(player)
    player.show()
    player.load(clip, autoplay=True)
    await wait_until(lambda: player.is_playing() and player.media.position() > 200, timeout=10)
    player.hide()  # another tab, or the window closing
    await wait_until(lambda: player.media.playbackState() == QMediaPlayer.PlaybackState.PausedState)
    assert player.media.position() > 0 and player.source == clip  # paused in place, not unloaded
