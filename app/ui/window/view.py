"""The main window's Edit and View commands: select all, thumbnail zoom, theme, sidebar, details panel and full
screen (the theme and the panels are remembered)."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QApplication

from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.preferences import Preferences
from app.ui.sidebar import Sidebar
from app.ui.theme import Theme, ThemeManager

THEME_KEY = "view/theme"
SIDEBAR_KEY = "view/sidebar"
DETAILS_KEY = "view/details_panel"


class EditViewMixin:
    """Part of ``MainWindow``: the Edit and View menus' commands and the view they restore at start."""

    ui_settings: QSettings
    preferences: Preferences
    theme: ThemeManager
    sidebar: Sidebar
    workspace: CampaignWorkspace
    theme_actions: dict[Theme, QAction]
    sidebar_action: QAction
    details_action: QAction
    full_screen_action: QAction

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
