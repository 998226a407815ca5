"""The Ad page's jobs: the campaign's jobs with finished clips in the job box, and the chosen one read and shown.

The list follows the change feed: a job appears as soon as it has a finished clip (made here, in another window or
by another process), and the shown job is read again when it changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer, Signal, SignalInstance
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QProgressBar

from app.config import LibraryPaths
from app.core.changes import Changes
from app.core.domain import AssetInfo, CampaignInfo, JobState
from app.core.generation.service import GenerationService
from app.core.library.service import LibraryService
from app.ui.ad.deliver_form import DeliverablesForm
from app.ui.ad.options_form import CombineOptionsForm
from app.ui.ad.page_clips import stored_file
from app.ui.bridge import TaskBridge
from app.ui.player import VideoPlayer

PROXIES_TASK = "ad-proxies"


class JobListMixin:
    """Part of ``AdPage``: the bridge tasks ``ad-jobs`` and ``ad-job``, and what the page shows of the chosen job."""

    job_loaded: Signal | SignalInstance
    generation: GenerationService
    library: LibraryService
    paths: LibraryPaths
    bridge: TaskBridge
    campaign: CampaignInfo | None
    job: JobState | None
    status_note: tuple[int, str] | None  # the last action's words about a job, kept over re-reads of it
    assets: dict[int, AssetInfo]
    _wanted_job: int | None
    _play_on_load: int | None  # the job whose ad plays once its read lands, whichever read of it lands first
    _proxies_job: int | None  # the job whose draft proxies are being made
    _proxies_again: bool  # its clips changed meanwhile: run once more
    _reload_timer: QTimer
    job_combo: QComboBox
    clip_list: QListWidget
    player: VideoPlayer
    options_form: CombineOptionsForm
    deliver_form: DeliverablesForm
    progress: QProgressBar
    status_label: QLabel

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s jobs that have clips (or nothing)."""
        self.campaign = campaign
        self._wanted_job = None
        self.bridge.cancel(PROXIES_TASK)
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
        """Read job ``job_id`` and show it; with ``play`` its ad starts playing once shown.

        A newer read replaces one still running (a change can arrive just after a combine), so the wish to play is
        kept on the page rather than in the read, and the read that lands honours it."""
        if play:
            self._play_on_load = job_id
        elif self._play_on_load != job_id:
            self._play_on_load = None

        async def load() -> tuple[JobState, list[AssetInfo]]:
            job = await self.generation.get_job(job_id)
            ids = sorted({a for c in job.clips for a in (c.first_asset_id, c.last_asset_id) if a is not None})
            return job, await self.library.get_assets(ids)
        self.bridge.run("ad-job", load(), on_done=lambda loaded: self._on_job(*loaded),
                        on_error=self._on_task_error)

    def _on_job(self, job: JobState, assets: list[AssetInfo]) -> None:
        if self.job_combo.currentData() != job.id:
            return
        play = self._play_on_load == job.id
        self._play_on_load = None
        same = self.job is not None and self.job.id == job.id
        unchanged = same and self.job == job and self.job.output_meta == job.output_meta  # type: ignore[union-attr]
        self.assets = {a.id: a for a in assets}
        if not unchanged:
            self._show_job(job, keep_player=same and not play)
            if job.output_meta:
                self.options_form.show_last(job.output_meta)
            self._prepare_drafts(job)
        output = self.output_path
        if output is not None and output.is_file() and (play or not same):
            self.player.load(output, autoplay=play)
        self.job_loaded.emit(job.id)

    def _prepare_drafts(self, job: JobState) -> None:
        """Make the shown job's draft proxies in the background, so its draft previews decode small copies.

        A run for this job already under way is not restarted (its proxy would be lost): it runs once more when
        it ends, for the clips that landed meanwhile."""
        if not job.succeeded_clips():
            return
        if self._proxies_job == job.id and self.bridge.is_running(PROXIES_TASK):
            self._proxies_again = True
            return
        self._start_proxies(job.id)

    def _start_proxies(self, job_id: int) -> None:
        self._proxies_job, self._proxies_again = job_id, False
        # A failure (logged by the bridge with its traceback) only leaves drafts reading the clips themselves.
        self.bridge.run(PROXIES_TASK, self.generation.prepare_drafts(job_id),
                        on_done=lambda _made: self._proxies_done(job_id), on_error=lambda _exc: None)

    def _proxies_done(self, job_id: int) -> None:
        if self._proxies_again and self.job is not None and self.job.id == job_id:
            self._start_proxies(job_id)

    @property
    def output_path(self) -> Path | None:
        """The shown job's ad, if it has one."""
        return stored_file(self.paths.share, self.job.output_path) if self.job else None

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
            note = self.status_note[1] if self.status_note is not None and self.status_note[0] == job.id else None
            self.status_label.setText(note or self._describe_output(job))
        else:
            self.deliver_form.set_clips(())
        self._show_focus()
        self._update_buttons()

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
