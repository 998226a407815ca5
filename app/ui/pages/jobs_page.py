"""The campaign's generation jobs: history, the selected job's summary and one progress card per clip.

Live progress of the clips this window drives arrives through ``GenerationEvents`` (a subscription to the
generation service, coalesced); each update touches only its own card, the job's row and, once per burst, the
summary. Everything stored — new jobs, clips finished here or by another process, a job another process works —
arrives through the change feed, and the list and the shown job are read again. Long work runs through the bridge:
a job being run here is the bridge task ``job-<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import AssetInfo, CampaignInfo, ClipState, ClipStatus, JobState, JobStatus
from app.core.generation.service import GenerationService, QcRetryPlan
from app.core.library.service import LibraryService
from app.core.pairing.service import PairingService
from app.ui.ab.ab_dialog import AbDialog
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.jobs.activity import JobActivity
from app.ui.jobs.card_grid import CardGrid
from app.ui.jobs.clip_card import ClipCard
from app.ui.jobs.events import GenerationEvents
from app.ui.jobs.generate_dialog import GenerateDialog
from app.ui.jobs.job_summary import JobSummary, job_actions
from app.ui.jobs.jobs_list import JobsListModel, JobsListView
from app.ui.jobs.notifier import JobNotifier
from app.ui.jobs.preview_dialog import ClipPreviewDialog
from app.ui.jobs.qc_retry_dialog import QcRetryDialog
from app.ui.jobs.retry_dialog import RetryDialog
from app.ui.notices import Notices
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader

TICK_MS = 1000
RELOAD_DELAY_MS = 150  # changes in a burst (fifty clips finishing) make one reload
SPLITTER_KEY = "jobs/splitter"


def job_task_name(job_id: int) -> str:
    """The bridge task that runs job ``job_id`` in this app."""
    return f"job-{job_id}"


class JobsPage(QWidget):
    """Jobs list with history on top; the selected job's summary and clip cards below."""

    combine_requested = Signal(int)  # job id

    def __init__(self, generation: GenerationService, pairing: PairingService, library: LibraryService,
                 thumbnails: ThumbnailLoader, bridge: TaskBridge, feed: ChangeFeed, notices: Notices,
                 parent: QWidget | None = None, *, preferences: Preferences | None = None) -> None:
        super().__init__(parent)
        self.preferences = preferences if preferences is not None else Preferences()
        self.generation = generation
        self.pairing = pairing
        self.library = library
        self.bridge = bridge
        self.feed = feed
        self.notices = notices
        self.campaign: CampaignInfo | None = None
        self.job: JobState | None = None
        self.clips: dict[int, ClipState] = {}
        self.generate_dialog: GenerateDialog | None = None
        self.retry_dialogs: dict[int, RetryDialog] = {}
        self.qc_retry_dialog: QcRetryDialog | None = None
        self.preview: ClipPreviewDialog | None = None
        self.ab_dialogs: dict[int, AbDialog] = {}
        self._deleted: set[int] = set()
        self._assets: dict[int, AssetInfo] = {}
        self._frames: dict[int, list[tuple[int, int]]] = {}  # asset id → (clip id, 0 first / 1 last)
        self._finished_job: JobState | None = None  # the last job announced as ended
        self.thumbnails = thumbnails
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.events = GenerationEvents(generation, parent=self)
        self.events.clip_changed.connect(self._clip_changed)
        self.events.job_changed.connect(self._job_changed)
        self.activity = JobActivity(bridge, self)
        self.activity.settled.connect(self._work_settled)
        self.notifier = JobNotifier(self)
        self.notifier.notified.connect(self._show_notice)
        self._build()
        self._ticker = QTimer(self)
        self._ticker.setInterval(TICK_MS)
        self._ticker.timeout.connect(self._tick)
        self._summary_timer = QTimer(self)
        self._summary_timer.setSingleShot(True)
        self._summary_timer.setInterval(0)
        self._summary_timer.timeout.connect(self._refresh_summary)
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload_jobs)
        feed.changed.connect(self.apply_changes)

    def _build(self) -> None:
        self.generate_button = QPushButton("Generate…")
        self.generate_button.setToolTip("Choose a model and the pairs, see the cost, and launch every clip at once")
        self.generate_button.clicked.connect(self.open_generate_dialog)
        self.generate_button.setEnabled(False)
        self.compare_button = QPushButton("Compare variants…")
        self.compare_button.setToolTip("Play an A/B job's variants of each pair side by side and pick the winners")
        self.compare_button.clicked.connect(lambda: self.job is not None and self.open_ab_dialog(self.job.id))
        self.compare_button.hide()
        top = QHBoxLayout()
        top.addWidget(self.generate_button)
        top.addWidget(self.compare_button)
        top.addStretch(1)
        self.list_model = JobsListModel(self)
        self.list_view = JobsListView(self.list_model)
        self.list_view.job_selected.connect(self.show_job)
        self.list_view.customContextMenuRequested.connect(self._job_menu)
        self.delete_job_action = QAction("Delete job…", self)
        self.delete_job_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_job_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.delete_job_action.triggered.connect(self._delete_selected_job)
        self.list_view.addAction(self.delete_job_action)
        self.summary = JobSummary()
        self.summary.cancel_requested.connect(self.cancel_job)
        self.summary.resume_requested.connect(self.resume_job)
        self.summary.delete_requested.connect(self.confirm_delete_job)
        self.summary.combine_requested.connect(self.combine_requested)
        self.summary.regenerate_requested.connect(self.open_qc_retry_dialog)
        self.grid = CardGrid()
        self.empty_label = QLabel("No jobs yet: choose Generate… to turn the campaign's pairs into clips.")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        job_view = QWidget()
        job_layout = QVBoxLayout(job_view)
        job_layout.setContentsMargins(0, 4, 0, 0)
        job_layout.addWidget(self.summary)
        job_layout.addWidget(self.grid, 1)
        job_layout.addWidget(self.empty_label, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.list_view)
        splitter.addWidget(job_view)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([160, 600])
        if (state := self.preferences.state(SPLITTER_KEY)) is not None:
            splitter.restoreState(state)
        splitter.splitterMoved.connect(lambda *_: self.preferences.set_value(SPLITTER_KEY, splitter.saveState()))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._show_empty(True)

    def _job_menu(self, pos: QPoint) -> None:
        """Combine, Resume, Cancel and Delete for the job under the pointer (as its summary's buttons allow)."""
        index = self.list_view.indexAt(pos)
        if not index.isValid():
            return
        self.list_view.selectRow(index.row())
        job = self.list_model.job_at(index.row())
        shown = self.job if self.job is not None and self.job.id == job.id else job
        clips = self.clips.values() if shown is self.job else shown.clips
        allowed = job_actions(shown, clips, driving=self.activity.busy(job.id))
        menu = QMenu(self)
        for text, name, slot in (("Combine…", "combine", self.combine_requested.emit),
                                 ("Regenerate failed…", "regenerate", self.open_qc_retry_dialog),
                                 ("Resume", "resume", self.resume_job), ("Cancel job", "cancel", self.cancel_job)):
            if name == "regenerate" and not allowed[name]:
                continue  # offered only for a job with clips that failed QC
            action = menu.addAction(text, lambda s=slot: s(job.id))
            action.setEnabled(allowed[name])
        menu.addSeparator()
        self.delete_job_action.setEnabled(allowed["delete"])
        menu.addAction(self.delete_job_action)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.aboutToHide.connect(lambda: self.delete_job_action.setEnabled(True))
        self.context_menu = menu
        menu.popup(self.list_view.viewport().mapToGlobal(pos))

    def _delete_selected_job(self) -> None:
        if (job_id := self.list_view.selected_job_id()) is not None and self.summary.delete_button.isEnabled():
            self.confirm_delete_job(job_id)

    def shutdown(self) -> None:
        """Stop listening to the service (the window is closing)."""
        self._ticker.stop()
        self._reload_timer.stop()
        if self.preview is not None:
            self.preview.close()
        for dialog in list(self.ab_dialogs.values()):
            dialog.close()
        self.events.close()

    def _notice_key(self, campaign_id: int | None = None) -> str:
        """The key of this campaign's job notices: the newest replaces the last, a new run withdraws it."""
        return f"jobs-{campaign_id or (self.campaign.id if self.campaign else 0)}"

    def apply_changes(self, changes: Changes) -> None:
        """Read the list and the shown job again when a job of the campaign (or a clip of one) changed.

        Jobs this window drives report every change through their generation events already: their own stored
        changes need no second read (another process's changes, or a change to any other job, do)."""
        if self.campaign is None or not changes.jobs_of(self.campaign.id):
            return
        driven_here = not changes.external and not changes.everything and all(
            self.activity.busy(job_id) for job_id in changes.jobs)
        if not driven_here:
            self._reload_timer.start()

    # ---- campaign and jobs list --------------------------------------------------------------------
    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s jobs (None: nothing)."""
        changed = (campaign.id if campaign else None) != (self.campaign.id if self.campaign else None)
        self.campaign = campaign
        self.generate_button.setEnabled(campaign is not None)
        if changed:
            if self.generate_dialog is not None:
                self.generate_dialog.close()
            self._clear_job_view()
            self.list_model.set_jobs([])
        if campaign is not None:
            self.reload_jobs()

    def reload_jobs(self) -> None:
        """Fetch the campaign's jobs again, keeping the selection."""
        if self.campaign is None:
            return
        campaign_id = self.campaign.id
        self.bridge.run("jobs-list", self.generation.list_jobs(campaign_id),
                        on_done=lambda jobs: self._jobs_arrived(campaign_id, jobs), on_error=self._report)

    def _jobs_arrived(self, campaign_id: int, jobs: list[JobState]) -> None:
        if self.campaign is None or self.campaign.id != campaign_id:
            return
        selected = self.job.id if self.job else None
        self.list_model.set_jobs([j for j in jobs if j.id not in self._deleted])
        ids = self.list_model.job_ids()
        if selected in ids:
            self.list_view.select_job(selected)
            self._job_arrived(next(j for j in jobs if j.id == selected))
        elif ids:
            self.list_view.select_job(ids[0])
        else:
            self._clear_job_view()

    # ---- the selected job ----------------------------------------------------------------------------
    def show_job(self, job_id: int) -> None:
        """Show job ``job_id``'s summary and cards (loaded fresh from the service)."""
        self.bridge.run("jobs-view", self.generation.get_job(job_id),
                        on_done=self._job_arrived, on_error=self._report)

    def _job_arrived(self, job: JobState) -> None:
        if self.campaign is None or job.campaign_id != self.campaign.id or job.id in self._deleted:
            return
        if self.job is not None and self.job.id == job.id:
            self._job_changed(job, stored=True)
            return
        self.job = job
        self.clips = {c.id: c for c in job.clips}
        self._frames.clear()
        self.thumbnails.forget_pending()
        for card in self.grid.set_clips(job.clips):
            self._wire_card(card)
        self._show_empty(False)
        self._refresh_summary()
        self._load_frames(job.clips)
        self.compare_button.hide()
        self.bridge.run("jobs-view-ab", self.generation.is_ab(job.id),
                        on_done=lambda ab, j=job.id: self.compare_button.setVisible(
                            ab and self.job is not None and self.job.id == j), on_error=lambda _exc: None)

    def open_ab_dialog(self, job_id: int) -> AbDialog:
        """The A/B view of job ``job_id`` (one window per job, raised when open already)."""
        dialog = self.ab_dialogs.get(job_id)
        if dialog is None:
            dialog = AbDialog(self.generation, self.bridge, self.feed, job_id, self)
            dialog.finished.connect(lambda _r, j=job_id: self.ab_dialogs.pop(j, None))
            self.ab_dialogs[job_id] = dialog
        dialog.show()
        dialog.raise_()
        return dialog

    def _clear_job_view(self) -> None:
        self.job = None
        self.clips = {}
        self._frames.clear()
        self.grid.clear()
        self.summary.show_job(None, ())
        self._ticker.stop()
        self._show_empty(True)
        self.compare_button.hide()

    def _show_empty(self, empty: bool) -> None:
        self.empty_label.setVisible(empty)
        self.grid.setVisible(not empty)
        self.summary.setVisible(not empty)

    def _wire_card(self, card: ClipCard) -> None:
        card.cancel_requested.connect(self.cancel_clip)
        card.retry_requested.connect(self.open_retry_dialog)
        card.open_requested.connect(self.play_clip)

    def _load_frames(self, clips: tuple[ClipState, ...] | list[ClipState]) -> None:
        wanted: set[int] = set()
        for clip in clips:
            for which, asset_id in enumerate((clip.first_asset_id, clip.last_asset_id)):
                if asset_id is not None:
                    self._frames.setdefault(asset_id, []).append((clip.id, which))
                    wanted.add(asset_id)
        known = [self._assets[a] for a in wanted if a in self._assets]
        self._frames_known(known)
        if missing := sorted(wanted - self._assets.keys()):
            self.bridge.run("jobs-frames", self.library.get_assets(missing), on_done=self._frames_known,
                            on_error=self._report, replace=False)

    def _frames_known(self, assets: list[AssetInfo]) -> None:
        for asset in assets:
            self._assets[asset.id] = asset
            if (pixmap := self.thumbnails.pixmap(asset)) is not None:
                self._place_frame(asset.id, pixmap)

    def _thumbnail_loaded(self, asset_id: int) -> None:
        if asset_id in self._frames and (asset := self._assets.get(asset_id)):
            pixmap = self.thumbnails.pixmap(asset)
            if pixmap is not None:
                self._place_frame(asset_id, pixmap)

    def _place_frame(self, asset_id: int, pixmap: QPixmap) -> None:
        for clip_id, which in self._frames.get(asset_id, ()):
            if card := self.grid.card(clip_id):
                card.set_frame(which, pixmap)

    def _refresh_summary(self) -> None:
        self._summary_timer.stop()
        if self.job is None:
            return
        self.summary.show_job(self.job, self.clips.values(), driving=self.activity.busy(self.job.id))
        running = any(c.status.is_in_flight for c in self.clips.values()) or not self.job.status.is_terminal
        if running and not self._ticker.isActive():
            self._ticker.start()
        elif not running:
            self._ticker.stop()

    def _tick(self) -> None:
        now = datetime.now(UTC)
        for card in self.grid.cards():
            if card.is_running:
                card.tick(now)
        self.summary.tick(now)

    # ---- progress events -----------------------------------------------------------------------------
    def _clip_changed(self, clip: ClipState) -> None:
        if clip.job_id in self._deleted:
            return
        self.list_model.update_clip(clip)
        if self.job is None or clip.job_id != self.job.id:
            return
        self.clips[clip.id] = clip
        card = self.grid.card(clip.id)
        if card is None:
            self._wire_card(self.grid.add_clip(clip))
            self._load_frames([clip])
        else:
            card.set_state(clip)
        self._summary_timer.start()

    def _job_changed(self, job: JobState, *, stored: bool = False) -> None:
        """A new state of a job: from this window's generation events, or (``stored``) read from the database."""
        if job.id in self._deleted:
            return
        if self.campaign is None or job.campaign_id != self.campaign.id:
            return
        self.list_model.upsert_job(job)
        if self.job is not None and job.id == self.job.id:
            if stored and job.worker is None and self.job.worker is not None and job.status.is_terminal:
                self._announce(job)  # the other process finished it while this window watched
            self.job = job
            # While this window runs work on the job, its clip events are newer than the job's snapshot of them;
            # otherwise (clips found interrupted at start-up, a job another process works) the snapshot is news.
            trusted = not self.activity.busy(job.id)
            for clip in job.clips:
                if clip.id not in self.clips or (trusted and self.clips[clip.id] != clip):
                    self._clip_changed(clip)
            self._summary_timer.start()

    def _work_settled(self, job_id: int, final: JobState | None) -> None:
        """No more work on the job here: show its final state and announce how it ended."""
        self.events.flush()  # the clips' last states first, then the job's final one
        if final is None:
            self.bridge.run(f"jobs-final-{job_id}", self.generation.get_job(job_id),
                            on_done=self._announce, on_error=lambda _exc: None, replace=False)
        else:
            self._announce(final)

    def _announce(self, job: JobState) -> None:
        if job.id in self._deleted:
            return
        self._job_changed(job)
        self._refresh_summary()
        verb = {JobStatus.SUCCEEDED: "finished", JobStatus.FAILED: "failed", JobStatus.CANCELED: "was canceled",
                JobStatus.INTERRUPTED: "was interrupted"}.get(job.status)
        if verb is None:
            return
        done = sum(1 for c in job.clips if c.status is ClipStatus.SUCCEEDED)
        message = f"Job {job.id} {verb}: {done} of {len(job.clips)} clips done."
        if job.error:
            message += f" {job.error}."
        self._finished_job = job
        self.notifier.notify("Pairframe", message, failed=job.status is not JobStatus.SUCCEEDED)

    # ---- actions -------------------------------------------------------------------------------------
    def open_generate_dialog(self) -> GenerateDialog | None:
        """Open (or raise) the non-modal Generate dialog for the current campaign."""
        if self.campaign is None:
            return None
        if self.generate_dialog is not None:
            self.generate_dialog.raise_()
            self.generate_dialog.activateWindow()
            return self.generate_dialog
        dialog = GenerateDialog(self.generation, self.pairing, self.library, self.bridge, self.campaign,
                                self.thumbnails, self.feed, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.launched.connect(self._job_launched)
        dialog.finished.connect(self._generate_dialog_closed)
        self.generate_dialog = dialog
        dialog.open()
        return dialog

    def _generate_dialog_closed(self) -> None:
        self.generate_dialog = None

    def _job_launched(self, job: JobState) -> None:
        self.list_model.upsert_job(job)
        self.run_job(job.id)
        self.list_view.select_job(job.id)
        self._job_arrived(job)

    def run_job(self, job_id: int) -> None:
        """Run (or resume) job ``job_id`` here until every clip is finished (or watch the process that works it)."""
        self.notices.clear(self._notice_key())  # a finished job's notice does not stand for the next run

        def watching(worker: object) -> None:
            self.notices.info(f"Job {job_id} is being worked by {worker.describe()} — watching.",  # type: ignore[attr-defined]
                              key=self._notice_key())
        self.activity.start(job_id, job_task_name(job_id), self.generation.run_job(job_id, on_watch=watching),
                            on_error=lambda exc: self._report(exc, f"Job {job_id} stopped"))
        self._summary_timer.start()

    def resume_job(self, job_id: int) -> None:
        self.run_job(job_id)

    def cancel_job(self, job_id: int) -> None:
        self.activity.start(job_id, f"cancel-job-{job_id}", self.generation.cancel_job(job_id),
                            on_error=lambda exc: self._report(exc, f"Job {job_id} was not canceled"))

    def confirm_delete_job(self, job_id: int) -> None:
        """Ask (without blocking the loop) before deleting job ``job_id`` and its clip files."""
        box = QMessageBox(QMessageBox.Icon.Question, "Delete job",
                          f"Delete job {job_id} and its clip files? What it cost stays counted in the budget.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda result: result == QMessageBox.StandardButton.Yes and self.delete_job(job_id))
        box.open()

    def delete_job(self, job_id: int) -> None:
        self.bridge.run(f"delete-job-{job_id}", self.generation.delete_job(job_id),
                        on_done=lambda _none: self._job_deleted(job_id), on_error=self._report)

    def _job_deleted(self, job_id: int) -> None:
        self.events.flush()  # states announced while it was being deleted must not bring it back
        self._deleted.add(job_id)
        self.list_model.remove_job(job_id)
        if self.job is not None and self.job.id == job_id:
            self._clear_job_view()
            if ids := self.list_model.job_ids():
                self.list_view.select_job(ids[0])

    def cancel_clip(self, clip_id: int) -> None:
        self.bridge.run(f"cancel-clip-{clip_id}", self.generation.cancel_clip(clip_id),
                        on_error=self._card_request_failed(clip_id, "The clip was not canceled"))

    def open_retry_dialog(self, clip_id: int) -> RetryDialog | None:
        """Offer another model and/or an edited prompt for the clip, then retry it."""
        clip = self.clips.get(clip_id)
        if clip is None:
            return None
        if (dialog := self.retry_dialogs.get(clip_id)) is not None:
            dialog.raise_()
            return dialog
        dialog = RetryDialog(clip, self.generation.models(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.retry_chosen.connect(self.retry_clip)
        dialog.rejected.connect(lambda: (card := self.grid.card(clip_id)) and card.allow_requests())
        dialog.finished.connect(lambda _result: self.retry_dialogs.pop(clip_id, None))
        self.retry_dialogs[clip_id] = dialog
        dialog.open()
        return dialog

    def retry_clip(self, clip_id: int, model_id: str | None = None, prompt: str | None = None) -> None:
        """Retry the clip: a new attempt, run to its end by the service (its events update the card)."""
        clip = self.clips.get(clip_id)
        if clip is None:
            return
        self.activity.start(clip.job_id, f"retry-clip-{clip_id}",
                            self.generation.retry_clip(clip_id, model_id=model_id, prompt=prompt),
                            on_done=self._clip_changed,
                            on_error=self._card_request_failed(clip_id, "The clip was not retried"))

    def open_qc_retry_dialog(self, job_id: int) -> None:
        """Work out what regenerating the job's clips that failed QC costs, then show it before anything is paid."""
        if self.qc_retry_dialog is not None:
            self.qc_retry_dialog.raise_()
            return
        self.bridge.run(f"qc-retry-plan-{job_id}", self.generation.plan_qc_retry(job_id),
                        on_done=self._show_qc_retry_plan,
                        on_error=lambda exc: self._report(exc, "Nothing to regenerate"))

    def _show_qc_retry_plan(self, plan: QcRetryPlan) -> None:
        dialog = QcRetryDialog(plan, self.generation.models(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        job_id = dialog.plan.job_id

        def replan(model_id: str) -> None:
            self.bridge.run(f"qc-retry-plan-{job_id}", self.generation.plan_qc_retry(job_id, model_id or None),
                            on_done=dialog.show_plan, on_error=lambda exc: dialog.show_error(str(exc)))
        dialog.model_changed.connect(replan)
        dialog.confirmed.connect(self.regenerate_failed_qc)
        dialog.finished.connect(lambda _result: setattr(self, "qc_retry_dialog", None))
        self.qc_retry_dialog = dialog
        dialog.open()

    def regenerate_failed_qc(self, plan: QcRetryPlan) -> None:
        """Make the plan's clips again (each checked again as it arrives); their cards follow the work."""
        job_id = plan.job_id
        self.activity.start(job_id, f"retry-qc-{job_id}", self.generation.retry_failed_qc(plan),
                            on_error=lambda exc: self._report(exc, "The clips were not regenerated"))
        self._summary_timer.start()

    def _card_request_failed(self, clip_id: int, what: str) -> Callable[[BaseException], None]:
        def failed(exc: BaseException) -> None:
            if card := self.grid.card(clip_id):
                card.allow_requests()
            self._report(exc, what)
        return failed

    def play_clip(self, clip_id: int) -> None:
        """Play a finished clip in the (non-modal) preview window."""
        clip = self.clips.get(clip_id)
        if clip is None or not clip.file_path:
            return
        if self.preview is None:
            self.preview = ClipPreviewDialog(self)
        self.preview.show_clip(clip, self.generation.paths.file(clip.file_path))

    # ---- notices -------------------------------------------------------------------------------------
    def _report(self, exc: BaseException, what: str = "") -> None:
        self.notices.error(what, exc, key=self._notice_key())

    def _show_notice(self, _title: str, message: str) -> None:
        job = self._finished_job
        if job is not None and job.status is not JobStatus.SUCCEEDED:
            self.notices.error(message, key=self._notice_key(job.campaign_id))
        else:
            self.notices.info(message, key=self._notice_key(job.campaign_id if job else None))
