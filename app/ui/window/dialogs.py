"""The dialogs and panels the main window opens: Settings, keyboard shortcuts, the sample campaign, the log folder
and About. Each is non-modal; one opened again is raised rather than opened twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from PySide6.QtCore import QUrl

from app import __version__
from app.config import LibraryPaths, SettingsStore
from app.core.db.location import LibraryLocation
from app.core.domain import CampaignInfo
from app.core.library.service import LibraryService
from app.core.secrets import SecretStore
from app.ui.bridge import TaskBridge
from app.ui.first_run import SamplePanel
from app.ui.settings_dialog import SettingsDialog
from app.ui.shortcuts_dialog import ShortcutsDialog, collect_shortcuts
from app.ui.sidebar import Selection, Sidebar
from app.ui.widgets.messages import inform

ABOUT_TEXT = ("Turns a campaign's images into a video ad: Grok chooses first-frame → last-frame pairs, "
              "Replicate animates each pair, and FFmpeg joins the clips. Without keys or a network, a local "
              "pairer and a local transition model do the same work.")


class DialogServices(Protocol):
    """The services of the open library that the dialogs use."""

    @property
    def paths(self) -> LibraryPaths: ...
    @property
    def location(self) -> LibraryLocation: ...
    @property
    def settings(self) -> SettingsStore: ...
    @property
    def secrets(self) -> SecretStore: ...
    @property
    def library(self) -> LibraryService: ...


class DialogsMixin:
    """Part of ``MainWindow``: the Settings dialog, the shortcuts list and the sample panel it keeps open."""

    services: DialogServices
    bridge: TaskBridge
    sidebar: Sidebar
    open_url: Callable[[QUrl], bool]
    settings_dialog: SettingsDialog | None
    shortcuts_dialog: ShortcutsDialog | None
    sample_panel: SamplePanel | None

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
