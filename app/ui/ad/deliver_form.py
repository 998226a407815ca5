"""The deliverables options of the Ad page: joins (one per join if wanted), formats, end card, supers, captions,
logo bug, loudness and the length target. With the combine options' shared fields it makes a ``DeliverOptions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.media.brand_kit import BrandKit
from app.core.media.captions import Cue
from app.core.media.combine import CombineOptions
from app.core.media.deliver_options import MAX_END_CARD_S, DeliverError, DeliverOptions
from app.core.media.end_card import DEFAULT_SECONDS
from app.core.media.formats import ASPECTS, length_warning
from app.core.media.logo_bug import CORNERS
from app.core.media.supers import choose_cues
from app.core.media.timeline import Timeline, build_timeline
from app.core.media.transitions import TRANSITION_CHOICES, TransitionError, plan_joins

AS_ABOVE = "as above"
LOUDNESS = (("-14 LUFS (online video)", "-14"), ("-23 LUFS (EBU R128 broadcast)", "-23"),
            ("-24 LUFS (ATSC A/85 broadcast)", "-24"), ("Off", "off"))
LENGTHS = (("Free", "free"), ("6 s bumper", "6"), ("15 s spot", "15"), ("30 s spot", "30"))
SUPERS = (("Key messages, one per clip", "auto"), ("None", "none"), ("As edited in the table", "table"))


def _combo(items: Sequence[tuple[str, Any]]) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    return combo


class DeliverablesForm(QGroupBox):
    """Edits what ``DeliverOptions`` adds to the combine options; ``options(base)`` builds the whole."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Deliverables", parent)
        self.joins = QTableWidget(0, 1)
        self.joins.setHorizontalHeaderLabels(["Transition"])
        self.joins.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.joins.setToolTip("A transition per join; “as above” uses the combine options' transition")
        self.joins.setMaximumHeight(110)
        self.format_boxes = {aspect: QCheckBox(aspect) for aspect in ASPECTS}
        self.end_card = QCheckBox("End card")
        self.end_card_seconds = QDoubleSpinBox()
        self.end_card_seconds.setRange(0.5, MAX_END_CARD_S)
        self.end_card_seconds.setSingleStep(0.5)
        self.end_card_seconds.setSuffix(" s")
        self.end_card_seconds.setValue(DEFAULT_SECONDS)
        self.cta = QLineEdit()
        self.cta.setPlaceholderText("The client's call to action")
        self.supers_mode = _combo(SUPERS)
        self.supers = QTableWidget(0, 3)
        self.supers.setHorizontalHeaderLabels(["Start (s)", "End (s)", "Text"])
        self.supers.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.supers.setMaximumHeight(130)
        self.fill_supers = QPushButton("From key messages")
        self.fill_supers.setToolTip("Fill the table with the campaign's key messages, one per clip, to edit them")
        self.add_super = QPushButton("Add super")
        self.remove_super = QPushButton("Remove")
        self.captions = QCheckBox("Draw the supers as captions")
        self.logo_bug = QCheckBox("Logo bug")
        self.logo_corner = _combo([(c.replace("-", " ").capitalize(), c) for c in CORNERS])
        self.logo_opacity = QSpinBox()
        self.logo_opacity.setRange(5, 100)
        self.logo_opacity.setSuffix(" %")
        self.logo_opacity.setValue(80)
        self.loudness = _combo(LOUDNESS)
        self.length = _combo(LENGTHS)
        self.length_warning = QLabel()
        self.length_warning.setWordWrap(True)
        self._durations: list[float] = []
        self._messages: tuple[str, ...] = ()
        self._transition = "cut"
        self._join_s = 0.5

        formats = QHBoxLayout()
        for box in self.format_boxes.values():
            formats.addWidget(box)
        formats.addStretch(1)
        card = QHBoxLayout()
        card.addWidget(self.end_card)
        card.addWidget(self.end_card_seconds)
        card.addWidget(self.cta, 1)
        bug = QHBoxLayout()
        bug.addWidget(self.logo_bug)
        bug.addWidget(self.logo_corner)
        bug.addWidget(self.logo_opacity)
        bug.addStretch(1)
        super_buttons = QHBoxLayout()
        super_buttons.addWidget(self.supers_mode, 1)
        super_buttons.addWidget(self.fill_supers)
        super_buttons.addWidget(self.add_super)
        super_buttons.addWidget(self.remove_super)
        supers = QVBoxLayout()
        supers.addLayout(super_buttons)
        supers.addWidget(self.supers)
        supers.addWidget(self.captions)
        form = QFormLayout(self)
        form.addRow("Joins", self.joins)
        form.addRow("Formats", formats)
        form.addRow("Ending", card)
        form.addRow("Supers", supers)
        form.addRow("Logo", bug)
        form.addRow("Loudness", self.loudness)
        form.addRow("Length", self.length)
        form.addRow("", self.length_warning)

        self.fill_supers.clicked.connect(self.fill_from_key_messages)
        self.add_super.clicked.connect(lambda: self.add_cue(Cue(0.0, 1.0, "")))
        self.remove_super.clicked.connect(self._remove_cue)
        for combo in (self.supers_mode, self.logo_corner, self.loudness, self.length):
            combo.currentIndexChanged.connect(self._edited)
        for box in (self.end_card, self.captions, self.logo_bug, *self.format_boxes.values()):
            box.toggled.connect(self._edited)
        self.end_card_seconds.valueChanged.connect(self._edited)
        self.logo_opacity.valueChanged.connect(self._edited)
        self.supers.itemChanged.connect(self._supers_edited)
        self.set_key_messages(())
        self._edited()

    # ---- inputs from the page ------------------------------------------------------------------------------
    def set_clips(self, durations: Sequence[float]) -> None:
        """The shown job's clips (their lengths, in order): one join row per pair; the length warning follows."""
        self._durations = [float(d) for d in durations]
        wanted = max(0, len(self._durations) - 1)
        kept = [self._join_name(row) for row in range(min(wanted, self.joins.rowCount()))]
        self.joins.setRowCount(wanted)
        for row in range(wanted):
            combo = _combo([(AS_ABOVE, AS_ABOVE), *((name, name) for name in TRANSITION_CHOICES)])
            if row < len(kept):
                combo.setCurrentIndex(combo.findData(kept[row]))
            combo.currentIndexChanged.connect(self._edited)
            self.joins.setCellWidget(row, 0, combo)
            self.joins.setVerticalHeaderItem(row, QTableWidgetItem(f"{row + 1}→{row + 2}"))
        self._edited()

    def set_base(self, base: CombineOptions) -> None:
        """The combine options' transition and join length (for the length estimate)."""
        self._transition, self._join_s = base.transition.value, base.crossfade_s
        self._update_length_warning()

    def set_key_messages(self, messages: Sequence[str]) -> None:
        """The campaign's key messages (what ``auto`` supers and “From key messages” show)."""
        self._messages = tuple(messages)
        self.fill_supers.setEnabled(bool(self._messages))

    def fill_from_key_messages(self) -> None:
        """The key messages one per clip, timed as ``auto`` would time them, in the table for editing."""
        timeline = self._timeline()
        if timeline is not None:
            self.set_cues(choose_cues("auto", BrandKit(key_messages=self._messages), timeline))

    def set_cues(self, cues: Sequence[Cue]) -> None:
        """Fill the supers table (e.g. with the key messages' automatic timing) for editing."""
        self.supers.blockSignals(True)
        self.supers.setRowCount(0)
        self.supers.blockSignals(False)
        for cue in cues:
            self.add_cue(cue)

    def add_cue(self, cue: Cue) -> None:
        self.supers.blockSignals(True)
        row = self.supers.rowCount()
        self.supers.insertRow(row)
        for column, value in enumerate((f"{cue.start_s:.2f}", f"{cue.end_s:.2f}", cue.text)):
            self.supers.setItem(row, column, QTableWidgetItem(value))
        self.supers.blockSignals(False)
        self._supers_edited()

    # ---- remembered between runs ----------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The choices that do not depend on the job, as a JSON-ready document."""
        return {"formats": list(self.formats()), "end_card": self.end_card.isChecked(),
                "end_card_seconds": self.end_card_seconds.value(), "cta": self.cta.text(),
                "supers": self.supers_mode.currentData() if self.supers_mode.currentData() != "table" else "auto",
                "captions": self.captions.isChecked(), "logo_bug": self.logo_bug.isChecked(),
                "logo_corner": self.logo_corner.currentData(), "logo_opacity": self.logo_opacity.value(),
                "loudness": self.loudness.currentData(), "length": self.length.currentData()}

    def restore(self, state: dict[str, Any]) -> None:
        """Take the choices of ``state()`` (what cannot be read is left as it is)."""
        formats = state.get("formats")
        if isinstance(formats, list):
            for aspect, box in self.format_boxes.items():
                box.setChecked(aspect in formats)
        for box, key in ((self.end_card, "end_card"), (self.captions, "captions"), (self.logo_bug, "logo_bug")):
            if isinstance(state.get(key), bool):
                box.setChecked(state[key])
        for spin, key in ((self.end_card_seconds, "end_card_seconds"), (self.logo_opacity, "logo_opacity")):
            if isinstance(state.get(key), int | float):
                spin.setValue(state[key])
        if isinstance(state.get("cta"), str):
            self.cta.setText(state["cta"])
        for combo, key in ((self.supers_mode, "supers"), (self.logo_corner, "logo_corner"),
                           (self.loudness, "loudness"), (self.length, "length")):
            if (index := combo.findData(state.get(key))) >= 0:
                combo.setCurrentIndex(index)

    # ---- what the form says ---------------------------------------------------------------------------------
    def transitions(self, base: CombineOptions) -> tuple[str, ...]:
        """One name for all joins, or one per join when any join differs from the combine options'."""
        names = [self._join_name(row) for row in range(self.joins.rowCount())]
        if all(name == AS_ABOVE for name in names):
            return (base.transition.value,)
        return tuple(base.transition.value if name == AS_ABOVE else name for name in names)

    def formats(self) -> tuple[str, ...]:
        return tuple(aspect for aspect, box in self.format_boxes.items() if box.isChecked())

    def cues(self) -> tuple[Cue, ...]:
        """The supers table's rows (raises ``DeliverError`` naming a row that does not read)."""
        cues = []
        for row in range(self.supers.rowCount()):
            texts = [(self.supers.item(row, c).text() if self.supers.item(row, c) else "").strip() for c in range(3)]
            if not texts[2]:
                continue
            try:
                start, end = float(texts[0]), float(texts[1])
            except ValueError:
                raise DeliverError(f"super {row + 1}: its start and end are seconds, like 1.5") from None
            if not 0 <= start < end:
                raise DeliverError(f"super {row + 1} must end after it starts")
            cues.append(Cue(start, end, texts[2]))
        return tuple(cues)

    def options(self, base: CombineOptions, *, skip_failed: bool, draft: bool = False) -> DeliverOptions:
        """The ``DeliverOptions`` of the combine options ``base`` and this form (``DeliverError`` if wrong)."""
        mode = self.supers_mode.currentData()
        return DeliverOptions(
            transition=self.transitions(base), transition_s=base.crossfade_s, aspect=base.aspect, fit=base.fit,
            formats=self.formats(), end_card=self.end_card.isChecked(),
            end_card_seconds=self.end_card_seconds.value(), cta=self.cta.text().strip() or None,
            supers=self.cues() if mode == "table" else mode, captions=self.captions.isChecked(),
            logo_bug=self.logo_bug.isChecked(), logo_bug_corner=self.logo_corner.currentData(),
            logo_bug_opacity=self.logo_opacity.value() / 100, music=base.music_path,
            music_volume=base.music_volume, clip_audio=base.clip_audio, loudness=self.loudness.currentData(),
            length=self.length.currentData(), draft=draft, skip_failed=skip_failed, height=base.height,
            fps=base.fps)

    def estimated_length_s(self) -> float | None:
        """How long the ad will last with these joins and end card (None without clips or with joins that
        do not fit)."""
        timeline = self._timeline()
        return timeline.total_s if timeline is not None else None

    def _timeline(self) -> Timeline | None:
        if not self._durations:
            return None
        base_names = [self._transition if n == AS_ABOVE else n
                      for n in (self._join_name(r) for r in range(self.joins.rowCount()))] or [self._transition]
        try:
            joins = plan_joins(base_names, len(self._durations), self._join_s)
        except TransitionError:
            return None
        card = self.end_card_seconds.value() if self.end_card.isChecked() else 0.0
        return build_timeline(self._durations, joins, card)

    # ---- internals ------------------------------------------------------------------------------------------
    def _join_name(self, row: int) -> str:
        combo = self.joins.cellWidget(row, 0)
        return combo.currentData() if isinstance(combo, QComboBox) else AS_ABOVE

    def _remove_cue(self) -> None:
        if (row := self.supers.currentRow()) >= 0:
            self.supers.removeRow(row)
            self._supers_edited()

    def _supers_edited(self, *_args: object) -> None:
        if self.supers.rowCount() and self.supers_mode.currentData() != "table":
            self.supers_mode.setCurrentIndex(self.supers_mode.findData("table"))
        self._edited()

    def _edited(self, *_args: object) -> None:
        self.end_card_seconds.setEnabled(self.end_card.isChecked())
        self.cta.setEnabled(self.end_card.isChecked())
        self.logo_corner.setEnabled(self.logo_bug.isChecked())
        self.logo_opacity.setEnabled(self.logo_bug.isChecked())
        self.supers.setEnabled(self.supers_mode.currentData() == "table")
        self._update_length_warning()
        self.changed.emit()

    def _update_length_warning(self) -> None:
        total = self.estimated_length_s()
        warning = length_warning(self.length.currentData(), total) if total is not None else None
        self.length_warning.setText(f"Warning: {warning}" if warning else "")
        self.length_warning.setVisible(bool(warning))
