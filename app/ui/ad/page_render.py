"""The Ad page's renders: combine the ad, a draft preview, or every ticked format into a folder.

All three run as the one bridge task ``combine-<job>`` (one render of a job at a time), report progress through
``combine_progress`` and can be cancelled. Combining clips that failed quality control asks first.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QFileDialog, QLabel, QListWidget, QMessageBox, QProgressBar

from app.config import LibraryPaths
from app.core.domain import JobState
from app.core.generation.quality import failed_qc
from app.core.generation.service import GenerationService
from app.core.media.combine import CombineResult
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.deliverables import DeliverableResult
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.ad.options_form import CombineOptionsForm
from app.ui.ad.qc_warning import ask_to_combine_failed_qc
from app.ui.bridge import TaskBridge
from app.ui.player import VideoPlayer


class RenderMixin:
    """Part of ``AdPage``: starting, following and cancelling the shown job's renders."""

    combine_progress: Signal | SignalInstance
    combined: Signal | SignalInstance
    draft_ready: Signal | SignalInstance
    delivered: Signal | SignalInstance
    generation: GenerationService
    paths: LibraryPaths
    bridge: TaskBridge
    job: JobState | None
    last_export: Path | None
    qc_question: QMessageBox | None
    deliver_dialog: QFileDialog | None
    clip_list: QListWidget
    player: VideoPlayer
    options_form: CombineOptionsForm
    deliver_form: DeliverablesForm
    progress: QProgressBar
    status_label: QLabel
    status_note: tuple[int, str] | None

    def _combine_name(self) -> str | None:
        return f"combine-{self.job.id}" if self.job else None

    def start_combine(self) -> None:
        """Combine the shown job with the form's options (asking first when a clip failed QC); progress arrives
        through ``combine_progress``."""
        if self.job is None or not self.job.succeeded_clips():
            return
        if failed := failed_qc(self.job.succeeded_clips()):
            self.qc_question = ask_to_combine_failed_qc(self, failed, self._combine_now)  # type: ignore[arg-type]
            return
        self._combine_now()

    def _combine_now(self) -> None:
        if self.job is None or not self.job.succeeded_clips():
            return
        job_id = self.job.id
        if self.player.source == self.output_path:
            self.player.load(None)  # let the new video replace the file the player has open
        self._clear_error()
        self.progress.setValue(0)
        self._note(job_id, "Combining…")
        task = self.bridge.run(f"combine-{job_id}", self.generation.combine(
            job_id, self.options_form.options(), on_progress=self.combine_progress.emit,
            skip_failed=self.options_form.skip_failed.isChecked()),
            on_done=lambda result: self._on_combined(job_id, result), on_error=self._on_task_error)
        task.add_done_callback(lambda t: self._on_combine_ended(job_id, t))
        self._update_buttons()

    def deliver_options(self, *, draft: bool = False) -> DeliverOptions:
        """What the two forms say, as one ``DeliverOptions`` (``DeliverError`` for a value that does not fit)."""
        return self.deliver_form.options(self.options_form.options(),
                                         skip_failed=self.options_form.skip_failed.isChecked(), draft=draft)

    def start_draft(self) -> None:
        """Render a draft of the first ticked format (or the aspect) with every option, and play it here."""
        if self.job is None or not self.job.succeeded_clips():
            return
        try:
            options = self.deliver_options(draft=True)
        except DeliverError as exc:
            self._show_error(str(exc))
            return
        if len(options.outputs) > 1:
            options = replace(options, formats=options.outputs[:1])
        job_id = self.job.id
        self.player.load(None)  # the draft may replace the file the player has open
        self._start_render(job_id, "Rendering a draft…", self.generation.deliver(
            job_id, options, on_progress=self.combine_progress.emit),
            lambda results: self._on_draft(job_id, results))

    def _on_draft(self, job_id: int, results: list[DeliverableResult]) -> None:
        result = results[0]
        self.progress.setValue(1000)
        if self.job is not None and self.job.id == job_id:
            self.clip_list.setCurrentItem(None)
            self.player.load(result.video_path, autoplay=True)
            cached = " (unchanged since the last draft)" if result.cached else ""
            warnings = "".join(f" Warning: {w}." for w in result.warnings)
            self._note(job_id, f"Draft {result.aspect} · {result.duration_s:.1f} s · "
                               f"{result.width}×{result.height}{cached}.{warnings}")
        self.draft_ready.emit(result)

    def open_deliver_dialog(self) -> None:
        """Ask for the folder that receives the formats (a non-modal dialog)."""
        if self.job is None:
            return
        dialog = QFileDialog(self, "Export the formats into a folder", str(self.paths.exports))
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda chosen: self.deliver_to(Path(chosen)))
        dialog.finished.connect(dialog.deleteLater)
        self.deliver_dialog = dialog
        dialog.open()

    def deliver_to(self, folder: Path) -> None:
        """Render every ticked format (else the aspect) into ``folder``; this also becomes the job's ad."""
        if self.job is None or not self.job.succeeded_clips():
            return
        try:
            options = self.deliver_options()
        except DeliverError as exc:
            self._show_error(str(exc))
            return
        job_id = self.job.id
        if self.player.source is not None:
            self.player.load(None)
        count = len(options.outputs)
        self._start_render(job_id, f"Rendering {count} format{'s' * (count != 1)} into {folder}…",
                           self.generation.deliver(job_id, options, output=folder,
                                                   on_progress=self.combine_progress.emit),
                           lambda results: self._on_delivered(job_id, folder, results))

    def _on_delivered(self, job_id: int, folder: Path, results: list[DeliverableResult]) -> None:
        self.progress.setValue(1000)
        self.last_export = results[0].manifest_path
        names = ", ".join(r.video_path.name for r in results)
        warnings = "".join(f" Warning: {w}." for w in dict.fromkeys(w for r in results for w in r.warnings))
        self._note(job_id, f"Exported {names} with their manifests and subtitles to {folder}.{warnings}")
        self.delivered.emit(results)
        if self.job is not None and self.job.id == job_id:
            self.status_note = None  # the job's own description now says what was made
            self._load_job(job_id)

    def _note(self, job_id: int, text: str) -> None:
        """Say what the page's last action is doing or did; it stays while the job is read again."""
        self.status_note = (job_id, text)
        self.status_label.setText(text)

    def _start_render(self, job_id: int, status: str, coro: Any, on_done: Any) -> None:
        self._clear_error()
        self.progress.setValue(0)
        self._note(job_id, status)
        task = self.bridge.run(f"combine-{job_id}", coro, on_done=on_done, on_error=self._on_task_error)
        task.add_done_callback(lambda t: self._on_combine_ended(job_id, t))
        self._update_buttons()

    def cancel_combine(self) -> None:
        if name := self._combine_name():
            self.bridge.cancel(name)

    def _on_combined(self, job_id: int, result: CombineResult) -> None:
        self.combined.emit(result)
        if self.job is not None and self.job.id == job_id:
            self.status_note = None  # the job's own description now says what was made
            self.progress.setValue(1000)
            self._load_job(job_id, play=True)

    def _on_combine_ended(self, job_id: int, task: asyncio.Task[Any]) -> None:
        if self.job is not None and self.job.id == job_id:
            if task.cancelled():
                self.progress.setValue(0)
                self._note(job_id, "Combine cancelled; the previous ad (if any) is unchanged.")
            elif task.exception() is not None:
                self.progress.setValue(0)
                self.status_note = None
                self.status_label.clear()
            self._update_buttons()
