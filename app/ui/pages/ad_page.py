"""Combine, preview and export the ad: pick a job, watch its clips, join them, play the result, export it.

The job list follows the change feed: a job appears as soon as it has a finished clip (made here, in another
window or by another process), and the shown job is read again when it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.config import LibraryPaths, SettingsStore
from app.core.changes import Changes
from app.core.domain import AssetInfo, CampaignInfo, ClipState, JobState
from app.core.generation.combining import MissingClips
from app.core.generation.quality import failed_qc
from app.core.generation.service import GenerationService
from app.core.library.service import LibraryService
from app.core.media.combine import CombineResult
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.deliverables import DeliverableResult
from app.core.media.ffmpeg import FFmpegError
from app.core.media.probe import probe
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.ad.options_form import CombineOptionsForm
from app.ui.bridge import TaskBridge, describe_error
from app.ui.change_feed import ChangeFeed
from app.ui.notices import Notices
from app.ui.player import VideoPlayer
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader

CLIP_ROLE = Qt.ItemDataRole.UserRole
ICON_SIZE = QSize(96, 54)
RELOAD_DELAY_MS = 200
OPTIONS_KEY = "ad/combine_options"
DELIVER_KEY = "ad/deliver_options"
SPLITTER_KEY = "ad/splitter"


def _seconds(value: float | None) -> str:
    return f"{value:.1f} s" if value else "—"


def _file(root: Path, stored: str | None) -> Path | None:
    """A stored file path: absolute as is, relative to the library folder otherwise."""
    if not stored:
        return None
    path = Path(stored)
    return path if path.is_absolute() else root / path


class AdPage(QWidget):
    """The campaign's jobs with clips, their clips in order, the combine options, the player and export."""

    combine_progress = Signal(float)
    job_loaded = Signal(int)
    combined = Signal(object)  # CombineResult
    exported = Signal(str)  # the manifest's path
    draft_ready = Signal(object)  # DeliverableResult of the draft preview
    delivered = Signal(object)  # list[DeliverableResult] of an export of formats
    focus_saved = Signal(int, object)  # clip id, (x, y)
    error_shown = Signal(str)

    def __init__(self, generation: GenerationService, library: LibraryService, thumbnails: ThumbnailLoader,
                 settings: SettingsStore, paths: LibraryPaths, bridge: TaskBridge, feed: ChangeFeed,
                 notices: Notices, parent: QWidget | None = None, *, preferences: Preferences | None = None) -> None:
        super().__init__(parent)
        self.preferences = preferences if preferences is not None else Preferences()
        self.generation = generation
        self.library = library
        self.thumbnails = thumbnails
        self.paths = paths
        self.bridge = bridge
        self.notices = notices
        self.campaign: CampaignInfo | None = None
        self.job: JobState | None = None
        self.assets: dict[int, AssetInfo] = {}
        self.last_export: Path | None = None
        self.export_dialog: QFileDialog | None = None
        self._wanted_job: int | None = None
        self.qc_question: QMessageBox | None = None  # "clips failed QC: combine anyway?"

        self.job_combo = QComboBox()
        self.job_combo.setMinimumContentsLength(30)
        self.clip_list = QListWidget()
        self.clip_list.setIconSize(ICON_SIZE)
        self.clip_list.setMinimumWidth(220)
        self.player = VideoPlayer()
        self.options_form = CombineOptionsForm(settings.current)
        self.options_form.restore(self.preferences.document(OPTIONS_KEY))
        self.options_form.changed.connect(
            lambda: self.preferences.set_document(OPTIONS_KEY, self.options_form.state()))
        self.deliver_form = DeliverablesForm()
        self.deliver_form.restore(self.preferences.document(DELIVER_KEY))
        self.deliver_form.changed.connect(
            lambda: self.preferences.set_document(DELIVER_KEY, self.deliver_form.state()))
        self.options_form.changed.connect(lambda: self.deliver_form.set_base(self.options_form.options()))
        self.deliver_form.set_base(self.options_form.options())
        self.focus_label = QLabel()
        self.focus_label.setWordWrap(True)
        self.reset_focus_button = QPushButton("Centre the focus")
        self.reset_focus_button.setToolTip("Crops of this clip keep its centre in view")
        self.draft_button = QPushButton("Draft preview")
        self.draft_button.setToolTip("A fast low-resolution render of the deliverable with every option, to play here")
        self.deliver_button = QPushButton("Export formats…")
        self.deliver_button.setToolTip("Render every ticked format (or the aspect) into a folder: a video, its "
                                       "manifest and its subtitles each")
        self.deliver_dialog: QFileDialog | None = None
        # Mnemonics leave alone the tabs' (A, P, G, D) and the menus' (F, E, V, C, H) letters.
        self.combine_button = QPushButton("Com&bine")
        self.combine_button.setDefault(True)
        self.combine_button.setToolTip("Join the clips with the combine options into the job's ad (the deliverables "
                                       "options apply to Draft preview and Export formats)")
        self.cancel_button = QPushButton("Cancel")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.play_ad_button = QPushButton("Pla&y ad")
        self.export_button = QPushButton("E&xport…")
        self.reveal_button = QPushButton("Reveal in folder")
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_layout()

        self.job_combo.currentIndexChanged.connect(self._on_job_chosen)
        self._reload_timer = QTimer(self, singleShot=True, interval=RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        feed.changed.connect(self.apply_changes)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.clip_list.currentItemChanged.connect(self._on_clip_chosen)
        self.combine_button.clicked.connect(self.start_combine)
        self.cancel_button.clicked.connect(self.cancel_combine)
        self.play_ad_button.clicked.connect(self.play_ad)
        self.export_button.clicked.connect(self.open_export_dialog)
        self.reveal_button.clicked.connect(self.reveal_in_folder)
        self.draft_button.clicked.connect(self.start_draft)
        self.deliver_button.clicked.connect(self.open_deliver_dialog)
        self.reset_focus_button.clicked.connect(lambda: self.set_focus(None))
        self.player.video.installEventFilter(self)
        self.combine_progress.connect(lambda f: self.progress.setValue(round(f * 1000)))
        self.player.error_occurred.connect(self._show_error)
        self._update_buttons()

    def _build_layout(self) -> None:
        job_label = QLabel("&Job")
        job_label.setBuddy(self.job_combo)
        top = QHBoxLayout()
        top.addWidget(job_label)
        top.addWidget(self.job_combo, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("Clips in order (select one to play it)"))
        left_layout.addWidget(self.clip_list, 1)
        focus_row = QHBoxLayout()
        focus_row.addWidget(self.focus_label, 1)
        focus_row.addWidget(self.reset_focus_button)
        left_layout.addLayout(focus_row)
        options = QWidget()
        options_layout = QVBoxLayout(options)
        options_layout.setContentsMargins(0, 0, 0, 0)
        options_layout.addWidget(self.options_form)
        options_layout.addWidget(self.deliver_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(options)
        left_layout.addWidget(scroll, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.player)
        splitter.setStretchFactor(1, 1)
        if (state := self.preferences.state(SPLITTER_KEY)) is not None:
            splitter.restoreState(state)
        splitter.splitterMoved.connect(lambda *_: self.preferences.set_value(SPLITTER_KEY, splitter.saveState()))
        actions = QHBoxLayout()
        for widget in (self.combine_button, self.draft_button, self.deliver_button, self.cancel_button):
            actions.addWidget(widget)
        actions.addWidget(self.progress, 1)
        for widget in (self.play_ad_button, self.export_button, self.reveal_button):
            actions.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(actions)
        layout.addWidget(self.status_label)

    # -- campaign and job ---------------------------------------------------------------------------------

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s jobs that have clips (or nothing)."""
        self.campaign = campaign
        self._wanted_job = None
        self.deliver_form.set_key_messages(campaign.key_messages if campaign else ())
        self._show_job(None)
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

    def apply_changes(self, changes: Changes) -> None:
        """Read the jobs again when one of the campaign's jobs (or clips) changed."""
        if self.campaign is not None and changes.jobs_of(self.campaign.id):
            self._reload_timer.start()

    def reload(self) -> None:
        """Fetch the campaign's jobs (those with finished clips) and the shown job again."""
        self._reload_timer.stop()
        if self.campaign is None:
            self._update_buttons()
            return
        campaign_id = self.campaign.id
        self.bridge.run("ad-jobs", self.generation.list_jobs(campaign_id),
                        on_done=lambda jobs: self._on_jobs(campaign_id, jobs), on_error=self._on_task_error)

    def _on_jobs(self, campaign_id: int, all_jobs: list[JobState]) -> None:
        if self.campaign is None or self.campaign.id != campaign_id:
            return
        jobs = [job for job in all_jobs if job.succeeded_clips()]
        keep = self._wanted_job or self.job_combo.currentData()
        self._wanted_job = None
        items = [(self._job_label(job), job.id) for job in jobs]
        if items != [(self.job_combo.itemText(i), self.job_combo.itemData(i)) for i in range(self.job_combo.count())]:
            self.job_combo.blockSignals(True)
            self.job_combo.clear()
            for text, job_id in items:
                self.job_combo.addItem(text, job_id)
            self.job_combo.blockSignals(False)
        if not jobs:
            self._show_job(None)
            self.status_label.setText("No job of this campaign has finished clips yet: generate some first.")
            return
        index = max(0, self.job_combo.findData(keep))
        self.job_combo.setCurrentIndex(index)
        chosen = jobs[index]
        if self.job is None or self.job != chosen or self.job.output_meta != chosen.output_meta:
            self._load_job(chosen.id)

    @staticmethod
    def _job_label(job: JobState) -> str:
        count = len(job.succeeded_clips())
        combined = " · combined" if job.output_path else ""
        return (f"Job {job.id} · {job.model_id} · {count} clip{'s' * (count != 1)} · {job.status.value}"
                f"{combined}")

    def _on_job_chosen(self, index: int) -> None:
        if index >= 0:
            self._load_job(self.job_combo.itemData(index))

    def _load_job(self, job_id: int, *, play: bool = False) -> None:
        async def load() -> tuple[JobState, list[AssetInfo]]:
            job = await self.generation.get_job(job_id)
            ids = sorted({a for c in job.clips for a in (c.first_asset_id, c.last_asset_id) if a is not None})
            return job, await self.library.get_assets(ids)
        self.bridge.run("ad-job", load(), on_done=lambda loaded: self._on_job(*loaded, play),
                        on_error=self._on_task_error)

    def _on_job(self, job: JobState, assets: list[AssetInfo], play: bool) -> None:
        if self.job_combo.currentData() != job.id:
            return
        same = self.job is not None and self.job.id == job.id
        unchanged = same and self.job == job and self.job.output_meta == job.output_meta  # type: ignore[union-attr]
        self.assets = {a.id: a for a in assets}
        if not unchanged:
            self._show_job(job, keep_player=same and not play)
            if job.output_meta:
                self.options_form.show_last(job.output_meta)
        output = self.output_path
        if output is not None and output.is_file() and (play or not same):
            self.player.load(output, autoplay=play)
        self.job_loaded.emit(job.id)

    @property
    def output_path(self) -> Path | None:
        """The shown job's ad, if it has one."""
        return _file(self.paths.share, self.job.output_path) if self.job else None

    def _show_job(self, job: JobState | None, *, keep_player: bool = False) -> None:
        if job is None or self.job is None or job.id != self.job.id:
            self.progress.setValue(0)
        self.job = job
        self.clip_list.clear()
        if not keep_player:
            self.player.load(None)
        self.status_label.clear()
        self._clear_error()
        if job is not None:
            meta = job.output_meta
            durations = dict(zip(meta.get("clip_ids", []), meta.get("clip_durations", []), strict=False))  # type: ignore[call-overload]
            lengths: list[float | None] = []
            for clip in job.succeeded_clips():
                duration = clip.duration_s or durations.get(clip.id)
                self.clip_list.addItem(self._clip_item(clip, duration))
                lengths.append(duration)
            self._set_clip_lengths(job, lengths)
            self.status_label.setText(self._describe_output(job))
        else:
            self.deliver_form.set_clips(())
        self._show_focus()
        self._update_buttons()

    def _set_clip_lengths(self, job: JobState, lengths: list[float | None]) -> None:
        """Give the deliverables form the clips' lengths (probing the files of those the job does not know)."""
        if all(length is not None for length in lengths):
            self.deliver_form.set_clips([length or 0.0 for length in lengths])
            return
        self.deliver_form.set_clips(())
        files = [_file(self.paths.share, c.file_path) for c in job.succeeded_clips()]

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
        path = _file(self.paths.share, clip.file_path)
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
            self.player.load(_file(self.paths.share, clip.file_path), autoplay=True)
        self._show_focus()

    def _describe_output(self, job: JobState) -> str:
        meta = job.output_meta
        output = self.output_path
        count = len(job.succeeded_clips())
        if output is None or not meta:
            return f"{count} clip{'s' * (count != 1)} ready to combine."
        how = "stream copy, no re-encode" if meta.get("stream_copy") else "encoded once"
        length = float(meta.get("duration_s", 0) or 0)  # type: ignore[arg-type]
        text = (f"Ad: {output.name} · {length:.1f} s · {meta.get('width')}×{meta.get('height')} · "
                f"{meta.get('transition')} joins · {how}")
        deliverables = meta.get("deliverables") or []
        if len(deliverables) > 1:
            names = ", ".join(Path(d["video_path"]).name for d in deliverables)  # type: ignore[index]
            text += f"\nFormats: {names} (with manifests and subtitles) in {output.parent}"
        return text

    # -- combine --------------------------------------------------------------------------------------------

    def _combine_name(self) -> str | None:
        return f"combine-{self.job.id}" if self.job else None

    def start_combine(self) -> None:
        """Combine the shown job with the form's options (asking first when a clip failed QC); progress arrives
        through ``combine_progress``."""
        if self.job is None or not self.job.succeeded_clips():
            return
        if failed := failed_qc(self.job.succeeded_clips()):
            self._ask_about_failed_qc(failed)
            return
        self._combine_now()

    def _ask_about_failed_qc(self, failed: list[ClipState]) -> None:
        """Warn (without blocking the loop) that clips which failed quality control would go into the ad."""
        names = ", ".join(f"clip {c.position}" for c in failed)
        box = QMessageBox(QMessageBox.Icon.Warning, "Clips failed quality control",
                          f"{names[:1].upper()}{names[1:]} failed quality control. Combine anyway?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setInformativeText("\n".join(f"Clip {c.position}: {'; '.join(c.qc.lines())}" for c in failed if c.qc)
                               + "\n\nRegenerate them from the Jobs page, or combine them as they are.")
        combine = box.addButton("Combine anyway", QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.buttonClicked.connect(lambda button: button is combine and self._combine_now())
        self.qc_question = box
        box.open()

    def _combine_now(self) -> None:
        if self.job is None or not self.job.succeeded_clips():
            return
        job_id = self.job.id
        if self.player.source == self.output_path:
            self.player.load(None)  # let the new video replace the file the player has open
        self._clear_error()
        self.progress.setValue(0)
        self.status_label.setText("Combining…")
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
            self.status_label.setText(f"Draft {result.aspect} · {result.duration_s:.1f} s · "
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
        self.status_label.setText(f"Exported {names} with their manifests and subtitles to {folder}.{warnings}")
        self.delivered.emit(results)
        if self.job is not None and self.job.id == job_id:
            self._load_job(job_id)

    def _start_render(self, job_id: int, status: str, coro: Any, on_done: Any) -> None:
        self._clear_error()
        self.progress.setValue(0)
        self.status_label.setText(status)
        task = self.bridge.run(f"combine-{job_id}", coro, on_done=on_done, on_error=self._on_task_error)
        task.add_done_callback(lambda t: self._on_combine_ended(job_id, t))
        self._update_buttons()

    # -- focus points ---------------------------------------------------------------------------------------

    def selected_clip(self) -> ClipState | None:
        item = self.clip_list.currentItem()
        return item.data(CLIP_ROLE) if item is not None else None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """A click on the picture of the selected clip sets the point its crops keep in view."""
        if (watched is self.player.video and event.type() == QEvent.Type.MouseButtonPress
                and isinstance(event, QMouseEvent) and event.button() == Qt.MouseButton.LeftButton):
            point = self.focus_at(event.position())
            if point is not None and self.selected_clip() is not None:
                self.set_focus(point)
                return True
        return super().eventFilter(watched, event)

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

    # -- state ----------------------------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        name = self._combine_name()
        running = bool(name and self.bridge.is_running(name))
        has_clips = bool(self.job and self.job.succeeded_clips())
        output = self.output_path
        has_ad = output is not None and output.is_file()
        self.combine_button.setEnabled(has_clips and not running)
        self.draft_button.setEnabled(has_clips and not running)
        self.deliver_button.setEnabled(has_clips and not running)
        self.cancel_button.setEnabled(running)
        self.options_form.setEnabled(not running)
        self.deliver_form.setEnabled(not running)
        self.play_ad_button.setEnabled(has_ad and not running)
        self.export_button.setEnabled(has_ad and not running)
        self.reveal_button.setEnabled(has_ad or self.last_export is not None)

    def _on_task_error(self, exc: BaseException) -> None:
        message = describe_error(exc)
        if isinstance(exc, MissingClips):
            message += f": tick “{self.options_form.skip_failed.text().replace('&', '')}” to combine the others"
        self._show_error(message)
        self._update_buttons()

    def _notice_key(self) -> str:
        return f"ad-{self.campaign.id if self.campaign else 0}"

    def _show_error(self, message: str) -> None:
        self.notices.error(message, key=self._notice_key())
        self.error_shown.emit(message)

    def _clear_error(self) -> None:
        self.notices.clear(self._notice_key())
