"""A non-modal window that plays one finished clip, looping; reused for the next clip asked for."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from app.core.domain import ClipState
from app.ui.player import VideoPlayer


class ClipPreviewDialog(QDialog):
    """``show_clip(clip)`` loads and plays the clip's file; closing the window stops playback."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.resize(720, 460)
        self.player = VideoPlayer()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.player)

    def show_clip(self, clip: ClipState, path: Path) -> None:
        """Play ``clip`` from its file ``path``."""
        self.setWindowTitle(f"Clip {clip.position} of job {clip.job_id}")
        self.player.load(path, autoplay=True)
        self.player.set_loop(True)
        self.show()
        self.raise_()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.player.load(None)
        super().closeEvent(event)

    def reject(self) -> None:
        self.player.load(None)
        super().reject()
