"""First run: when the library is empty, offer the sample campaign in a non-modal panel."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import CampaignInfo, ClientInfo, ImportProgress
from app.core.library.service import LibraryService
from app.core.sample import SAMPLE_CLIENT, create_sample_campaign
from app.ui.bridge import TaskBridge, describe_error

SAMPLE_TASK = "sample-campaign"
OpenedCallback = Callable[[CampaignInfo], None]

WELCOME = (
    "<h3>Welcome to Pairframe</h3>"
    "<p>Your library is empty. The sample campaign is a fictional coffee brand, <b>{client}</b>, with a dozen "
    "images, so you can try everything at once: suggest pairs, make the clips with the offline <i>local</i> "
    "model, and combine them into an ad. No keys or network needed.</p>"
    "<p>You can delete the sample client at any time.</p>"
)


class SamplePanel(QDialog):
    """Offers the sample campaign; creating it runs through the bridge while the window stays usable."""

    opened = Signal(object)  # CampaignInfo
    _progress = Signal(int, int)  # done, total: may be emitted from a worker thread

    def __init__(self, parent: QWidget | None, library: LibraryService, bridge: TaskBridge) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.setWindowTitle("Welcome to Pairframe")
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        text = QLabel(WELCOME.format(client=SAMPLE_CLIENT))
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.open_button = QPushButton("Open the sample campaign")
        self.open_button.setDefault(True)
        self.skip_button = QPushButton("Start with an empty library")
        self.open_button.clicked.connect(self.open_sample)
        self.skip_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self._progress.connect(self._show_progress)

    def open_sample(self) -> None:
        """Create (or find) the sample campaign, then announce it and close."""
        self.open_button.setEnabled(False)
        self.skip_button.setEnabled(False)
        self.status.setText("Importing the sample images…")
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.bridge.run(SAMPLE_TASK, create_sample_campaign(self.library, self._report_progress),
                        on_done=self._opened, on_error=self._failed)

    def _report_progress(self, progress: ImportProgress) -> None:
        self._progress.emit(progress.done, progress.total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _opened(self, campaign: CampaignInfo) -> None:
        self.opened.emit(campaign)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.status.setText(f"The sample campaign could not be opened: {describe_error(exc)}")
        self.open_button.setEnabled(True)
        self.skip_button.setEnabled(True)


def offer_sample_if_empty(window: QWidget, library: LibraryService, bridge: TaskBridge,
                          on_opened: OpenedCallback | None = None) -> None:
    """When the library has no clients, show the sample offer over ``window`` (non-modal).

    ``on_opened(campaign)`` runs once the user opened the sample (e.g. to select it in the sidebar).
    """
    def decide(clients: list[ClientInfo]) -> None:
        if clients:
            return
        panel = SamplePanel(window, library, bridge)
        if on_opened:
            panel.opened.connect(on_opened)
        panel.show()
        panel.raise_()

    bridge.run("first-run-check", library.list_clients(), on_done=decide)


def open_sample_campaign(library: LibraryService, bridge: TaskBridge, on_opened: OpenedCallback) -> None:
    """Create or find the sample campaign without asking (Help → Open the sample campaign)."""
    bridge.run(SAMPLE_TASK, create_sample_campaign(library), on_done=on_opened)
