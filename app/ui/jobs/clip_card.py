"""One clip's progress card: its two frames, status, QC badge, progress, working time, cost, a note (its error
or QC reasons), Cancel and Retry. Every card has one fixed size, so nothing a card shows moves the grid."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import ClipState, ClipStatus
from app.ui.jobs.format import STATUS_TEXT, STATUS_TONE, usd, working_time
from app.ui.jobs.qc_format import QC_MARK, QC_TONE, qc_details, qc_tooltip
from app.ui.theme import Tone
from app.ui.widgets.note_lines import NoteLines
from app.ui.widgets.tone_text import ToneText

THUMB_W, THUMB_H = 128, 72
CARD_WIDTH = 2 * THUMB_W + 56
CANCELABLE = (ClipStatus.PENDING, ClipStatus.SUBMITTING, ClipStatus.RUNNING, ClipStatus.DOWNLOADING)
RETRYABLE = (ClipStatus.FAILED, ClipStatus.CANCELED, ClipStatus.INTERRUPTED)
PROGRESS_STEPS = 1000
NOTE_LINES = 3  # room for an error or QC's reasons; the rest is in the note's tooltip and "Copy note"


class ProgressLine(QWidget):
    """A thin progress bar that schedules its repaint (``QProgressBar.setValue`` repaints at once, which costs
    milliseconds per call: too much for dozens of cards updating several times a second)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._value = 0
        self.setFixedHeight(6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def value(self) -> int:
        return self._value

    def maximum(self) -> int:
        return PROGRESS_STEPS

    def setValue(self, value: int) -> None:
        value = max(0, min(PROGRESS_STEPS, value))
        if value != self._value:
            self._value = value
            self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        palette = self.palette()
        rect = QRectF(self.rect())
        radius = rect.height() / 2
        painter.setBrush(palette.mid())
        painter.drawRoundedRect(rect, radius, radius)
        if self._value:
            painter.setBrush(palette.highlight())
            painter.drawRoundedRect(QRectF(rect.x(), rect.y(), rect.width() * self._value / PROGRESS_STEPS,
                                           rect.height()), radius, radius)
        painter.end()


class ClipCard(QFrame):
    """Shows a ``ClipState``; ``set_state`` repaints only what changed, ``tick`` refreshes the working time.

    The card's height is the same whatever it shows: a card growing for an error or QC's reasons moved every card
    after it, and the whole visible grid was painted again (10-14 ms, the largest part of the jobs page's
    stalls with 50 live cards)."""

    cancel_requested = Signal(int)  # clip id
    retry_requested = Signal(int)
    open_requested = Signal(int)  # play the finished clip

    def __init__(self, clip: ClipState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(CARD_WIDTH)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.state: ClipState | None = None
        self.first_frame = self._thumb_label("First frame")
        self.last_frame = self._thumb_label("Last frame")
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600")
        self.qc_badge = ToneText("✗")  # ✓ / ! / ✗: the clip's quality control, its reasons on hover
        # Painted at a fixed size: live updates repaint these and relay nothing out.
        self.status_label = ToneText("Downloading · attempt 10", Qt.AlignmentFlag.AlignRight)
        self.progress = ProgressLine()
        self.elapsed_label = ToneText("00:00:00")
        self.cost_label = ToneText("$9,999.99", Qt.AlignmentFlag.AlignRight)
        self.prompt_label = QLabel()
        self.prompt_label.setStyleSheet("color: palette(mid)")
        self.note = NoteLines(NOTE_LINES)  # the clip's error, or the reasons its QC warns or fails
        self.cancel_button = QPushButton("Cancel")
        self.retry_button = QPushButton("Retry…")
        self.open_button = QPushButton("Play")
        self.open_button.setToolTip("Play the clip")
        for button in (self.cancel_button, self.retry_button, self.open_button):
            button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self._request(self.cancel_requested, self.cancel_button))
        self.retry_button.clicked.connect(lambda: self._request(self.retry_requested, self.retry_button))
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.clip_id))
        self._layout()
        self._fit_height()
        self.set_state(clip)

    # ---- public ------------------------------------------------------------------------------------
    @property
    def clip_id(self) -> int:
        assert self.state is not None
        return self.state.id

    @property
    def is_running(self) -> bool:
        """Whether the working time is still growing (a live process drives the clip)."""
        return self.state is not None and self.state.status.is_in_flight and self.state.working_since is not None

    def set_state(self, clip: ClipState) -> None:
        """Show ``clip``; nothing is touched when it equals what is already shown."""
        previous, self.state = self.state, clip
        if previous == clip:
            return
        self.title.setText(f"Clip {clip.position}")
        self.title.setToolTip(f"Model: {clip.model_id}" + (f"\nPrediction: {clip.prediction_id}"
                                                          if clip.prediction_id else ""))
        status_text = STATUS_TEXT[clip.status]
        if clip.attempts > 1:
            status_text += f" · attempt {clip.attempts}"
        self.status_label.setText(status_text)
        self.status_label.set_tone(STATUS_TONE.get(clip.status), bold=clip.status in STATUS_TONE)
        done = 1.0 if clip.status is ClipStatus.SUCCEEDED else clip.progress
        self.progress.setValue(round(max(0.0, min(1.0, done)) * PROGRESS_STEPS))
        self.cost_label.setText(usd(clip.cost_usd))
        if previous is None or previous.prompt != clip.prompt:
            self.prompt_label.setText(self._elided(clip.prompt or "(no prompt)"))
            self.prompt_label.setToolTip(clip.prompt)
        if previous is None or previous.qc != clip.qc:
            self._show_qc(clip)
        self._show_note(clip)
        self.cancel_button.setVisible(clip.status in CANCELABLE)
        self.cancel_button.setEnabled(True)
        self.retry_button.setVisible(clip.status in RETRYABLE)
        self.retry_button.setEnabled(True)
        self.open_button.setVisible(clip.status is ClipStatus.SUCCEEDED and bool(clip.file_path))
        self.tick()

    def _show_qc(self, clip: ClipState) -> None:
        qc = clip.qc
        self.qc_badge.setVisible(qc is not None)
        if qc is None:
            self.qc_badge.setText("")
            self.qc_badge.setToolTip("")
            return
        self.qc_badge.setText(QC_MARK[qc.verdict])
        self.qc_badge.set_tone(QC_TONE[qc.verdict], bold=True)
        self.qc_badge.setToolTip(qc_tooltip(qc))
        self.qc_badge.setAccessibleName(qc_tooltip(qc).splitlines()[0])

    def _show_note(self, clip: ClipState) -> None:
        """The error (in the error's tone) above the reasons QC warns or fails (in the verdict's tone)."""
        qc = clip.qc
        reasons = qc_details(qc) if qc else ""
        self.note.setText("\n".join(text for text in (clip.error, reasons) if text))
        self.note.set_tone(Tone.ERROR if clip.error else QC_TONE[qc.verdict] if qc and reasons else None)

    def tick(self, now: datetime | None = None) -> None:
        """Refresh the working time (the page calls this every second for running cards)."""
        assert self.state is not None
        self.elapsed_label.setText(working_time(self.state, now))

    def set_frame(self, which: int, pixmap: QPixmap) -> None:
        """Show ``pixmap`` as the first (``which == 0``) or last frame."""
        label = self.first_frame if which == 0 else self.last_frame
        label.setPixmap(pixmap.scaled(THUMB_W, THUMB_H, Qt.AspectRatioMode.KeepAspectRatio,
                                      Qt.TransformationMode.SmoothTransformation))
        label.setText("")

    def frame_shown(self, which: int) -> bool:
        label = self.first_frame if which == 0 else self.last_frame
        return not label.pixmap().isNull()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """The card's buttons as a menu (Play, Retry…, Cancel), with Copy prompt."""
        menu = QMenu(self)
        for button, text in ((self.open_button, "Play"), (self.retry_button, "Retry…"),
                             (self.cancel_button, "Cancel clip")):
            if not button.isHidden():
                action = menu.addAction(text, button.click)
                action.setEnabled(button.isEnabled())
        if menu.actions():
            menu.addSeparator()
        copy = menu.addAction("Copy prompt", lambda: QGuiApplication.clipboard().setText(
            self.state.prompt if self.state else ""))
        copy.setEnabled(bool(self.state and self.state.prompt))
        if self.note.text():
            menu.addAction("Copy note", lambda: QGuiApplication.clipboard().setText(self.note.text()))
        menu.aboutToHide.connect(menu.deleteLater)
        self.context_menu = menu
        menu.popup(event.globalPos())

    # ---- helpers -----------------------------------------------------------------------------------
    def _request(self, signal: Signal, button: QPushButton) -> None:
        button.setEnabled(False)  # one click per request; the next state (or ``allow_requests``) re-enables it
        signal.emit(self.clip_id)

    def allow_requests(self) -> None:
        """Re-enable Cancel and Retry (a request was refused or its dialog closed)."""
        self.cancel_button.setEnabled(True)
        self.retry_button.setEnabled(True)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._fit_height()

    def _fit_height(self) -> None:
        """Fix the card's height to what its rows need; every row keeps its room whatever it shows."""
        self.setFixedHeight(self.layout().totalSizeHint().height())

    def _elided(self, text: str) -> str:
        metrics = self.prompt_label.fontMetrics()
        return metrics.elidedText(" ".join(text.split()), Qt.TextElideMode.ElideRight, CARD_WIDTH - 24)

    @staticmethod
    def _thumb_label(placeholder: str) -> QLabel:
        label = QLabel(placeholder)
        label.setFixedSize(THUMB_W, THUMB_H)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setStyleSheet("background: palette(dark); color: palette(light); font-size: 10px")
        return label

    def _layout(self) -> None:
        frames = QHBoxLayout()
        frames.setSpacing(4)
        frames.addWidget(self.first_frame)
        arrow = QLabel("→")
        arrow.setAlignment(Qt.AlignmentFlag.AlignCenter)
        frames.addWidget(arrow)
        frames.addWidget(self.last_frame)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.status_label)  # right-aligned in its fixed width: the QC mark follows its text
        header.addWidget(self.qc_badge)
        numbers = QHBoxLayout()
        numbers.addWidget(self.elapsed_label)
        numbers.addStretch(1)
        numbers.addWidget(self.cost_label)
        button_row = QWidget()  # keeps its height with every button hidden
        button_row.setFixedHeight(max(b.sizeHint().height() for b in (self.open_button, self.cancel_button)))
        buttons = QHBoxLayout(button_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addStretch(1)
        for button in (self.open_button, self.retry_button, self.cancel_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(4)
        layout.addLayout(frames)
        layout.addLayout(header)
        layout.addWidget(self.progress)
        layout.addLayout(numbers)
        layout.addWidget(self.prompt_label)
        layout.addWidget(self.note)
        layout.addWidget(button_row)
