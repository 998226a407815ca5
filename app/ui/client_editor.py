"""A client's details: the form, the editor page shown when a client is selected, and the New client dialog.

Nothing here touches the database: saving calls ``LibraryService`` through the bridge, one transaction per Save,
and the service's refusal (a ``LibraryError``) is shown under the form.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import ClientInfo
from app.core.library.service import LibraryService
from app.ui.brand_kit_form import BrandKitForm
from app.ui.bridge import TaskBridge, describe_error
from app.ui.change_feed import ChangeFeed
from app.ui.widgets.color_list import ColorSwatchList
from app.ui.widgets.forms import normalize_web_address, text_box, web_address_problem
from app.ui.widgets.inline_error import InlineError
from app.ui.widgets.saving_dialog import SavingDialog


class ClientForm(QWidget):
    """The fields of a client; ``values()`` are the keyword arguments of ``update_client``."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Northwind Coffee")
        self.homepage_edit = QLineEdit()
        self.homepage_edit.setPlaceholderText("https://")
        self.colors = ColorSwatchList()
        self.tone_edit = text_box(3, "How the brand speaks: warm, playful, premium…")
        self.restrictions_edit = text_box(3, "What the ads must never show or say")
        self.notes_edit = text_box(4, "Anything else worth remembering")
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addRow("&Name:", self.name_edit)
        layout.addRow("Home&page:", self.homepage_edit)  # Alt+H is the Help menu's, Alt+C the Campaign menu's
        layout.addRow("&Brand colours:", self.colors)
        layout.addRow("&Tone:", self.tone_edit)
        layout.addRow("&Restrictions:", self.restrictions_edit)
        layout.addRow("N&otes:", self.notes_edit)
        layout.labelForField(self.colors).setBuddy(self.colors.list)
        for edit in (self.name_edit, self.homepage_edit):
            edit.textEdited.connect(lambda _text: self.changed.emit())
        self.homepage_edit.editingFinished.connect(
            lambda: self.homepage_edit.setText(normalize_web_address(self.homepage_edit.text())))
        for box in (self.tone_edit, self.restrictions_edit, self.notes_edit):
            box.textChanged.connect(self.changed.emit)
        self.colors.changed.connect(self.changed.emit)

    def set_client(self, client: ClientInfo | None) -> None:
        """Show ``client``'s values (an empty form for None) without emitting ``changed``."""
        self.blockSignals(True)
        self.name_edit.setText(client.name if client else "")
        self.homepage_edit.setText(client.homepage if client else "")
        self.colors.set_colors(client.brand_colors if client else ())
        self.tone_edit.setPlainText(client.tone if client else "")
        self.restrictions_edit.setPlainText(client.restrictions if client else "")
        self.notes_edit.setPlainText(client.notes if client else "")
        self.blockSignals(False)

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name_edit.text().strip(),
            "homepage": normalize_web_address(self.homepage_edit.text()),
            "brand_colors": self.colors.colors(),
            "tone": self.tone_edit.toPlainText().strip(),
            "restrictions": self.restrictions_edit.toPlainText().strip(),
            "notes": self.notes_edit.toPlainText().strip(),
        }

    def problem(self) -> str | None:
        """What must be fixed before saving (the service checks the rest)."""
        if not self.name_edit.text().strip():
            self.name_edit.setFocus()
            return "the client needs a name"
        if problem := web_address_problem(self.homepage_edit.text(), "homepage"):
            self.homepage_edit.setFocus()
            return problem
        return None


def _client_values(client: ClientInfo) -> dict[str, Any]:
    return {"name": client.name, "homepage": client.homepage, "brand_colors": list(client.brand_colors),
            "tone": client.tone, "restrictions": client.restrictions, "notes": client.notes,
            "logo_asset_id": client.logo_asset_id, "logo_file": client.logo_file,
            "logo_key_background": client.logo_key_background, "brand_fonts": list(client.brand_fonts),
            "cta": client.cta}


class ClientEditor(QWidget):
    """The page shown when a client is selected: its form with Save and Revert."""

    saved = Signal(object)  # ClientInfo
    new_campaign_requested = Signal()

    def __init__(self, library: LibraryService, bridge: TaskBridge, feed: ChangeFeed,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.client: ClientInfo | None = None
        feed.changed.connect(self.apply_changes)
        self._saving = False
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.subtitle = QLabel()
        self.subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.new_campaign_button = QPushButton("New campaign…")
        self.new_campaign_button.setToolTip("Give this client a campaign")
        self.new_campaign_button.clicked.connect(self.new_campaign_requested.emit)
        heading = QHBoxLayout()
        heading.addWidget(self.subtitle)
        heading.addWidget(self.new_campaign_button)
        heading.addStretch(1)
        self.form = ClientForm()
        self.form.changed.connect(self._update_state)
        self.form.changed.connect(lambda: self.error.clear())
        self.brand = BrandKitForm()
        self.brand.changed.connect(self._update_state)
        self.brand.changed.connect(lambda: self.error.clear())
        self.brand.file_chosen.connect(self.add_brand_file)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.addWidget(self.form)
        page_layout.addWidget(self.brand)
        page_layout.addStretch(1)  # spare height goes below the fields, not between them
        scroll.setWidget(page)
        self.error = InlineError()
        self.revert_button = QPushButton("Revert")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.revert_button.clicked.connect(self.revert)
        self.save_button.clicked.connect(lambda: self.save())
        save_key = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, lambda: self.save())
        save_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save_key.setWhatsThis("Save the client's details")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(heading)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self._update_state()

    def set_client(self, client: ClientInfo) -> None:
        """Show ``client`` (any unsaved edits of the previous one are dropped: the window asks first)."""
        self.client = client
        self.form.set_client(client)
        self.brand.set_client(client)
        self.bridge.run(f"client-images-{client.id}", self.library.client_images(client.id),
                        on_done=lambda images: self._show_images(client.id, images), on_error=lambda _exc: None)
        self.error.clear()
        self._show_heading(client)
        self._update_state()

    def values(self) -> dict[str, Any]:
        """What Save sends to ``update_client``: the client's fields and its brand kit."""
        return {**self.form.values(), **self.brand.values()}

    def is_dirty(self) -> bool:
        return self.client is not None and self.values() != _client_values(self.client)

    def add_brand_file(self, kind: str, path: Path) -> None:
        """Copy a chosen logo or font file into the library, then offer it in the form (saved with Save)."""
        def added(stored: str) -> None:
            if kind == "logo":
                self.brand.add_logo_file(stored)
            else:
                self.brand.add_font(stored)
        self.bridge.run(f"brand-file-{kind}", self.library.import_brand_file(path, kind), on_done=added,
                        on_error=lambda exc: self.error.show_message(describe_error(exc)))

    def _show_images(self, client_id: int, images: list[tuple[int, str]]) -> None:
        if self.client is not None and self.client.id == client_id:
            self.brand.set_images(images)

    def revert(self) -> None:
        if self.client is not None:
            self.set_client(self.client)

    def save(self, then: Callable[[], None] | None = None) -> None:
        """Save the form in one transaction; ``then`` runs after a successful save."""
        if self.client is None or self._saving:
            return
        if problem := self.form.problem():
            self.error.show_message(problem)
            return
        self.error.clear()
        self._saving = True
        self._update_state()
        client_id = self.client.id
        self.bridge.run(f"save-client-{client_id}",
                        self.library.update_client(client_id, **self.values()),
                        on_done=lambda op: self._saved(op.value, then), on_error=self._failed)

    def apply_changes(self, changes: Changes) -> None:
        """Show the client as stored now when someone else changed it (edits in progress are kept)."""
        client = self.client
        if client is None or self._saving or self.is_dirty():
            return
        if not (changes.everything or client.id in changes.clients):
            return
        self.bridge.run(f"client-editor-{client.id}", self.library.get_client(client.id),
                        on_done=self._reloaded, on_error=lambda _exc: None)  # a deleted client: the window moves on

    def _reloaded(self, client: ClientInfo) -> None:
        if self.client is not None and self.client.id == client.id and not self.is_dirty() and client != self.client:
            self.set_client(client)

    def _saved(self, client: ClientInfo, then: Callable[[], None] | None) -> None:
        self._saving = False
        if self.client is not None and self.client.id == client.id:
            self.set_client(client)
        self.saved.emit(client)
        if then is not None:
            then()

    def _failed(self, exc: BaseException) -> None:
        self._saving = False
        self.error.show_message(describe_error(exc))
        self._update_state()

    def _show_heading(self, client: ClientInfo) -> None:
        self.title.setText(client.name)
        count = client.campaign_count
        self.subtitle.setText("No campaigns yet" if count == 0 else f"{count} campaign{'s' * (count != 1)}")

    def _update_state(self) -> None:
        dirty = self.is_dirty()
        self.save_button.setEnabled(dirty and not self._saving)
        self.revert_button.setEnabled(dirty and not self._saving)


class NewClientDialog(SavingDialog):
    """Creates a client from the full form; stays open with the reason when the service refuses."""

    created = Signal(object)  # ClientInfo

    def __init__(self, library: LibraryService, bridge: TaskBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.library = library
        self.setWindowTitle("New client")
        self.form = ClientForm()
        self.create_button = self.lay_out(self.form, "Create client", 560)

    @property
    def task_name(self) -> str:
        return "create-client"

    def submit(self) -> None:
        if self.is_saving():
            return
        if problem := self.form.problem():
            self.error.show_message(problem)
            return
        values = self.form.values()
        name = values.pop("name")
        self.run_save(self.library.create_client(name, **values), self.create_button, self.created.emit)
