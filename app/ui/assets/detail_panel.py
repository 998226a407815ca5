"""Details of the current asset: facts, rating, flag and colour label buttons, tags, notes (edits go out as
signals). The stars are the grid's stars; the label buttons show the grid's label colours."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import AssetInfo, ColorLabel, Flag
from app.ui.assets.asset_model import human_bytes
from app.ui.assets.stars import star_icon
from app.ui.assets.tag_editor import TagEditor
from app.ui.theme import LABEL_NAMES, label_color
from app.ui.widgets.elided_label import ElidedLabel

NOTES_SAVE_MS = 700
STAR_PX = 18
FLAG_LABELS = {Flag.PICK: "Pick", Flag.REJECT: "Reject", Flag.NONE: "Unflag"}
LABEL_KEYS = {ColorLabel.RED: "6", ColorLabel.YELLOW: "7", ColorLabel.GREEN: "8", ColorLabel.BLUE: "9"}


def local_time(stamp: datetime | None) -> str:
    """A stored UTC time as the user's local ``YYYY-MM-DD HH:MM``."""
    if stamp is None:
        return "—"
    return stamp.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M")


class StarButtons(QWidget):
    """Five stars, drawn as the grid draws them; a click on star n asks for n, on the current rating clears it."""

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rating = 0
        self.buttons: list[QToolButton] = []
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for stars in range(1, 6):
            button = QToolButton(autoRaise=True, toolTip=f"{stars} star{'s' if stars > 1 else ''} (key {stars})")
            button.setIconSize(QSize(STAR_PX, STAR_PX))
            button.setAccessibleName(f"{stars} star{'s' if stars > 1 else ''}")
            button.clicked.connect(lambda _=False, n=stars: self.clicked.emit(0 if n == self.rating else n))
            layout.addWidget(button)
            self.buttons.append(button)
        layout.addStretch(1)
        self.set_rating(0)

    def set_rating(self, rating: int) -> None:
        self.rating = rating
        self._draw()

    def _draw(self) -> None:
        palette, ratio = self.palette(), self.devicePixelRatioF()
        icons = {filled: star_icon(filled, palette, STAR_PX, ratio) for filled in (True, False)}
        for stars, button in enumerate(self.buttons, start=1):
            button.setIcon(icons[stars <= self.rating])

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._draw()
        super().changeEvent(event)


def label_swatch(label: ColorLabel, palette: QPalette, size: int = 14, ratio: float = 1.0) -> QIcon:
    """A round swatch of a colour label (an empty ring for no label)."""
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1))
    if label is ColorLabel.NONE:
        painter.setBrush(Qt.BrushStyle.NoBrush)
    else:
        painter.setBrush(label_color(label, palette))
    painter.drawEllipse(QRectF(1, 1, size - 2, size - 2))
    painter.end()
    return QIcon(pixmap)


class LabelButtons(QWidget):
    """The five colour labels; a click asks for the label, a click on the current one clears it."""

    clicked = Signal(object)  # ColorLabel

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = ColorLabel.NONE
        self.buttons: dict[ColorLabel, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        for label in (ColorLabel.RED, ColorLabel.YELLOW, ColorLabel.GREEN, ColorLabel.BLUE, ColorLabel.PURPLE):
            key = f" (key {LABEL_KEYS[label]})" if label in LABEL_KEYS else ""
            button = QToolButton(autoRaise=True, checkable=True, toolTip=f"{LABEL_NAMES[label]}{key}")
            button.setAccessibleName(f"{LABEL_NAMES[label]} label")
            button.clicked.connect(lambda _=False, chosen=label: self._clicked(chosen))
            layout.addWidget(button)
            self.buttons[label] = button
        layout.addStretch(1)
        self._draw()

    def set_label(self, label: ColorLabel) -> None:
        self.label = label
        for each, button in self.buttons.items():
            button.setChecked(each is label)

    def _clicked(self, label: ColorLabel) -> None:
        self.clicked.emit(ColorLabel.NONE if label is self.label else label)
        self.set_label(self.label)  # shows the stored label until the change comes back

    def _draw(self) -> None:
        for label, button in self.buttons.items():
            button.setIcon(label_swatch(label, self.palette(), 14, self.devicePixelRatioF()))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._draw()
        super().changeEvent(event)


class DetailPanel(QWidget):
    """Shows one asset; ratings, flags and tags apply to the selection, notes to the shown asset."""

    rating_clicked = Signal(int)
    flag_clicked = Signal(object)  # Flag
    label_clicked = Signal(object)  # ColorLabel
    tag_added = Signal(str)
    tag_removed = Signal(str)
    notes_edited = Signal(int, str, int)  # asset id, text, the notes_version the edit started from

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.asset: AssetInfo | None = None
        self.notes_base = 0  # the notes_version the text in the editor was read at (a stale save is refused)
        self.selected_count = 0
        self.title = QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.selection_label = QLabel(wordWrap=True)
        self.facts: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key in ("Dimensions", "Size", "Format", "Source", "Imported", "By"):
            label = (ElidedLabel() if key == "Source" else
                     QLabel(wordWrap=True, textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse))
            self.facts[key] = label
            form.addRow(f"{key}:", label)
        self.stars = StarButtons()
        self.stars.clicked.connect(self.rating_clicked)
        form.addRow("Rating:", self.stars)
        flags_row = QWidget()
        flags_layout = QHBoxLayout(flags_row)
        flags_layout.setContentsMargins(0, 0, 0, 0)
        self.flag_buttons: dict[Flag, QToolButton] = {}
        group = QButtonGroup(self)
        for flag, key in ((Flag.PICK, "P"), (Flag.REJECT, "X"), (Flag.NONE, "U")):
            button = QToolButton(text=FLAG_LABELS[flag], checkable=True, toolTip=f"{FLAG_LABELS[flag]} (key {key})")
            button.clicked.connect(lambda _=False, f=flag: self._flag_clicked(f))
            group.addButton(button)
            flags_layout.addWidget(button)
            self.flag_buttons[flag] = button
        flags_layout.addStretch(1)
        form.addRow("Flag:", flags_row)
        self.labels = LabelButtons()
        self.labels.clicked.connect(self.label_clicked)
        form.addRow("Label:", self.labels)
        self.tag_editor = TagEditor()
        self.tag_editor.tag_added.connect(self.tag_added)
        self.tag_editor.tag_removed.connect(self.tag_removed)
        form.addRow("Tags:", self.tag_editor)
        self.notes = QPlainTextEdit(placeholderText="Notes about this image…")
        self.notes.setMaximumHeight(140)
        form.addRow("Notes:", self.notes)
        self._notes_timer = QTimer(self, singleShot=True, interval=NOTES_SAVE_MS)
        self._notes_timer.timeout.connect(self._send_notes)
        self.notes.textChanged.connect(self._notes_typed)

        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self.title)
        details_layout.addWidget(self.selection_label)
        details_layout.addLayout(form)
        details_layout.addStretch(1)
        self.empty = QLabel("Select an image to see its details.", alignment=Qt.AlignmentFlag.AlignCenter,
                            wordWrap=True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(details)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack)
        self.setMinimumWidth(260)

    def show_asset(self, asset: AssetInfo | None, selected_count: int = 1) -> None:
        """Show ``asset`` (None: nothing selected); ``selected_count`` says how many edits will apply to."""
        if self.asset is None or asset is None or asset.id != self.asset.id:
            self.flush_notes()
        previous = self.asset
        self.asset = asset
        self.selected_count = selected_count
        if asset is None:
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentIndex(1)
        self.title.setText(asset.original_name)
        self.selection_label.setText(f"{selected_count:,} selected: rating, flag, label and tags apply to all of "
                                     "them" if selected_count > 1 else "")
        self.selection_label.setVisible(selected_count > 1)
        self.facts["Dimensions"].setText(f"{asset.width} × {asset.height} px")
        self.facts["Size"].setText(human_bytes(asset.bytes))
        self.facts["Format"].setText(asset.format.upper())
        self.facts["Source"].set_full_text(asset.source)  # type: ignore[attr-defined]
        imported = local_time(asset.imported_at)
        self.facts["Imported"].setText(f"{imported} by {asset.imported_by}" if asset.imported_by else imported)
        who = [f"{what} by {name}" for what, name in (("Rated", asset.rated_by), ("flagged", asset.flagged_by),
                                                      ("notes", asset.notes_by)) if name]
        self.facts["By"].setText(" · ".join(who)[:1].upper() + " · ".join(who)[1:] if who else "—")
        self.facts["By"].setToolTip("Who last rated, flagged and wrote notes (the last change wins and shows here)")
        self.stars.set_rating(asset.rating)
        self.labels.set_label(asset.label)
        self._show_flag()
        self.tag_editor.set_tags(asset.tags)
        same = previous is not None and previous.id == asset.id
        if not same or (not self._notes_timer.isActive() and asset.notes != self.notes.toPlainText()):
            self.set_notes_text(asset.notes, asset.notes_version)
        elif same and asset.notes == self.notes.toPlainText():
            self.notes_base = asset.notes_version

    def set_notes_text(self, text: str, version: int) -> None:
        """Show stored notes (read at ``version``) without sending them back."""
        self.notes.blockSignals(True)
        self.notes.setPlainText(text)
        self.notes.blockSignals(False)
        self.notes_base = version

    def notes_saved(self, asset_id: int, version: int) -> None:
        """A save of this panel's notes was stored as ``version``: later edits start from it."""
        if self.asset is not None and self.asset.id == asset_id:
            self.notes_base = version

    def _flag_clicked(self, flag: Flag) -> None:
        """Ask for the flag; the buttons keep showing the stored one until the change comes back."""
        self.flag_clicked.emit(flag)
        self._show_flag()

    def _show_flag(self) -> None:
        for flag, button in self.flag_buttons.items():
            button.setChecked(self.asset is not None and flag is self.asset.flag)

    def flush_notes(self) -> None:
        """Send unsaved notes now (before the panel shows another asset)."""
        if self._notes_timer.isActive():
            self._notes_timer.stop()
            self._send_notes()

    def _send_notes(self) -> None:
        if self.asset is not None and self.notes.toPlainText() != self.asset.notes:
            self.notes_edited.emit(self.asset.id, self.notes.toPlainText(), self.notes_base)

    def _notes_typed(self) -> None:
        if self.asset is not None:
            self._notes_timer.start()
