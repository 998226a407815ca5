"""The Ad page's clip list: one row per finished clip with its thumbnail, length and QC notes; choosing one plays it."""

from __future__ import annotations

import contextlib
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListWidget, QListWidgetItem

from app.config import LibraryPaths
from app.core.domain import AssetInfo, ClipState, JobState
from app.core.media.ffmpeg import FFmpegError
from app.core.media.probe import probe
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.bridge import TaskBridge
from app.ui.player import VideoPlayer
from app.ui.thumbnail_loader import ThumbnailLoader

CLIP_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(96, 54)


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value else "—"


def stored_file(root: Path, stored: str | None) -> Path | None:
    """A stored file path: absolute as is, relative to the library folder otherwise."""
    if not stored:
        return None
    path = Path(stored)
    return path if path.is_absolute() else root / path


class ClipListMixin:
    """Part of ``AdPage``: the shown job's clips as list rows, their thumbnails and the lengths the form needs."""

    paths: LibraryPaths
    bridge: TaskBridge
    thumbnails: ThumbnailLoader
    job: JobState | None
    assets: dict[int, AssetInfo]
    clip_list: QListWidget
    player: VideoPlayer
    deliver_form: DeliverablesForm

    def _set_clip_lengths(self, job: JobState, lengths: list[float | None]) -> None:
        """Give the deliverables form the clips' lengths (probing the files of those the job does not know)."""
        if all(length is not None for length in lengths):
            self.deliver_form.set_clips([length or 0.0 for length in lengths])
            return
        self.deliver_form.set_clips(())
        files = [stored_file(self.paths.share, c.file_path) for c in job.succeeded_clips()]

        async def measure() -> list[float]:
            measured = []
            for length, path in zip(lengths, files, strict=True):
                if length is None and path is not None and path.is_file():
                    with contextlib.suppress(FFmpegError):
                        length = (await probe(path)).duration_s
                measured.append(length or 0.0)
            return measured

        def measured(values: list[float]) -> None:
            if self.job is not None and self.job.id == job.id:
                self.deliver_form.set_clips(values)
        self.bridge.run("ad-clip-lengths", measure(), on_done=measured, on_error=lambda _exc: None)

    def _clip_item(self, clip: ClipState, duration: float | None) -> QListWidgetItem:
        path = stored_file(self.paths.share, clip.file_path)
        first = self.assets.get(clip.first_asset_id) if clip.first_asset_id else None
        last = self.assets.get(clip.last_asset_id) if clip.last_asset_id else None
        names = (f"{first.original_name if first else '?'} → {last.original_name if last else '?'}"
                 if first or last else (path.name if path else f"clip {clip.position}"))
        item = QListWidgetItem(f"{clip.position}. {names}\n{_seconds(duration)}")
        item.setData(CLIP_ROLE, clip)
        tip = clip.prompt or (path.name if path else "")
        if clip.qc is not None and clip.qc.reasons:
            tip += "\n\nQC " + clip.qc.verdict.value + ":\n" + "\n".join(clip.qc.lines())
        item.setToolTip(tip)
        if first is not None and (pixmap := self.thumbnails.pixmap(first)) is not None:
            item.setIcon(QIcon(pixmap.scaled(ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio)))
        return item

    def _thumbnail_loaded(self, asset_id: int) -> None:
        asset = self.assets.get(asset_id)
        if asset is None:
            return
        for row in range(self.clip_list.count()):
            item = self.clip_list.item(row)
            clip: ClipState = item.data(CLIP_ROLE)
            if clip.first_asset_id == asset_id and (pixmap := self.thumbnails.pixmap(asset)) is not None:
                item.setIcon(QIcon(pixmap.scaled(ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio)))

    def _on_clip_chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            clip: ClipState = current.data(CLIP_ROLE)
            self.player.load(stored_file(self.paths.share, clip.file_path), autoplay=True)
        self._show_focus()
