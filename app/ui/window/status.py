"""The main window's status bar and notices: the delayed busy indicator, the notice bar and the report of jobs
interrupted at the last exit."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QProgressBar, QStackedWidget, QWidget

from app.core.domain import JobState
from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.notices import Level, Notice, Notices
from app.ui.sidebar import Selection, Sidebar
from app.ui.widgets.notice_bar import NoticeBar
from app.ui.widgets.status_note import StatusNote

BUSY_DELAY_MS = 300


class StatusMixin:
    """Part of ``MainWindow``: what the status bar and the notice bar show."""

    notices: Notices
    notice: NoticeBar
    sidebar: Sidebar
    workspace: CampaignWorkspace
    pages: QStackedWidget
    campaign_page: QWidget
    status_note: StatusNote
    busy_label: QLabel
    busy_bar: QProgressBar
    _busy_timer: QTimer

    def _make_status_bar(self) -> None:
        """The status note, and the busy indicator (shown only for tasks that last over ``BUSY_DELAY_MS``)."""
        self.status_note = StatusNote()
        self.statusBar().addWidget(self.status_note, 1)
        self.busy_label = QLabel("Working…")
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(120)
        self.busy_bar.setMaximumHeight(self.fontMetrics().height())
        for widget in (self.busy_label, self.busy_bar):
            widget.hide()
            self.statusBar().addPermanentWidget(widget)
        self._busy_timer = QTimer(self)
        self._busy_timer.setSingleShot(True)
        self._busy_timer.setInterval(BUSY_DELAY_MS)  # quick tasks do not flash the indicator
        self._busy_timer.timeout.connect(lambda: self._show_busy(True))

    def _task_failed(self, _name: str, message: str) -> None:
        self.notices.error(message)

    def _busy_changed(self, busy: bool) -> None:
        if busy:
            self._busy_timer.start()
        else:
            self._busy_timer.stop()
            self._show_busy(False)

    def _show_busy(self, busy: bool) -> None:
        self.busy_label.setVisible(busy)
        self.busy_bar.setVisible(busy)

    def _show_notice(self, notice: Notice) -> None:
        self.notice.show_notice(notice.text, notice.action_text, notice.action, error=notice.level is Level.ERROR,
                                key=notice.key)

    def _clear_notice(self, key: str) -> None:
        self.notice.withdraw(key)

    def _jobs_interrupted(self, jobs: Sequence[JobState]) -> None:
        if not jobs:
            return
        count = len(jobs)
        text = (f"{count} job{'s were' if count != 1 else ' was'} interrupted — "
                "open the Generate tab to resume.")
        self.notice.show_notice(text, "Open Generate tab", lambda: self._open_generate(jobs[0].campaign_id))

    def _open_generate(self, campaign_id: int) -> None:
        current = self.workspace.campaign
        if current is None or current.id != campaign_id:
            self.sidebar.select(Selection("campaign", campaign_id))
        if self.workspace.campaign is not None:
            self.pages.setCurrentWidget(self.campaign_page)
            self.workspace.setCurrentWidget(self.workspace.jobs_page)
