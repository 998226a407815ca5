"""The main window: clients and campaigns on the left; on the right the selected campaign's workspace, the
selected client's editor, or the start page. Menus, the status bar, notices, the theme and the remembered layout
live here.

The window is the UI's composition root: it holds the open library's services and hands each page only what that
page uses, together with the shared parts — the bridge, the change feed, the notices, the thumbnail loader, the
undo history (one per window, so Undo works across pages) and the remembered preferences.

The window is made of parts in ``app.ui.window``: ``actions`` (actions and menus), ``status`` (status bar and
notices), ``view`` (Edit and View commands), ``campaign_commands`` (the Campaign menu), ``selection`` (what the
sidebar's selection shows), ``layout`` (the remembered layout), ``dialogs`` (the dialogs it opens) and
``quit_question`` (quitting while clips are being made). The pages, the change handling and the quit check stay
here: they use the services the parts do not see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QCloseEvent, QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import CampaignInfo, ClientInfo, JobState
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.change_feed import ChangeFeed
from app.ui.client_editor import ClientEditor
from app.ui.first_run import SamplePanel
from app.ui.history import History
from app.ui.notices import Notices
from app.ui.pages.ad_page import AdPage
from app.ui.pages.assets_page import AssetsPage
from app.ui.pages.jobs_page import JobsPage
from app.ui.pages.pairs_page import PairsPage
from app.ui.preferences import Preferences
from app.ui.settings_dialog import SettingsDialog
from app.ui.shortcuts_dialog import AREA_PROPERTY, ShortcutsDialog
from app.ui.sidebar import Selection, Sidebar
from app.ui.spend.page import SpendPage
from app.ui.theme import ThemeManager
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.campaign_header import CampaignHeader
from app.ui.widgets.notice_bar import NoticeBar
from app.ui.widgets.start_page import StartPage
from app.ui.window.actions import WindowActionsMixin
from app.ui.window.campaign_commands import CampaignCommandsMixin
from app.ui.window.dialogs import DialogsMixin
from app.ui.window.layout import LayoutMemoryMixin
from app.ui.window.quit_question import quit_question
from app.ui.window.selection import SelectionMixin
from app.ui.window.status import StatusMixin
from app.ui.window.view import EditViewMixin


class MainWindow(WindowActionsMixin, StatusMixin, EditViewMixin, CampaignCommandsMixin, SelectionMixin,
                 LayoutMemoryMixin, DialogsMixin, QMainWindow):
    """One open library's window: the sidebar, the shown page, the menus, the status bar and the Spend dock."""

    closed = Signal()

    def __init__(self, services: Services, bridge: TaskBridge, parent: QWidget | None = None, *,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.services = services
        self.bridge = bridge
        self.ui_settings = settings if settings is not None else QSettings()
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        self.settings_dialog: SettingsDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.sample_panel: SamplePanel | None = None
        self._unsaved_box: QMessageBox | None = None
        self.quit_box: QMessageBox | None = None
        self._close_confirmed = False  # the client editor's unsaved edits were saved or dropped
        self._quit_confirmed = False  # the user chose to quit while clips were being made
        self.setWindowTitle("Pairframe")
        self.feed = ChangeFeed(services.db.changes, self)
        self.notices = Notices(self)
        self.history = History(bridge, self.notices, self)
        self.preferences = Preferences(self.ui_settings, services.paths.root)
        self.theme = ThemeManager(self)
        self.thumbnails = ThumbnailLoader(services.library.store, services.paths.thumbs,
                                          services.settings.current.thumbnail_px, parent=self)

        self.sidebar = Sidebar(services.library, bridge, self.feed)
        self.sidebar.setProperty(AREA_PROPERTY, "Clients and campaigns")
        self.workspace = self._make_workspace()
        self.campaign_header = CampaignHeader()
        self.client_editor = ClientEditor(services.library, bridge, self.feed)
        self.client_editor.setProperty(AREA_PROPERTY, "Client details")
        self.start_page = StartPage()
        self.notice = NoticeBar()
        self.campaign_page = QWidget()
        campaign_layout = QVBoxLayout(self.campaign_page)
        campaign_layout.setContentsMargins(0, 0, 0, 0)
        campaign_layout.addWidget(self.campaign_header)
        campaign_layout.addWidget(self.workspace, 1)
        self.pages = QStackedWidget()
        for page in (self.start_page, self.client_editor, self.campaign_page):
            self.pages.addWidget(page)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.notice)
        right_layout.addWidget(self.pages, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, False)
        self.splitter.setSizes([260, 1020])
        self.setCentralWidget(self.splitter)
        self.spend_page = SpendPage(services.money, services.library, bridge, self.feed, self.notices)
        self.spend_dock = QDockWidget("Spend", self)
        self.spend_dock.setObjectName("spend-dock")  # its place and visibility are saved with the window's state
        self.spend_dock.setWidget(self.spend_page)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.spend_dock)
        self.spend_dock.hide()

        self._make_actions()
        self._make_menus()
        self._make_status_bar()
        self._connect()
        self._layout_restored = False
        self._update_actions()

    def _make_workspace(self) -> CampaignWorkspace:
        """The campaign's pages, each given only the services it uses."""
        s, bridge, feed, notices, thumbs = self.services, self.bridge, self.feed, self.notices, self.thumbnails
        history, preferences = self.history, self.preferences
        return CampaignWorkspace(
            AssetsPage(s.library, thumbs, bridge, feed, notices, history=history, preferences=preferences),
            PairsPage(s.pairing, s.library, thumbs, bridge, feed, notices, history=history, preferences=preferences),
            JobsPage(s.generation, s.pairing, s.library, thumbs, bridge, feed, notices, preferences=preferences),
            AdPage(s.generation, s.library, thumbs, s.settings, s.paths, bridge, feed, notices,
                   preferences=preferences))

    def _connect(self) -> None:
        self.bridge.task_failed.connect(self._task_failed)
        self.bridge.busy_changed.connect(self._busy_changed)
        self.feed.changed.connect(self.apply_changes)
        self.notices.shown.connect(self._show_notice)
        self.notices.cleared.connect(self._clear_notice)
        self.notices.status_shown.connect(
            lambda note: self.status_note.show_note(note.text, note.action_text, note.action))
        self.workspace.currentChanged.connect(lambda _index: self._update_actions())
        self.sidebar.refused.connect(lambda message: self.notices.error(message, key="rename"))
        self.client_editor.new_campaign_requested.connect(self.sidebar.new_campaign)
        self.theme.changed.connect(self._theme_changed)
        sidebar = self.sidebar
        sidebar.client_selected.connect(self._client_selected)
        sidebar.campaign_selected.connect(self._campaign_selected)
        sidebar.selection_cleared.connect(self._show_start_page)
        sidebar.loaded.connect(self._library_loaded)
        self.client_editor.saved.connect(self._client_saved_in_editor)
        self.campaign_header.details_requested.connect(sidebar.open_campaign_details)
        self.start_page.new_client_requested.connect(sidebar.new_client)
        self.start_page.new_campaign_requested.connect(sidebar.new_campaign)
        self.start_page.sample_requested.connect(self.open_sample)

    # ---- start-up and shutdown ---------------------------------------------------------------------
    def start(self) -> None:
        """Load the sidebar (reselecting the last campaign), start watching other processes' changes, and report
        jobs interrupted at the last exit."""
        self.feed.watch_other_processes(self.services.db)
        self.sidebar.reload(self._last_campaign())
        self.bridge.run("mark-interrupted", self.services.generation.mark_interrupted(),
                        on_done=self._jobs_interrupted)

    def showEvent(self, event: QShowEvent) -> None:
        """Restore the saved layout on the first show, once the layouts know their minimum sizes."""
        if not self._layout_restored:
            self._layout_restored = True
            self._restore_layout()
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._editor_has_unsaved_changes() and not self._close_confirmed:
            event.ignore()
            self._ask_unsaved(self._close_now)
            return
        if self.running_job_ids() and not self._quit_confirmed:
            event.ignore()
            self._ask_quit_during_jobs()
            return
        self._save_layout()
        for index in range(self.workspace.count()):  # pages with worker threads stop them now
            if callable(shutdown := getattr(self.workspace.widget(index), "shutdown", None)):
                shutdown()
        self.feed.close()
        self.thumbnails.stop()
        super().closeEvent(event)
        self.closed.emit()

    def _close_now(self) -> None:
        self._close_confirmed = True
        self.close()

    # ---- quitting while clips are being made -------------------------------------------------------
    def running_job_ids(self) -> list[int]:
        """The jobs whose clips this window is making now."""
        return self.workspace.jobs_page.activity.busy_jobs()

    def _ask_quit_during_jobs(self) -> None:
        """Say what quitting does to the clips being made (remote ones go on, local ones stop): Quit or Stay."""
        if self.quit_box is not None:
            self.quit_box.raise_()
            return
        generation = self.services.generation

        async def jobs() -> list[JobState]:
            return [await generation.get_job(job_id) for job_id in self.running_job_ids()]
        self.bridge.run("quit-check", jobs(), on_done=self._show_quit_box,
                        on_error=lambda _exc: self._show_quit_box([]))

    def _show_quit_box(self, jobs: Sequence[JobState]) -> None:
        local_models = {m.id for m in self.services.generation.models() if m.provider == "local"}
        box, quit_button = quit_question(self, jobs, local_models, len(jobs) or len(self.running_job_ids()))

        def answered(button: object) -> None:
            if button is quit_button:
                self._quit_confirmed = True
                QTimer.singleShot(0, self.close)  # once the box is gone
        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "quit_box", None))
        box.finished.connect(box.deleteLater)
        self.quit_box = box
        box.open()

    # ---- the last campaign shown, per library (QSettings) ------------------------------------------
    @property
    def _last_campaign_key(self) -> str:
        paths = self.services.paths  # a team library is told apart from the local one by its cache key
        digest = hashlib.sha256(f"{paths.root}{paths.cache_key}".encode()).hexdigest()[:16]
        return f"libraries/{digest}/last_campaign"

    def _last_campaign(self) -> Selection | None:
        try:
            value = int(self.ui_settings.value(self._last_campaign_key, 0))
        except (TypeError, ValueError):
            return None
        return Selection("campaign", value) if value > 0 else None

    # ---- changes (this window's, another window's, another process's) -------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """Keep the shown campaign (its name, client, budget and spend) as stored; let go of a deleted one."""
        campaign = self.workspace.campaign
        if campaign is not None and (changes.campaign(campaign.id) or changes.spend_of(campaign.id)
                                     or campaign.client_id in changes.clients):
            self.bridge.run("window-campaign", self.services.library.get_campaign(campaign.id),
                            on_done=self._campaign_reloaded,
                            on_error=lambda _exc: self._campaign_gone(campaign.id))
        client = self.client_editor.client
        if client is not None and (changes.everything or client.id in changes.clients):
            self.bridge.run("window-client", self.services.library.get_client(client.id),
                            on_error=lambda _exc: self._client_gone(client.id))

    def _campaign_reloaded(self, campaign: CampaignInfo) -> None:
        if self.workspace.campaign is not None and self.workspace.campaign.id == campaign.id:
            if self.workspace.campaign != campaign:
                self.workspace.set_campaign(campaign)
            self.campaign_header.set_campaign(campaign)
            self._load_money(campaign.id)
            self._update_actions()

    def _load_money(self, campaign_id: int) -> None:
        """Hand the header the campaign's spent, committed and left (read again whenever they may have moved)."""
        self.bridge.run("window-money", self.services.money.campaign_money(campaign_id),
                        on_done=self.campaign_header.set_money, on_error=lambda _exc: None)

    def _campaign_gone(self, campaign_id: int) -> None:
        if self.workspace.campaign is not None and self.workspace.campaign.id == campaign_id:
            self.workspace.set_campaign(None)
            self.campaign_header.set_campaign(None)
            self.ui_settings.remove(self._last_campaign_key)
            if self.pages.currentWidget() is self.campaign_page:
                self._show_start_page()
        self._update_actions()

    def _client_gone(self, client_id: int) -> None:
        shown = self.client_editor.client
        if shown is not None and shown.id == client_id:
            self.client_editor.client = None
            if self.pages.currentWidget() is self.client_editor:
                self._show_start_page()
        self._update_actions()

    def _client_saved_in_editor(self, client: ClientInfo) -> None:
        self.statusBar().showMessage(f"Saved the client “{client.name}”.", 5000)
        self._update_actions()
