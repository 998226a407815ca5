"""One clip's progress card: its two frames, status, QC badge, progress, working time, cost, error, QC reasons,
Cancel and Retry."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QRectF, Qt, Signal
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
from app.ui.theme import Tone, set_tone
from app.ui.widgets.tone_text import ToneText

THUMB_W, THUMB_H = 128, 72
CARD_WIDTH = 2 * THUMB_W + 56
CANCELABLE = (ClipStatus.PENDING, ClipStatus.SUBMITTING, ClipStatus.RUNNING, ClipStatus.DOWNLOADING)
RETRYABLE = (ClipStatus.FAILED, ClipStatus.CANCELED, ClipStatus.INTERRUPTED)
PROGRESS_STEPS = 1000


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
    """Shows a ``ClipState``; ``set_state`` repaints only what changed, ``tick`` refreshes the working time."""

    cancel_requested = Signal(int)  # clip id
    retry_requested = Signal(int)
    open_requested = Signal(int)  # play the finished clip

    def __init__(self, clip: ClipState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setFixedWidth(CARD_WIDTH)
        self._height_for: tuple[object, ...] | None = None  # what the card's fixed height was measured for
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.state: ClipState | None = None
        self.first_frame = self._thumb_label("First frame")
        self.last_frame = self._thumb_label("Last frame")
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600")
        self.qc_badge = ToneText("✗")  # ✓ / ! / ✗: the clip's quality control, its reasons on hover
        self.qc_details = QLabel()  # the reasons that warn or fail
        self.qc_details.setWordWrap(True)
        self.qc_details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Painted at a fixed size: live updates repaint these and relay nothing out.
        self.status_label = ToneText("Downloading · attempt 10", Qt.AlignmentFlag.AlignRight)
        self.progress = ProgressLine()
        self.elapsed_label = ToneText("00:00:00")
        self.cost_label = ToneText("$9,999.99", Qt.AlignmentFlag.AlignRight)
        self.prompt_label = QLabel()
        self.prompt_label.setStyleSheet("color: palette(mid)")
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, Tone.ERROR)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.error_label.setText(clip.error)
        self.error_label.setVisible(bool(clip.error))
        if previous is None or previous.qc != clip.qc:
            self._show_qc(clip)
        self.cancel_button.setVisible(clip.status in CANCELABLE)
        self.cancel_button.setEnabled(True)
        self.retry_button.setVisible(clip.status in RETRYABLE)
        self.retry_button.setEnabled(True)
        self.open_button.setVisible(clip.status is ClipStatus.SUCCEEDED and bool(clip.file_path))
        self.tick()
        self._fit_height()

    def _show_qc(self, clip: ClipState) -> None:
        qc = clip.qc
        self.qc_badge.setVisible(qc is not None)
        self.qc_details.setVisible(bool(qc and qc_details(qc)))
        if qc is None:
            self.qc_badge.setText("")
            self.qc_badge.setToolTip("")
            self.qc_details.setText("")
            return
        self.qc_badge.setText(QC_MARK[qc.verdict])
        self.qc_badge.set_tone(QC_TONE[qc.verdict], bold=True)
        self.qc_badge.setToolTip(qc_tooltip(qc))
        self.qc_badge.setAccessibleName(qc_tooltip(qc).splitlines()[0])
        self.qc_details.setText(qc_details(qc))
        set_tone(self.qc_details, QC_TONE[qc.verdict])

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

    def _fit_height(self) -> None:
        """Fix the card's height to what its content needs, measured again only when the wrapped texts or the
        buttons shown change: a card of fixed size keeps its own relayouts from reaching the grid of cards."""
        shown = (self.error_label.text(), self.qc_details.text(),
                 *(not w.isHidden() for w in (self.error_label, self.qc_details, self.qc_badge, self.open_button,
                                              self.retry_button, self.cancel_button)))
        if shown == self._height_for:
            return
        self._height_for = shown
        layout = self.layout()
        height = (layout.totalHeightForWidth(CARD_WIDTH) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())
        self.setFixedHeight(height)

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
        buttons = QHBoxLayout()
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
        layout.addWidget(self.error_label)
        layout.addWidget(self.qc_details)
        layout.addLayout(buttons)
