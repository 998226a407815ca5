"""Combine, preview and export the ad: pick a job, watch its clips, join them, play the result, export it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import CampaignInfo
from app.core.library.thumbnails import thumbnail_path
from app.core.media.combine import CombineResult
from app.core.media.jobs import ClipMedia, JobMedia, JobSummary
from app.core.services import Services
from app.ui.ad.options_form import CombineOptionsForm
from app.ui.bridge import TaskBridge, describe_error
from app.ui.player import VideoPlayer

CLIP_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(96, 54)


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value else "—"


class AdPage(QWidget):
    """The campaign's jobs with clips, their clips in order, the combine options, the player and export."""

    combine_progress = Signal(float)
    job_loaded = Signal(int)
    combined = Signal(object)  # CombineResult
    exported = Signal(str)  # the manifest's path
    error_shown = Signal(str)

    def __init__(self, services: Services, bridge: TaskBridge, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bridge = bridge
        self.campaign: CampaignInfo | None = None
        self.job: JobMedia | None = None
        self.last_export: Path | None = None
        self.export_dialog: QFileDialog | None = None
        self._wanted_job: int | None = None

        self.job_combo = QComboBox()
        self.job_combo.setMinimumContentsLength(30)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("Refresh")
        self.clip_list = QListWidget()
        self.clip_list.setIconSize(ICON_SIZE)
        self.clip_list.setMinimumWidth(220)
        self.player = VideoPlayer()
        self.options_form = CombineOptionsForm(services.settings.current)
        self.combine_button = QPushButton("&Combine")
        self.combine_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.play_ad_button = QPushButton("&Play ad")
        self.export_button = QPushButton("&Export…")
        self.reveal_button = QPushButton("Reveal in folder")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        self._build_layout()

        self.job_combo.currentIndexChanged.connect(self._on_job_chosen)
        self.refresh_button.clicked.connect(self.reload)
        self.clip_list.currentItemChanged.connect(self._on_clip_chosen)
        self.combine_button.clicked.connect(self.start_combine)
        self.cancel_button.clicked.connect(self.cancel_combine)
        self.play_ad_button.clicked.connect(self.play_ad)
        self.export_button.clicked.connect(self.open_export_dialog)
        self.reveal_button.clicked.connect(self.reveal_in_folder)
        self.combine_progress.connect(lambda f: self.progress.setValue(round(f * 1000)))
        self.player.error_occurred.connect(self._show_error)
        self._update_buttons()

    def _build_layout(self) -> None:
        job_label = QLabel("&Job")
        job_label.setBuddy(self.job_combo)
        top = QHBoxLayout()
        top.addWidget(job_label)
        top.addWidget(self.job_combo, 1)
        top.addWidget(self.refresh_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Clips in order (select one to play it)"))
        left_layout.addWidget(self.clip_list, 1)
        left_layout.addWidget(self.options_form)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.player)
        splitter.setStretchFactor(1, 1)
        actions = QHBoxLayout()
        for widget in (self.combine_button, self.cancel_button):
            actions.addWidget(widget)
        actions.addWidget(self.progress, 1)
        for widget in (self.play_ad_button, self.export_button, self.reveal_button):
            actions.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)

    # -- campaign and job ---------------------------------------------------------------------------------

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s jobs that have clips (or nothing)."""
        self.campaign = campaign
        self._wanted_job = None
        self._show_job_media(None)
        self.job_combo.blockSignals(True)
        self.job_combo.clear()
        self.job_combo.blockSignals(False)
        self.reload()

    def show_job(self, job_id: int) -> None:
        """Select job ``job_id`` (loading the list again if it is not there yet)."""
        self._wanted_job = job_id
        index = self.job_combo.findData(job_id)
        if index >= 0:
            self._wanted_job = None
            if index == self.job_combo.currentIndex():
                self._load_job(job_id)
            else:
                self.job_combo.setCurrentIndex(index)
        else:
            self.reload()

    def reload(self) -> None:
        """Fetch the campaign's jobs again."""
        if self.campaign is None:
            self._update_buttons()
            return
        campaign_id = self.campaign.id
        self.bridge.run("ad-jobs", self.services.media.campaign_jobs(campaign_id),
                        on_done=lambda jobs: self._on_jobs(campaign_id, jobs), on_error=self._on_task_error)

    def _on_jobs(self, campaign_id: int, jobs: list[JobSummary]) -> None:
        if self.campaign is None or self.campaign.id != campaign_id:
            return
        keep = self._wanted_job or self.job_combo.currentData()
        self._wanted_job = None
        self.job_combo.blockSignals(True)
        self.job_combo.clear()
        for job in jobs:
            combined = " · combined" if job.output_path else ""
            self.job_combo.addItem(f"Job {job.id} · {job.model_id} · {job.clip_count} clip(s) · "
                                   f"{job.status.value}{combined}", job.id)
        self.job_combo.blockSignals(False)
        if not jobs:
            self._show_job_media(None)
            self.status_label.setText("No job of this campaign has finished clips yet: generate some first.")
            return
        index = max(0, self.job_combo.findData(keep))
        self.job_combo.setCurrentIndex(index)
        self._load_job(self.job_combo.itemData(index))

    def _on_job_chosen(self, index: int) -> None:
        if index >= 0:
            self._load_job(self.job_combo.itemData(index))

    def _load_job(self, job_id: int, *, play: bool = False) -> None:
        self.bridge.run("ad-job", self.services.media.job_media(job_id),
                        on_done=lambda job: self._on_job_media(job, play), on_error=self._on_task_error)

    def _on_job_media(self, job: JobMedia, play: bool) -> None:
        if self.job_combo.currentData() != job.id:
            return
        self._show_job_media(job)
        if job.output_meta:
            self.options_form.show_last(job.output_meta)
        if job.output_path and job.output_path.is_file():
            self.player.load(job.output_path, autoplay=play)
        self.job_loaded.emit(job.id)

    def _show_job_media(self, job: JobMedia | None) -> None:
        if job is None or self.job is None or job.id != self.job.id:
            self.progress.setValue(0)
        self.job = job
        self.clip_list.clear()
        self.player.load(None)
        self.status_label.clear()
        self._clear_error()
        if job is not None:
            durations = dict(zip(job.output_meta.get("clip_ids", []), job.output_meta.get("clip_durations", []),
                                 strict=False))
            for clip in job.clips:
                self.clip_list.addItem(self._clip_item(clip, clip.duration_s or durations.get(clip.id)))
            self.status_label.setText(self._describe_output(job))
        self._update_buttons()

    def _clip_item(self, clip: ClipMedia, duration: float | None) -> QListWidgetItem:
        first = clip.first_asset.name if clip.first_asset else "?"
        last = clip.last_asset.name if clip.last_asset else "?"
        names = f"{first} → {last}" if clip.first_asset or clip.last_asset else clip.path.name
        item = QListWidgetItem(f"{clip.position}. {names}\n{_seconds(duration)}")
        item.setData(CLIP_ROLE, clip)
        item.setToolTip(clip.prompt or clip.path.name)
        if clip.first_asset:
            thumb = thumbnail_path(self.services.paths.thumbs, clip.first_asset.sha256)
            if thumb.is_file():
                item.setIcon(QIcon(QPixmap(str(thumb)).scaled(ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio)))
        return item

    def _on_clip_chosen(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            clip: ClipMedia = current.data(CLIP_ROLE)
            self.player.load(clip.path, autoplay=True)

    @staticmethod
    def _describe_output(job: JobMedia) -> str:
        meta = job.output_meta
        if not job.output_path or not meta:
            return f"{len(job.clips)} clip(s) ready to combine."
        how = "stream copy, no re-encode" if meta.get("stream_copy") else "encoded once"
        return (f"Ad: {job.output_path.name} · {meta.get('duration_s', 0):.1f} s · {meta.get('width')}×"
                f"{meta.get('height')} · {meta.get('transition')} joins · {how}")

    # -- combine --------------------------------------------------------------------------------------------

    def _combine_name(self) -> str | None:
        return f"combine-{self.job.id}" if self.job else None

    def start_combine(self) -> None:
        """Combine the shown job with the form's options; progress arrives through ``combine_progress``."""
        if self.job is None or not self.job.clips:
            return
        job_id = self.job.id
        if self.player.source == self.job.output_path:
            self.player.load(None)  # let the new video replace the file the player has open
        self._clear_error()
        self.progress.setValue(0)
        self.status_label.setText("Combining…")
        task = self.bridge.run(f"combine-{job_id}", self.services.media.combine(
            job_id, self.options_form.options(), on_progress=self.combine_progress.emit),
            on_done=lambda result: self._on_combined(job_id, result), on_error=self._on_task_error)
        task.add_done_callback(lambda t: self._on_combine_ended(job_id, t))
        self._update_buttons()

    def cancel_combine(self) -> None:
        if name := self._combine_name():
            self.bridge.cancel(name)

    def _on_combined(self, job_id: int, result: CombineResult) -> None:
        self.combined.emit(result)
        if self.job is not None and self.job.id == job_id:
            self.progress.setValue(1000)
            self._load_job(job_id, play=True)

    def _on_combine_ended(self, job_id: int, task: asyncio.Task[Any]) -> None:
        if self.job is not None and self.job.id == job_id:
            if task.cancelled():
                self.progress.setValue(0)
                self.status_label.setText("Combine cancelled; the previous ad (if any) is unchanged.")
            elif task.exception() is not None:
                self.progress.setValue(0)
                self.status_label.clear()
            self._update_buttons()

    # -- play, export, reveal -------------------------------------------------------------------------------

    def play_ad(self) -> None:
        if self.job and self.job.output_path and self.job.output_path.is_file():
            self.clip_list.setCurrentItem(None)
            self.player.load(self.job.output_path, autoplay=True)

    def open_export_dialog(self) -> None:
        """Ask where to export (a non-modal dialog; the choice arrives through ``fileSelected``)."""
        if self.job is None or self.job.output_path is None:
            return
        folder = self.last_export.parent if self.last_export else self.services.paths.exports
        name = re.sub(r'[\\/:*?"<>|]+', "-", f"{self.job.campaign_name or 'ad'} - job {self.job.id}.mp4")
        dialog = QFileDialog(self, "Export the ad", str(folder / name), "Video (*.mp4 *.mov *.m4v *.mkv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(self.job.output_path.suffix.lstrip(".") or "mp4")
        dialog.fileSelected.connect(lambda chosen: self.export_to(Path(chosen)))
        dialog.finished.connect(dialog.deleteLater)
        self.export_dialog = dialog
        dialog.open()

    def export_to(self, target: Path) -> None:
        """Export the shown job's ad to ``target`` with its manifest beside it."""
        if self.job is None:
            return
        self._clear_error()
        self.status_label.setText(f"Exporting to {target}…")
        self.bridge.run(f"export-{self.job.id}", self.services.media.export(self.job.id, target),
                        on_done=self._on_exported, on_error=self._on_task_error)

    def _on_exported(self, manifest: Path) -> None:
        self.last_export = manifest
        self.status_label.setText(f"Exported {manifest.with_suffix('').name} to {manifest.parent} "
                                  f"with its manifest {manifest.name}.")
        self._update_buttons()
        self.exported.emit(str(manifest))

    def reveal_in_folder(self) -> None:
        """Open the folder of the last export (else of the ad) in the file manager."""
        target = self.last_export or (self.job.output_path if self.job else None)
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))

    # -- state ----------------------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        name = self._combine_name()
        running = bool(name and self.bridge.is_running(name))
        has_clips = bool(self.job and self.job.clips)
        has_ad = bool(self.job and self.job.output_path and self.job.output_path.is_file())
        self.combine_button.setEnabled(has_clips and not running)
        self.cancel_button.setEnabled(running)
        self.options_form.setEnabled(not running)
        self.play_ad_button.setEnabled(has_ad and not running)
        self.export_button.setEnabled(has_ad and not running)
        self.reveal_button.setEnabled(has_ad or self.last_export is not None)

    def _on_task_error(self, exc: BaseException) -> None:
        self._show_error(describe_error(exc))
        self._update_buttons()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.error_shown.emit(message)

    def _clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
