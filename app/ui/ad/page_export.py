"""The Ad page's finished ad: play it, export it with its manifest, reveal it in the file manager."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QUrl, Signal, SignalInstance
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QLabel, QListWidget

from app.config import LibraryPaths
from app.core.domain import CampaignInfo, JobState
from app.core.generation.service import GenerationService
from app.ui.bridge import TaskBridge
from app.ui.player import VideoPlayer


class AdExportMixin:
    """Part of ``AdPage``: the bridge task ``export-<job>`` and the non-modal dialog that asks where to."""

    exported: Signal | SignalInstance
    generation: GenerationService
    paths: LibraryPaths
    bridge: TaskBridge
    campaign: CampaignInfo | None
    job: JobState | None
    last_export: Path | None
    export_dialog: QFileDialog | None
    clip_list: QListWidget
    player: VideoPlayer
    status_label: QLabel

    def play_ad(self) -> None:
        output = self.output_path
        if output is not None and output.is_file():
            self.clip_list.setCurrentItem(None)
            self.player.load(output, autoplay=True)

    def open_export_dialog(self) -> None:
        """Ask where to export (a non-modal dialog; the choice arrives through ``fileSelected``)."""
        output = self.output_path
        if self.job is None or output is None:
            return
        folder = self.last_export.parent if self.last_export else self.paths.exports
        campaign = self.campaign.name if self.campaign else "ad"
        name = re.sub(r'[\\/:*?"<>|]+', "-", f"{campaign} - job {self.job.id}.mp4")
        dialog = QFileDialog(self, "Export the ad", str(folder / name), "Video (*.mp4 *.mov *.m4v *.mkv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(output.suffix.lstrip(".") or "mp4")
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
        self.bridge.run(f"export-{self.job.id}", self.generation.export(self.job.id, target),
                        on_done=self._on_exported, on_error=self._on_task_error)

    def _on_exported(self, manifest: Path) -> None:
        self.last_export = manifest
        self.status_label.setText(f"Exported {manifest.with_suffix('').name} to {manifest.parent} "
                                  f"with its manifest {manifest.name}.")
        self._update_buttons()
        self.exported.emit(str(manifest))

    def reveal_in_folder(self) -> None:
        """Open the folder of the last export (else of the ad) in the file manager."""
        target = self.last_export or self.output_path
        if target is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target.parent)))
