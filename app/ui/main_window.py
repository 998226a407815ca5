"""The main window: clients and campaigns on the left; on the right the selected campaign's workspace, the
selected client's editor, or the start page. Menus, the status bar, notices, the theme and the remembered layout
live here.

The window is the UI's composition root: it holds the open library's services and hands each page only what that
page uses, together with the shared parts — the bridge, the change feed, the notices, the thumbnail loader, the
undo history (one per window, so Undo works across pages) and the remembered preferences.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDesktopServices, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core.changes import Changes
from app.core.domain import CampaignInfo, ClientInfo, JobState
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.change_feed import ChangeFeed
from app.ui.client_editor import ClientEditor
from app.ui.first_run import SamplePanel
from app.ui.history import History
from app.ui.notices import Level, Notice, Notices
from app.ui.pages.ad_page import AdPage
from app.ui.pages.assets_page import AssetsPage
from app.ui.pages.jobs_page import JobsPage
from app.ui.pages.pairs_page import PairsPage
from app.ui.preferences import Preferences
from app.ui.settings_dialog import SettingsDialog
from app.ui.shortcuts_dialog import AREA_PROPERTY, ShortcutsDialog, collect_shortcuts
from app.ui.sidebar import Selection, Sidebar
from app.ui.spend.page import SpendPage
from app.ui.theme import Theme, ThemeManager
from app.ui.thumbnail_loader import ThumbnailLoader
from app.ui.widgets.campaign_header import CampaignHeader
from app.ui.widgets.messages import inform
from app.ui.widgets.notice_bar import NoticeBar
from app.ui.widgets.start_page import StartPage
from app.ui.widgets.status_note import StatusNote
from app.ui.wording import plural

BUSY_DELAY_MS = 300
THEME_KEY = "view/theme"
SIDEBAR_KEY = "view/sidebar"
DETAILS_KEY = "view/details_panel"
THEME_LABELS = {Theme.SYSTEM: "&System", Theme.LIGHT: "&Light", Theme.DARK: "&Dark"}

ABOUT_TEXT = ("Turns a campaign's images into a video ad: Grok chooses first-frame → last-frame pairs, "
              "Replicate animates each pair, and FFmpeg joins the clips. Without keys or a network, a local "
              "pairer and a local transition model do the same work.")


class MainWindow(QMainWindow):
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

    # ---- construction ------------------------------------------------------------------------------
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

    def _make_actions(self) -> None:
        def action(text: str, slot: Callable[[], Any], shortcut: str | QKeySequence | QKeySequence.StandardKey
                   | list[str] | None = None, tip: str = "") -> QAction:
            act = QAction(text, self)
            act.triggered.connect(lambda _checked=False: slot())
            if isinstance(shortcut, list):
                act.setShortcuts([QKeySequence(k) for k in shortcut])
            elif shortcut is not None:
                act.setShortcut(QKeySequence(shortcut))
            if tip:
                act.setToolTip(tip)
            return act
        self.sidebar.new_campaign_action.setShortcut(QKeySequence("Ctrl+N"))
        self.settings_action = action("&Settings…", self.open_settings, "Ctrl+,")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = action("&Quit", self.close, "Ctrl+Q")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        # Edit
        self.undo_action = self.history.stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Undo))
        self.redo_action = self.history.stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.select_all_action = action("Select &all", self.select_all, QKeySequence.StandardKey.SelectAll)
        self.copy_path_action = self.workspace.assets_page.copy_path_action
        # View
        self.zoom_in_action = action("&Larger thumbnails", lambda: self._zoom(1), ["Ctrl++", "Ctrl+="])
        self.zoom_out_action = action("S&maller thumbnails", lambda: self._zoom(-1), "Ctrl+-")
        self.zoom_reset_action = action("&Default thumbnail size", lambda: self._zoom(0), "Ctrl+0")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[Theme, QAction] = {}
        for theme, label in THEME_LABELS.items():
            act = action(label, lambda t=theme: self.set_theme(t))
            act.setCheckable(True)
            self.theme_group.addAction(act)
            self.theme_actions[theme] = act
        self.sidebar_action = action("S&idebar", lambda: None)
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.toggled.connect(self._show_sidebar)
        self.details_action = action("D&etails panel", lambda: None)
        self.details_action.setCheckable(True)
        self.details_action.toggled.connect(self._show_details)
        self.full_screen_action = action("&Full screen", self.toggle_full_screen, QKeySequence.StandardKey.FullScreen)
        self.full_screen_action.setCheckable(True)
        # Campaign
        self.import_files_action = action("&Import files…", lambda: self._import("import_files_dialog"), "Ctrl+I")
        self.import_folder_action = action("Import &folder…", lambda: self._import("import_folder_dialog"))
        self.import_urls_action = action("Import from &URLs…", lambda: self._import("import_urls_dialog"),
                                         "Ctrl+Shift+I")
        self.suggest_action = action("&Suggest pairs", self.suggest_pairs, "Ctrl+Shift+P",
                                     "Let Grok or the local pairer choose first → last frame pairs")
        self.generate_action = action("&Generate clips…", self.generate_clips, "Ctrl+G",
                                      "Turn the campaign's pairs into clips")
        self.combine_action = action("&Combine the ad", self.combine_ad, "Ctrl+Shift+M",
                                     "Join the shown job's clips into the ad")
        self.export_action = action("&Export the ad…", self.export_ad, "Ctrl+E", "Copy the ad with its manifest")
        # Help
        self.shortcuts_action = action("&Keyboard shortcuts", self.show_shortcuts, "F1")
        self.logs_action = action("Open &log folder", self.open_log_folder)
        self.sample_action = action("Open the &sample campaign…", self.open_sample)
        self.about_action = action("&About Pairframe", self.show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.spend_action = self.spend_dock.toggleViewAction()
        self.spend_action.setText("Spe&nd")
        self.spend_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.spend_action.setToolTip("Spend by client, campaign, model and month")
        self.campaign_actions = [self.import_files_action, self.import_folder_action, self.import_urls_action,
                                 self.suggest_action, self.generate_action, self.combine_action, self.export_action]
        self._restore_view()

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.sidebar.new_client_action, self.sidebar.new_campaign_action])
        file_menu.addSeparator()
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.select_all_action, self.copy_path_action])
        view_menu = bar.addMenu("&View")
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action])
        view_menu.addSeparator()
        theme_menu = view_menu.addMenu("&Theme")
        theme_menu.addActions(list(self.theme_actions.values()))
        view_menu.addActions([self.sidebar_action, self.details_action, self.spend_action])
        view_menu.addSeparator()
        view_menu.addAction(self.full_screen_action)
        campaign_menu = bar.addMenu("&Campaign")
        campaign_menu.addActions([self.import_files_action, self.import_folder_action, self.import_urls_action])
        campaign_menu.addSeparator()
        campaign_menu.addActions([self.suggest_action, self.generate_action, self.combine_action,
                                  self.export_action])
        help_menu = bar.addMenu("&Help")
        help_menu.addActions([self.shortcuts_action, self.sample_action, self.logs_action])
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def _make_status_bar(self) -> None:
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
        rendering = waiting = local = 0
        for job in jobs:
            for clip in job.clips:
                if clip.status.is_terminal:
                    continue
                if job.model_id in local_models:
                    local += 1
                elif clip.status.is_in_flight:
                    rendering += 1
                else:
                    waiting += 1
        lines = []
        if rendering:
            lines.append(f"{plural(rendering, 'clip')} rendering on Replicate keep rendering there; Pairframe picks "
                         "them up (and downloads them) when you open it again.")
        if waiting:
            lines.append(f"{plural(waiting, 'clip')} not yet sent to Replicate {'wait' if waiting != 1 else 'waits'} "
                         "until you resume the job on the Generate tab.")
        if local:
            lines.append(f"{plural(local, 'clip')} made on this computer stop now; resume the job on the Generate "
                         "tab to make them later.")
        count = len(jobs) or len(self.running_job_ids())
        box = QMessageBox(QMessageBox.Icon.Question, "Clips are being made",
                          f"{plural(count, 'job')} {'is' if count == 1 else 'are'} still making clips. Quit anyway?",
                          QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText("\n\n".join(lines) or "Unfinished clips can be resumed on the Generate tab.")
        quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("Stay", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(stay)
        box.setEscapeButton(stay)

        def answered(button: object) -> None:
            if button is quit_button:
                self._quit_confirmed = True
                QTimer.singleShot(0, self.close)  # once the box is gone
        box.buttonClicked.connect(answered)
        box.finished.connect(lambda _result: setattr(self, "quit_box", None))
        box.finished.connect(box.deleteLater)
        self.quit_box = box
        box.open()

    # ---- layout memory (QSettings) -----------------------------------------------------------------
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

    def _restore_layout(self) -> None:
        geometry = self.ui_settings.value("window/geometry")
        if not geometry or not self.restoreGeometry(geometry):
            self._default_size()
        if state := self.ui_settings.value("window/state"):
            self.restoreState(state)
        if splitter := self.ui_settings.value("window/splitter"):
            self.splitter.restoreState(splitter)

    def _default_size(self) -> None:
        """1280×800, or less on a small screen."""
        screen = self.screen().availableGeometry() if self.screen() else None
        width, height = 1280, 800
        if screen is not None:
            width, height = min(width, int(screen.width() * 0.9)), min(height, int(screen.height() * 0.9))
        self.resize(width, height)

    def _save_layout(self) -> None:
        self.ui_settings.setValue("window/geometry", self.saveGeometry())
        self.ui_settings.setValue("window/state", self.saveState())
        self.ui_settings.setValue("window/splitter", self.splitter.saveState())
        self.ui_settings.sync()

    # ---- selection ---------------------------------------------------------------------------------
    def _client_selected(self, client: ClientInfo) -> None:
        shown = self.client_editor.client
        if self._editor_has_unsaved_changes() and shown is not None and shown.id != client.id:
            self._keep_editor_then(Selection("client", client.id))
            return
        if shown is None or shown.id != client.id or not self.client_editor.is_dirty():
            self.client_editor.set_client(client)
        self.pages.setCurrentWidget(self.client_editor)
        self._update_actions()

    def _campaign_selected(self, campaign: CampaignInfo) -> None:
        if self._editor_has_unsaved_changes():
            self._keep_editor_then(Selection("campaign", campaign.id))
            return
        if self.workspace.campaign is None or self.workspace.campaign.id != campaign.id:
            self.workspace.set_campaign(campaign)
        self.campaign_header.set_campaign(campaign)
        self._load_money(campaign.id)
        self.pages.setCurrentWidget(self.campaign_page)
        self.ui_settings.setValue(self._last_campaign_key, campaign.id)
        self._update_actions()

    def _show_start_page(self) -> None:
        self.start_page.set_empty(self.sidebar.model.is_empty())
        self.pages.setCurrentWidget(self.start_page)
        self._update_actions()

    def _library_loaded(self, empty: bool) -> None:
        self.start_page.set_empty(empty)
        if self.sidebar.current_item() is None:
            self._show_start_page()

    def _editor_has_unsaved_changes(self) -> bool:
        return self.pages.currentWidget() is self.client_editor and self.client_editor.is_dirty()

    def _keep_editor_then(self, target: Selection) -> None:
        """The user left a client with unsaved edits: go back to it and ask; go on to ``target`` unless Cancel."""
        client = self.client_editor.client
        assert client is not None
        self.sidebar.select(Selection("client", client.id))
        self._ask_unsaved(lambda: self.sidebar.select(target))

    def _ask_unsaved(self, proceed: Callable[[], None]) -> None:
        """Save, Discard or Cancel the client editor's changes; ``proceed`` runs after Save or Discard."""
        if self._unsaved_box is not None:
            return
        client = self.client_editor.client
        box = QMessageBox(QMessageBox.Icon.Question, "Unsaved changes",
                          f"Save the changes to the client “{client.name if client else ''}”?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)

        def finished() -> None:
            self._unsaved_box = None
            answer = box.standardButton(box.clickedButton()) if box.clickedButton() else None
            box.deleteLater()
            if answer == QMessageBox.StandardButton.Save:
                self.client_editor.save(then=proceed)
            elif answer == QMessageBox.StandardButton.Discard:
                self.client_editor.revert()
                proceed()

        box.finished.connect(finished)
        self._unsaved_box = box
        box.open()

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

    # ---- notices -----------------------------------------------------------------------------------
    def _show_notice(self, notice: Notice) -> None:
        self.notice.show_notice(notice.text, notice.action_text, notice.action, error=notice.level is Level.ERROR,
                                key=notice.key)

    def _clear_notice(self, key: str) -> None:
        self.notice.withdraw(key)

    # ---- menus -------------------------------------------------------------------------------------
    def _import(self, method_name: str) -> None:
        """Run one of the assets page's import dialogs for the campaign on screen."""
        page = self.workspace.assets_page
        method = getattr(page, method_name, None)
        if self.workspace.campaign is None or self.pages.currentWidget() is not self.campaign_page:
            self.statusBar().showMessage("Select a campaign to import images into.", 5000)
            return
        if method is None:
            self.statusBar().showMessage("Importing is not available in this build.", 5000)
            return
        self.workspace.setCurrentWidget(page)
        method()

    def open_settings(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            self.settings_dialog.activateWindow()
            return
        dialog = SettingsDialog(self.services.settings, self.services.secrets, self.bridge, self,
                                library_open=self.services.location.describe())
        dialog.saved.connect(lambda message: self.statusBar().showMessage(message, 8000))
        dialog.finished.connect(lambda _r: self._settings_closed(dialog))
        self.settings_dialog = dialog
        dialog.open()

    def _settings_closed(self, dialog: SettingsDialog) -> None:
        if self.settings_dialog is dialog:
            self.settings_dialog = None
        dialog.deleteLater()

    def show_shortcuts(self) -> None:
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        self.shortcuts_dialog = ShortcutsDialog(collect_shortcuts(self), self)
        self.shortcuts_dialog.show()

    def open_campaign(self, campaign: CampaignInfo) -> None:
        """Reload the sidebar and show ``campaign`` (e.g. once the sample campaign exists)."""
        self.sidebar.reload(Selection("campaign", campaign.id))

    def open_sample(self) -> None:
        """Offer the sample campaign in a non-modal panel; it opens here once created."""
        if self.sample_panel is not None:
            self.sample_panel.raise_()
            return
        panel = SamplePanel(self, self.services.library, self.bridge)
        panel.opened.connect(self.open_campaign)
        panel.destroyed.connect(lambda _obj=None: setattr(self, "sample_panel", None))
        self.sample_panel = panel
        panel.show()

    def open_log_folder(self) -> None:
        folder = self.services.paths.logs
        folder.mkdir(parents=True, exist_ok=True)
        if not self.open_url(QUrl.fromLocalFile(str(folder))):
            self.statusBar().showMessage(f"Could not open the log folder: {folder}", 10_000)

    def show_about(self) -> None:
        inform(self, "About Pairframe", f"Pairframe {__version__}", ABOUT_TEXT)

    # ---- status ------------------------------------------------------------------------------------
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

    # ---- Edit and View -------------------------------------------------------------------------------
    def select_all(self) -> None:
        """Select every row of the list with the focus (else of the asset grid, on the Assets tab)."""
        focus = QApplication.focusWidget()
        while focus is not None and not isinstance(focus, QAbstractItemView) and focus is not self:
            focus = focus.parentWidget()
        if isinstance(focus, QAbstractItemView) and focus.window() is self:
            focus.selectAll()
        elif self._on_tab(self.workspace.assets_page):
            self.workspace.assets_page.grid.selectAll()

    def _zoom(self, steps: int) -> None:
        page = self.workspace.assets_page
        if steps:
            page.zoom_by(steps)
        else:
            page.reset_zoom()

    def set_theme(self, theme: Theme) -> None:
        """Light, dark or the system's colours (remembered)."""
        self.theme_actions[theme].setChecked(True)
        self.ui_settings.setValue(THEME_KEY, theme.value)
        self.theme.apply(theme)

    def _theme_changed(self) -> None:
        self.workspace.assets_page.grid.viewport().update()

    def _restore_view(self) -> None:
        try:
            theme = Theme(str(self.ui_settings.value(THEME_KEY, Theme.SYSTEM.value)))
        except ValueError:
            theme = Theme.SYSTEM
        self.theme_actions[theme].setChecked(True)
        if theme is not Theme.SYSTEM:
            self.theme.apply(theme)
        self.sidebar_action.setChecked(self.preferences.boolean(SIDEBAR_KEY, True))
        self.details_action.setChecked(self.preferences.boolean(DETAILS_KEY, True))

    def _show_sidebar(self, shown: bool) -> None:
        self.sidebar.setVisible(shown)
        self.preferences.set_value(SIDEBAR_KEY, shown)

    def _show_details(self, shown: bool) -> None:
        self.workspace.assets_page.set_details_visible(shown)
        self.preferences.set_value(DETAILS_KEY, shown)

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.full_screen_action.setChecked(self.isFullScreen())

    # ---- Campaign --------------------------------------------------------------------------------------
    def _on_tab(self, page: QWidget) -> bool:
        return self._on_campaign() and self.workspace.currentWidget() is page

    def _on_campaign(self) -> bool:
        return self.workspace.campaign is not None and self.pages.currentWidget() is self.campaign_page

    def _show_tab(self, page: QWidget) -> bool:
        if not self._on_campaign():
            self.statusBar().showMessage("Select a campaign first.", 5000)
            return False
        self.workspace.setCurrentWidget(page)
        return True

    def suggest_pairs(self) -> None:
        if self._show_tab(self.workspace.pairs_page):
            self.workspace.pairs_page.suggest()

    def generate_clips(self) -> None:
        if self._show_tab(self.workspace.jobs_page):
            self.workspace.jobs_page.open_generate_dialog()

    def combine_ad(self) -> None:
        if self._show_tab(self.workspace.ad_page):
            page = self.workspace.ad_page
            if page.combine_button.isEnabled():
                page.start_combine()
            else:
                self.statusBar().showMessage("Choose a job with finished clips on the Ad tab first.", 5000)

    def export_ad(self) -> None:
        if self._show_tab(self.workspace.ad_page):
            page = self.workspace.ad_page
            if page.export_button.isEnabled():
                page.open_export_dialog()
            else:
                self.statusBar().showMessage("Combine the ad first: there is nothing to export yet.", 5000)

    def _update_actions(self) -> None:
        on_campaign = self._on_campaign()
        for action in self.campaign_actions:
            action.setEnabled(on_campaign)
        on_assets = self._on_tab(self.workspace.assets_page)
        for action in (self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action, self.copy_path_action):
            action.setEnabled(on_assets)
        title = "Pairframe"
        if self.pages.currentWidget() is self.campaign_page and self.workspace.campaign is not None:
            campaign = self.workspace.campaign
            title = f"{campaign.client_name} › {campaign.name} — Pairframe"
        elif self.pages.currentWidget() is self.client_editor and self.client_editor.client is not None:
            title = f"{self.client_editor.client.name} — Pairframe"
        self.setWindowTitle(title)
