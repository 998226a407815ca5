"""A small video player: play/pause, scrub, loop and the time, for a clip or the combined ad."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QHideEvent
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer, QVideoSink
from PySide6.QtMultimediaWidgets import QVideoWidget
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QStyle, QToolButton, QVBoxLayout, QWidget


def format_time(ms: int) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a position in milliseconds."""
    seconds = max(0, ms) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _ignore(*_args: object) -> None:
    """A slot that does nothing (see ``settle_notify_hooks``)."""


def settle_notify_hooks(*objects: QObject) -> None:
    """Connect and disconnect a signal of each object once, here on the GUI thread.

    A QObject made from Python asks Python (taking the GIL) whether it overrides ``connectNotify`` or
    ``disconnectNotify`` the first time Qt calls either, and remembers the answer. QtMultimedia's renderer
    threads call them while holding Qt's connection locks, and a GUI thread that holds the GIL and waits for such
    a lock (stopping the player, say) then deadlocks with them. Asked once here, the answer is remembered and the
    renderer threads never need the GIL for it.
    """
    for item in objects:
        item.objectNameChanged.connect(_ignore)
        item.objectNameChanged.disconnect(_ignore)


class VideoPlayer(QWidget):
    """QMediaPlayer + QAudioOutput + QVideoWidget with a control row; ``load(path)`` shows a file."""

    error_occurred = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.media = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.video = QVideoWidget(self)
        settle_notify_hooks(self.media, self.audio, self.video)  # before any renderer thread exists
        self.media.setAudioOutput(self.audio)
        self.video.setMinimumSize(240, 135)
        self.video.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.media.setVideoOutput(self.video)
        self.source: Path | None = None

        self.play_button = QToolButton(self)
        self.play_button.setToolTip("Play / pause")
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setToolTip("Scrub")
        self.time_label = QLabel(format_time(0) + " / " + format_time(0), self)
        self.loop_button = QToolButton(self)
        self.loop_button.setText("Loop")
        self.loop_button.setCheckable(True)
        self.loop_button.setToolTip("Play again from the start at the end")
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.hide()

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.play_button)
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.time_label)
        controls.addWidget(self.loop_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.video, 1)
        layout.addWidget(self.message)
        layout.addLayout(controls)

        self.play_button.clicked.connect(self.toggle)
        self.loop_button.toggled.connect(self.set_loop)
        self.slider.sliderMoved.connect(self.media.setPosition)
        self.slider.actionTriggered.connect(lambda _action: self.media.setPosition(self.slider.sliderPosition()))
        self.media.positionChanged.connect(self._on_position)
        self.media.durationChanged.connect(self._on_duration)
        self.media.playbackStateChanged.connect(lambda _state: self._update_button())
        self.media.errorOccurred.connect(self._on_error)
        self._update_button()
        self._set_enabled(False)

    @property
    def video_sink(self) -> QVideoSink:
        """Where the frames arrive (tests watch ``videoFrameChanged``; ``QVideoWidget.grab()`` is blank)."""
        return self.video.videoSink()

    def load(self, path: Path | None, *, autoplay: bool = False) -> None:
        """Show ``path`` (None clears the player); a reload of the same path picks up a replaced file."""
        self.media.stop()
        if path is None or path == self.source:  # the same address again would be ignored: clear it first
            self.media.setSource(QUrl())
        self.message.hide()
        self.source = path
        self._set_enabled(path is not None)
        self._on_duration(0)
        if path is None:
            return
        self.media.setSource(QUrl.fromLocalFile(str(path)))
        if autoplay:
            self.media.play()

    def play(self) -> None:
        if self.source is not None:
            self.media.play()

    def hideEvent(self, event: QHideEvent) -> None:
        """Pause when hidden (another tab, a closed window): nothing plays unseen, and no frame is still in flight
        when the window and its player are destroyed (QtMultimedia's decoding threads can crash on that)."""
        if self.is_playing():
            self.media.pause()
        super().hideEvent(event)

    def pause(self) -> None:
        self.media.pause()

    def toggle(self) -> None:
        """Pause while playing, play otherwise."""
        if self.is_playing():
            self.pause()
        else:
            self.play()

    def is_playing(self) -> bool:
        return self.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def set_loop(self, loop: bool) -> None:
        """Loop forever, or play once."""
        if self.loop_button.isChecked() != loop:
            self.loop_button.setChecked(loop)
        self.media.setLoops((QMediaPlayer.Loops.Infinite if loop else QMediaPlayer.Loops.Once).value)

    def seek(self, ms: int) -> None:
        self.media.setPosition(ms)

    def set_controls_visible(self, visible: bool) -> None:
        """Show or hide the control row (a player another one drives has none)."""
        for widget in (self.play_button, self.slider, self.time_label, self.loop_button):
            widget.setVisible(visible)

    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.play_button, self.slider):
            widget.setEnabled(enabled)

    def _update_button(self) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if self.is_playing() else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def _on_position(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.setValue(position)
        self.time_label.setText(f"{format_time(position)} / {format_time(self.media.duration())}")

    def _on_duration(self, duration: int) -> None:
        self.slider.setRange(0, max(0, duration))
        self.time_label.setText(f"{format_time(self.media.position())} / {format_time(duration)}")

    def _on_error(self, _error: QMediaPlayer.Error, text: str) -> None:
        message = text or "the video cannot be played"
        self.message.setText(message)
        self.message.show()
        self.error_occurred.emit(message)
