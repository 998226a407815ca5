"""What the window shows when no campaign or client is selected: a welcome for an empty library, else a hint."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

WELCOME = ("Pairframe keeps your clients, their campaigns and their images in one library. "
           "Add a client, give it a campaign, drop the campaign's images on it, and let Pairframe pair the "
           "frames and turn them into a video ad.")
HINT = "Select a campaign on the left to work on its images, pairs and clips, or a client to edit its details."


class StartPage(QWidget):
    """Two moods: ``set_empty(True)`` welcomes a new user, ``set_empty(False)`` says what to select."""

    new_client_requested = Signal()
    new_campaign_requested = Signal()
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = QLabel()
        font = QFont(self.heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.heading.setFont(font)
        self.heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body = QLabel()
        self.body.setWordWrap(True)
        self.body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.body.setMaximumWidth(520)
        self.new_client_button = QPushButton()
        self.new_campaign_button = QPushButton("New campaign…")
        self.sample_button = QPushButton("Try the sample campaign…")
        self.sample_button.setToolTip("A fictional coffee brand with a dozen images, to try everything offline")
        self.new_client_button.clicked.connect(self.new_client_requested.emit)
        self.new_campaign_button.clicked.connect(self.new_campaign_requested.emit)
        self.sample_button.clicked.connect(self.sample_requested.emit)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.new_client_button)
        buttons.addWidget(self.new_campaign_button)
        buttons.addWidget(self.sample_button)
        buttons.addStretch(1)
        body_row = QHBoxLayout()  # the wrapped text gets the height its width needs (an alignment would not)
        body_row.addStretch(1)
        body_row.addWidget(self.body, 10)
        body_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.heading)
        layout.addLayout(body_row)
        layout.addSpacing(12)
        layout.addLayout(buttons)
        layout.addStretch(2)
        self.set_empty(True)

    def set_empty(self, empty: bool) -> None:
        self.empty = empty
        self.heading.setText("Welcome to Pairframe" if empty else "Nothing selected")
        self.body.setText(WELCOME if empty else HINT)
        self.new_client_button.setText("Create your first client…" if empty else "New client…")
        self.new_client_button.setDefault(empty)
        self.new_campaign_button.setVisible(not empty)
        self.sample_button.setVisible(empty)
