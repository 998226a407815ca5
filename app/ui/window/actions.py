"""The main window's actions (with their shortcuts) and the menu bar that holds them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget

from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.history import History
from app.ui.sidebar import Sidebar
from app.ui.theme import Theme

THEME_LABELS = {Theme.SYSTEM: "&System", Theme.LIGHT: "&Light", Theme.DARK: "&Dark"}


class WindowActionsMixin:
    """Part of ``MainWindow``: every menu command as a ``QAction`` attribute, then the File, Edit, View, Campaign
    and Help menus."""

    sidebar: Sidebar
    workspace: CampaignWorkspace
    history: History
    spend_dock: QDockWidget

    def _make_actions(self) -> None:
        """Every command as an action with its shortcut and tip; the view they set is restored at the end."""
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
        """The menu bar: File, Edit, View, Campaign and Help."""
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
