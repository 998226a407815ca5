"""The selected job at a glance: counts by status, cost so far against the estimate, working time, QC, actions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.core.domain import ClipState, ClipStatus, JobState, JobStatus
from app.core.generation.quality import failed_qc, qc_counts, qc_summary
from app.ui.jobs.format import STATUS_TEXT, job_status_text, job_tone, seconds, usd, working_time
from app.ui.theme import Tone, set_tone

UNFINISHED = (ClipStatus.PENDING, ClipStatus.SUBMITTING, ClipStatus.RUNNING, ClipStatus.DOWNLOADING,
              ClipStatus.INTERRUPTED)


def job_actions(job: JobState, clips: Iterable[ClipState], *, driving: bool = False) -> dict[str, bool]:
    """Which of cancel, resume, delete, combine and regenerate (the clips that failed QC) a job allows now
    (``driving``: this window runs it)."""
    clips = list(clips)
    unfinished = any(c.status in UNFINISHED for c in clips)
    elsewhere = job.worker is not None
    return {"cancel": not job.status.is_terminal or unfinished,
            "resume": not driving and not elsewhere and (job.status is JobStatus.INTERRUPTED or unfinished),
            "delete": not driving and not elsewhere and not any(c.status.is_in_flight for c in clips),
            "combine": any(c.status is ClipStatus.SUCCEEDED for c in clips),
            "regenerate": not elsewhere and bool(failed_qc(clips))}


class JobSummary(QWidget):
    """Shows one job; the buttons only ask (signals carry the job id), the page decides."""

    cancel_requested = Signal(int)
    resume_requested = Signal(int)
    delete_requested = Signal(int)
    combine_requested = Signal(int)
    regenerate_requested = Signal(int)  # make the clips that failed QC again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.job: JobState | None = None
        self.title = QLabel()
        self.title.setStyleSheet("font-size: 15px; font-weight: 600")
        self.status_label = QLabel()
        self.counts_label = QLabel()
        self.cost_label = QLabel()
        self.elapsed_label = QLabel()
        self.launched_label = QLabel()
        self.qc_label = QLabel()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, Tone.ERROR)
        self.cancel_button = QPushButton("Cancel job")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Poll the clips already submitted again and start the ones never sent")
        self.delete_button = QPushButton("Delete job")
        self.combine_button = QPushButton("Combine…")
        self.combine_button.setToolTip("Cut the finished clips into one ad")
        self.regenerate_button = QPushButton("Regenerate failed…")
        self.regenerate_button.setToolTip("Make the clips that failed quality control again, with what QC found "
                                          "folded into their prompts (the estimate is shown first)")
        for button, signal in ((self.cancel_button, self.cancel_requested), (self.resume_button, self.resume_requested),
                               (self.delete_button, self.delete_requested),
                               (self.combine_button, self.combine_requested),
                               (self.regenerate_button, self.regenerate_requested)):
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=signal: self.job is not None and s.emit(self.job.id))
        grid = QGridLayout()
        for row, (name, label) in enumerate((("Status", self.status_label), ("Clips", self.counts_label),
                                             ("Cost", self.cost_label), ("Elapsed", self.elapsed_label),
                                             ("Launched by", self.launched_label), ("QC", self.qc_label))):
            grid.addWidget(QLabel(f"{name}:"), row, 0)
            grid.addWidget(label, row, 1)
        grid.setColumnStretch(1, 1)
        buttons = QHBoxLayout()
        for button in (self.combine_button, self.regenerate_button, self.resume_button, self.cancel_button,
                       self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(grid)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.show_job(None, ())

    def show_job(self, job: JobState | None, clips: Iterable[ClipState], *, driving: bool = False) -> None:
        """Show ``job`` with the newest state of its ``clips``; ``driving`` when this app is running it now."""
        self.job = job
        clips = list(clips)
        if job is None:
            self.title.setText("No job selected")
            for label in (self.status_label, self.counts_label, self.cost_label, self.elapsed_label,
                          self.launched_label, self.qc_label):
                label.setText("")
            self.error_label.hide()
            for button in (self.cancel_button, self.resume_button, self.delete_button, self.combine_button,
                           self.regenerate_button):
                button.setEnabled(False)
            return
        self.title.setText(f"Job {job.id} · {job.model_id} · {seconds(job.duration_s)} · {job.resolution} · "
                           f"{job.aspect} · {job.transition}")
        status = job_status_text(job.status, (c.status for c in clips))
        set_tone(self.status_label, job_tone(job.status, [c.status for c in clips]))
        if job.worker is not None:
            status += f" — being worked by {job.worker.describe()}; watching"
        self.status_label.setText(status)
        self.launched_label.setText(job.launched_by or "—")
        counts = Counter(c.status for c in clips)
        parts = [f"{counts[s]} {STATUS_TEXT[s].lower()}" for s in ClipStatus
                 if counts[s] and s is not ClipStatus.SUCCEEDED]
        self.counts_label.setText(f"{counts[ClipStatus.SUCCEEDED]} of {len(clips)} done"
                                  + (f"  ({', '.join(parts)})" if parts else ""))
        spent = max(sum(c.cost_usd for c in clips), job.actual_cost_usd)
        self.cost_label.setText(f"{usd(spent)} so far of {usd(job.estimate_usd)} estimated")
        self.error_label.setText(job.error)
        self.error_label.setVisible(bool(job.error))
        counts = qc_counts(clips)
        self.qc_label.setText(qc_summary(clips) or ("not checked" if counts["unchecked"] else "—"))
        set_tone(self.qc_label, Tone.ERROR if counts["fail"] else Tone.WARNING if counts["warn"] else
                 Tone.SUCCESS if counts["pass"] else None)
        allowed = job_actions(job, clips, driving=driving)
        self.regenerate_button.setVisible(allowed["regenerate"])
        for button, name in ((self.cancel_button, "cancel"), (self.resume_button, "resume"),
                             (self.delete_button, "delete"), (self.combine_button, "combine"),
                             (self.regenerate_button, "regenerate")):
            button.setEnabled(allowed[name])
        self.tick()

    def tick(self, now: datetime | None = None) -> None:
        """Refresh the working time: while a process holds the job, not while it sits interrupted or closed."""
        if self.job is None:
            return
        self.elapsed_label.setText(working_time(self.job, now))
