"""Players that play, pause and scrub together: one master clock, the others follow it.

The master is an ordinary ``VideoPlayer`` with its controls; the followers have none. Play and pause follow the
master's playback state, a seek follows its position at once, and while playing a follower that drifts is brought
back gently (a slightly faster or slower rate) and, past a jump, by a seek. A paused group shows the same instant
in every player.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtMultimedia import QMediaPlayer

from app.ui.player import VideoPlayer

FRAME_MS = 40  # one frame at 25 fps: the tolerance a follower is kept within
NUDGE_LIMIT = 0.08  # at most 8 % faster or slower while catching up
JUMP_MS = 250  # a difference this large is a seek or a stall: follow it by seeking


class SyncGroup(QObject):
    """Keeps ``followers`` on ``master``'s clock."""

    def __init__(self, master: VideoPlayer, followers: list[VideoPlayer], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.master = master
        self.followers = followers
        master.media.playbackStateChanged.connect(self._state_changed)
        master.media.positionChanged.connect(self._position_changed)
        master.loop_button.toggled.connect(self._loop_changed)
        for follower in followers:
            follower.set_controls_visible(False)

    def players(self) -> list[VideoPlayer]:
        return [self.master, *self.followers]

    def _state_changed(self, state: QMediaPlayer.PlaybackState) -> None:
        position = self.master.media.position()
        for follower in self.followers:
            if follower.source is None:
                continue
            media = follower.media
            if state == QMediaPlayer.PlaybackState.PlayingState:
                media.setPlaybackRate(1.0)
                media.setPosition(position)
                media.play()
            elif state == QMediaPlayer.PlaybackState.PausedState:
                media.pause()
                media.setPosition(position)
            else:
                media.pause()
                media.setPosition(0)

    def _position_changed(self, position: int) -> None:
        playing = self.master.is_playing()
        for follower in self.followers:
            media = follower.media
            if follower.source is None or media.duration() <= 0:
                continue
            target = min(position, media.duration())
            drift = media.position() - target
            if not playing:
                if abs(drift) > FRAME_MS // 2:
                    media.setPosition(target)
                continue
            if position >= media.duration():  # a shorter variant: it rests on its last frame
                continue
            if abs(drift) > JUMP_MS:
                media.setPosition(target)
                media.setPlaybackRate(1.0)
            elif abs(drift) > FRAME_MS // 2:
                correction = max(-NUDGE_LIMIT, min(NUDGE_LIMIT, -drift / 1000))
                media.setPlaybackRate(1.0 + correction)
            elif media.playbackRate() != 1.0:
                media.setPlaybackRate(1.0)
            if not follower.is_playing():
                media.play()

    def _loop_changed(self, loop: bool) -> None:
        for follower in self.followers:
            follower.set_loop(loop)
