"""What the main window shows for the sidebar's selection: a campaign's workspace, a client's editor or the start
page; leaving a client with unsaved edits asks first."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox, QStackedWidget, QWidget

from app.core.domain import CampaignInfo, ClientInfo
from app.ui.campaign_workspace import CampaignWorkspace
from app.ui.client_editor import ClientEditor
from app.ui.sidebar import Selection, Sidebar
from app.ui.widgets.campaign_header import CampaignHeader
from app.ui.widgets.start_page import StartPage


class SelectionMixin:
    """Part of ``MainWindow``: following the sidebar's selection, and the Save / Discard / Cancel question."""

    ui_settings: QSettings
    sidebar: Sidebar
    workspace: CampaignWorkspace
    client_editor: ClientEditor
    campaign_header: CampaignHeader
    start_page: StartPage
    pages: QStackedWidget
    campaign_page: QWidget
    _unsaved_box: QMessageBox | None

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
