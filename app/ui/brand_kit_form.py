"""The brand kit part of a client's details: logo, its background keying, fonts and the call to action.

Files chosen here are not saved by the form: ``file_chosen`` asks the owner (the client editor) to copy them into
the library through the bridge, and ``add_logo_file`` / ``add_font`` take the stored paths back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.core.domain import ClientInfo
from app.core.library.brand import display_name

LOGO_FILTER = "Images (*.png *.jpg *.jpeg *.webp);;All files (*)"
FONT_FILTER = "Fonts (*.ttf *.otf);;All files (*)"
BUNDLED_FONT = "Inter SemiBold (bundled)"


class BrandKitForm(QGroupBox):
    """Edits the brand kit fields of ``update_client``: logo (an image of the client, or a file), keying, fonts,
    call to action."""

    changed = Signal()
    file_chosen = Signal(str, object)  # kind ("logo" | "font"), Path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Brand kit", parent)
        self.logo = QComboBox()
        self.logo.setToolTip("The logo of end cards and the logo bug: one of the client's images, or a file")
        self.choose_logo = QPushButton("Logo file…")
        self.key_background = QCheckBox("Key out a flat background (for a logo without transparency)")
        self.key_background.setToolTip("Makes the colour of the logo's corners transparent, e.g. a JPEG on white")
        self.fonts_label = QLabel(BUNDLED_FONT)
        self.fonts_label.setWordWrap(True)
        self.add_font_button = QPushButton("Add font…")
        self.clear_fonts_button = QPushButton("Use the bundled font")
        self.cta_edit = QLineEdit()
        self.cta_edit.setPlaceholderText("e.g. Order today")
        self.dialog: QFileDialog | None = None
        self._fonts: list[str] = []

        logo_row = QHBoxLayout()
        logo_row.addWidget(self.logo, 1)
        logo_row.addWidget(self.choose_logo)
        font_row = QHBoxLayout()
        font_row.addWidget(self.fonts_label, 1)
        font_row.addWidget(self.add_font_button)
        font_row.addWidget(self.clear_fonts_button)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Logo:", logo_row)
        form.addRow("", self.key_background)
        form.addRow("Fonts:", font_row)
        form.addRow("Call to action:", self.cta_edit)

        self.logo.currentIndexChanged.connect(self._logo_changed)
        self.key_background.toggled.connect(lambda _on: self.changed.emit())
        self.cta_edit.textEdited.connect(lambda _text: self.changed.emit())
        self.choose_logo.clicked.connect(lambda: self.open_dialog("logo"))
        self.add_font_button.clicked.connect(lambda: self.open_dialog("font"))
        self.clear_fonts_button.clicked.connect(lambda: self.set_fonts(()))
        self.set_client(None)

    # ---- values ------------------------------------------------------------------------------------------
    def set_client(self, client: ClientInfo | None, images: Sequence[tuple[int, str]] = ()) -> None:
        """Show ``client``'s kit, offering ``images`` (asset id, name) as logos, without emitting ``changed``."""
        self.blockSignals(True)
        self.logo.blockSignals(True)
        self.logo.clear()
        self.logo.addItem("No logo", None)
        for asset_id, name in images:
            self.logo.addItem(f"Image: {name}", f"asset:{asset_id}")
        if client is not None and client.logo_asset_id is not None:
            key = f"asset:{client.logo_asset_id}"
            if self.logo.findData(key) < 0:
                self.logo.addItem(f"Image #{client.logo_asset_id}", key)
            self.logo.setCurrentIndex(self.logo.findData(key))
        elif client is not None and client.logo_file:
            self.add_logo_file(client.logo_file)
        self.logo.blockSignals(False)
        self.key_background.setChecked(bool(client and client.logo_key_background))
        self.set_fonts(client.brand_fonts if client else ())
        self.cta_edit.setText(client.cta if client else "")
        self._update_enabled()
        self.blockSignals(False)

    def set_images(self, images: Sequence[tuple[int, str]]) -> None:
        """Offer the client's images as logos (keeps the current choice)."""
        current = self.logo.currentData()
        extra = [(self.logo.itemText(i), self.logo.itemData(i)) for i in range(1, self.logo.count())
                 if str(self.logo.itemData(i)).startswith("file:")]
        self.logo.blockSignals(True)
        self.logo.clear()
        self.logo.addItem("No logo", None)
        for asset_id, name in images:
            self.logo.addItem(f"Image: {name}", f"asset:{asset_id}")
        for text, data in extra:
            self.logo.addItem(text, data)
        if current is not None and self.logo.findData(current) < 0:
            self.logo.addItem(f"Image #{current.partition(':')[2]}", current)
        self.logo.setCurrentIndex(max(0, self.logo.findData(current)))
        self.logo.blockSignals(False)

    def values(self) -> dict[str, Any]:
        """The brand kit's keyword arguments of ``update_client``."""
        kind, _, value = (self.logo.currentData() or "").partition(":")
        return {
            "logo_asset_id": int(value) if kind == "asset" else None,
            "logo_file": value if kind == "file" else None,
            "logo_key_background": self.key_background.isChecked(),
            "brand_fonts": list(self._fonts),
            "cta": self.cta_edit.text().strip(),
        }

    def add_logo_file(self, stored: str) -> None:
        """Offer (and choose) a logo file copied into the library."""
        index = self.logo.findData(f"file:{stored}")
        if index < 0:
            self.logo.addItem(f"File: {display_name(stored)}", f"file:{stored}")
            index = self.logo.count() - 1
        self.logo.setCurrentIndex(index)

    def add_font(self, stored: str) -> None:
        if stored not in self._fonts:
            self.set_fonts([*self._fonts, stored])

    def set_fonts(self, fonts: Sequence[str]) -> None:
        before = list(self._fonts)
        self._fonts = list(fonts)
        names = [display_name(f) for f in self._fonts]
        self.fonts_label.setText(", ".join(names) + " (the first sets the text)" if len(names) > 1
                                 else names[0] if names else BUNDLED_FONT)
        self.clear_fonts_button.setEnabled(bool(self._fonts))
        if self._fonts != before:
            self.changed.emit()

    # ---- files ---------------------------------------------------------------------------------------------
    def open_dialog(self, kind: str) -> None:
        """A non-modal file dialog; the chosen file is announced through ``file_chosen``."""
        title, filters = ("Choose the logo", LOGO_FILTER) if kind == "logo" else ("Add a brand font", FONT_FILTER)
        dialog = QFileDialog(self, title, "", filters)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self._chosen(kind, name))
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def _chosen(self, kind: str, name: str) -> None:
        self.file_chosen.emit(kind, Path(name))

    def _logo_changed(self) -> None:
        self._update_enabled()
        self.changed.emit()

    def _update_enabled(self) -> None:
        self.key_background.setEnabled(self.logo.currentData() is not None)
