"""The main window's Campaign menu: each command opens its tab and starts the page's own command; the actions are
enabled only where they apply, and the window title names what is shown."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStackedWidget, QWidget

from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.client_editor import ClientEditor


class CampaignCommandsMixin:
    """Part of ``MainWindow``: the Campaign menu's commands and the state of the actions."""

    workspace: CampaignWorkspace
    client_editor: ClientEditor
    pages: QStackedWidget
    campaign_page: QWidget
    campaign_actions: list[QAction]
    zoom_in_action: QAction
    zoom_out_action: QAction
    zoom_reset_action: QAction
    copy_path_action: QAction

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
