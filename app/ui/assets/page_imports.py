"""The assets page's ways in for images: dropped sources and the non-modal files, folder and URL dialogs."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from app.core.domain import CampaignInfo
from app.ui.assets.import_runner import ImportRunner
from app.ui.assets.url_dialog import UrlDialog
from app.ui.notices import Notices

IMAGE_FILTER = "Images (*.jpg *.jpeg *.jpe *.png *.webp *.bmp *.tif *.tiff *.gif *.avif)"


class ImportDialogsMixin:
    """Part of ``AssetsPage``: imports into the shown campaign, queued on the page's ``ImportRunner``."""

    campaign: CampaignInfo | None
    imports: ImportRunner
    notices: Notices
    _dialog: QWidget | None

    def import_sources(self, sources: list[str]) -> None:
        """Import files, folders and http(s) URLs into the shown campaign (queued behind a running import)."""
        if self._needs_campaign():
            self.imports.start(self.campaign, list(sources))  # type: ignore[arg-type]

    def import_files_dialog(self) -> None:
        """File → Import…: choose image files (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = QFileDialog(self, "Import images")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters([IMAGE_FILTER, "All files (*)"])
        dialog.filesSelected.connect(self.import_sources)
        self._open_dialog(dialog)

    def import_folder_dialog(self) -> None:
        """Choose a folder; its images are imported recursively (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = QFileDialog(self, "Import a folder")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.fileSelected.connect(lambda path: self.import_sources([path]))
        self._open_dialog(dialog)

    def import_urls_dialog(self) -> None:
        """Paste or type http(s) image URLs, one per line (non-modal)."""
        if not self._needs_campaign():
            return
        dialog = UrlDialog(self)
        dialog.urls_chosen.connect(self.import_sources)
        self._open_dialog(dialog)

    def _open_dialog(self, dialog: QFileDialog | UrlDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog = dialog
        dialog.open()

    def _needs_campaign(self) -> bool:
        if self.campaign is None:
            self.notices.info("Choose a campaign first: images are imported into a campaign.")
            return False
        return True

    def _imported(self, campaign_id: int, ids: list[int]) -> None:
        if self.campaign is not None and self.campaign.id == campaign_id and ids:
            self.reload(select_ids=ids)
