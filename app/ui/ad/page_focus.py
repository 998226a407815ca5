"""The Ad page's focus points: a click on the selected clip's picture sets the point its crops keep in view."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPointF, Signal, SignalInstance
from PySide6.QtWidgets import QLabel, QListWidget, QPushButton

from app.core.domain import ClipState
from app.core.generation.service import GenerationService
from app.ui.ad.page_clips import CLIP_ROLE
from app.ui.bridge import TaskBridge
from app.ui.player import VideoPlayer


class FocusPointMixin:
    """Part of ``AdPage``: the selected clip's focus, read from a click, stored, and described under the list."""

    focus_saved: Signal | SignalInstance
    generation: GenerationService
    bridge: TaskBridge
    clip_list: QListWidget
    player: VideoPlayer
    focus_label: QLabel
    reset_focus_button: QPushButton

    def selected_clip(self) -> ClipState | None:
        item = self.clip_list.currentItem()
        return item.data(CLIP_ROLE) if item is not None else None

    def focus_at(self, position: QPointF) -> tuple[float, float] | None:
        """Where ``position`` (in the video widget) falls on the shown frame, as fractions; None outside it."""
        size = self.player.video_sink.videoSize()
        width, height = self.player.video.width(), self.player.video.height()
        if size.isEmpty() or width <= 0 or height <= 0:
            return None
        scale = min(width / size.width(), height / size.height())
        shown_w, shown_h = size.width() * scale, size.height() * scale
        x = (position.x() - (width - shown_w) / 2) / shown_w
        y = (position.y() - (height - shown_h) / 2) / shown_h
        if not (0 <= x <= 1 and 0 <= y <= 1):
            return None
        return round(x, 3), round(y, 3)

    def set_focus(self, point: tuple[float, float] | None) -> None:
        """Store ``point`` (None: the centre) as the selected clip's focus."""
        clip = self.selected_clip()
        if clip is None:
            return
        self.bridge.run(f"focus-{clip.id}", self.generation.set_clip_focus(clip.id, point),
                        on_done=lambda _changes: self._focus_saved(clip.id, point), on_error=self._on_task_error)

    def _focus_saved(self, clip_id: int, point: tuple[float, float] | None) -> None:
        for row in range(self.clip_list.count()):
            item = self.clip_list.item(row)
            clip: ClipState = item.data(CLIP_ROLE)
            if clip.id == clip_id:
                item.setData(CLIP_ROLE, replace(clip, focus=point))
        self._show_focus()
        self.focus_saved.emit(clip_id, point)

    def _show_focus(self) -> None:
        clip = self.selected_clip()
        if clip is None:
            self.focus_label.setText("Select a clip, then click its picture to set the point crops keep in view.")
        elif clip.focus is None:
            self.focus_label.setText(f"Clip {clip.position}: crops keep the centre; click the picture to change it.")
        else:
            self.focus_label.setText(f"Clip {clip.position}: crops keep the point at {clip.focus[0]:.0%} across, "
                                     f"{clip.focus[1]:.0%} down.")
        self.reset_focus_button.setEnabled(clip is not None and clip.focus is not None)
