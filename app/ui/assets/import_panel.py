"""The import strip under the grid: progress with Cancel while it runs, then a summary with every outcome.

Names and reasons come from outside (file names, addresses, server answers): they are shown with control
characters escaped (``printable``) so a name holding a newline cannot break or forge a line.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import ImportOutcome, ImportProgress, ImportReport, ImportResult
from app.core.printable import printable

_RESULT_TEXT = {ImportResult.IMPORTED: "Imported", ImportResult.DUPLICATE: "Duplicate",
                ImportResult.LINKED: "Linked", ImportResult.REJECTED: "Rejected"}
_DETAIL_ORDER = (ImportResult.REJECTED, ImportResult.DUPLICATE, ImportResult.LINKED, ImportResult.IMPORTED)


def summary_text(report: ImportReport) -> str:
    """``3 imported · 1 duplicate · 2 rejected``, with a note when cancelled."""
    parts = [f"{report.count(ImportResult.IMPORTED)} imported"]
    for result, singular, plural in ((ImportResult.DUPLICATE, "duplicate", "duplicates"),
                                     (ImportResult.LINKED, "linked from the client's library",
                                      "linked from the client's library"),
                                     (ImportResult.REJECTED, "rejected", "rejected")):
        if count := report.count(result):
            parts.append(f"{count} {singular if count == 1 else plural}")
    text = " · ".join(parts)
    return f"Import cancelled: {text}" if report.canceled else f"Import finished: {text}"


class ImportPanel(QFrame):
    """Hidden until an import starts. ``progress`` may be emitted from any thread."""

    progress = Signal(object)  # ImportProgress
    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.current = QLabel()
        self.current.setTextFormat(Qt.TextFormat.PlainText)
        self.current.setMinimumWidth(50)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.details_button = QToolButton(text="Details", checkable=True)
        self.details_button.toggled.connect(lambda on: self.details.setVisible(on))
        self.dismiss_button = QPushButton("Dismiss")
        self.dismiss_button.clicked.connect(self.hide)
        self.details = QTreeWidget()
        self.details.setHeaderLabels(["Outcome", "Source", "Reason"])
        self.details.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # a long path keeps its start and file name
        self.details.header().setStretchLastSection(False)
        self.details.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.details.setRootIsDecorated(False)
        self.details.setUniformRowHeights(True)
        self.details.setMaximumHeight(180)
        self.details.hide()

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.bar, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(self.details_button)
        top.addWidget(self.dismiss_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(top)
        layout.addWidget(self.current)
        layout.addWidget(self.details)
        self.progress.connect(self._show_progress)
        self.hide()

    def start(self, campaign_name: str, queued: int = 0) -> None:
        """Show the progress of a new import into ``campaign_name``."""
        self.title.setText(f"Importing into {printable(campaign_name)}…")
        self.bar.setRange(0, 0)  # busy until the total is known
        self.bar.show()
        self.current.setText(f"{queued} more waiting" if queued else "Looking at what was given…")
        self.current.show()
        self.details.hide()
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.details_button.hide()
        self.details_button.setChecked(False)
        self.dismiss_button.hide()
        self.show()

    def show_report(self, report: ImportReport) -> None:
        """Replace the progress with the summary; the details list every outcome, rejections first."""
        self.title.setText(summary_text(report))
        self.bar.hide()
        self.cancel_button.hide()
        self.current.setText("")
        self.current.hide()
        self._fill_details(report.outcomes)
        self.details_button.setVisible(bool(report.outcomes))
        self.details_button.setChecked(report.count(ImportResult.REJECTED) > 0)
        self.dismiss_button.show()
        self.show()

    def show_error(self, message: str) -> None:
        self.title.setText(f"Import failed: {printable(message)}")
        self.bar.hide()
        self.cancel_button.hide()
        self.current.hide()
        self.details_button.hide()
        self.dismiss_button.show()
        self.show()

    def outcome_rows(self) -> list[tuple[str, str, str]]:
        """What the details list shows, as (outcome, source, reason) texts."""
        return [tuple(self.details.topLevelItem(i).text(c) for c in range(3))  # type: ignore[misc]
                for i in range(self.details.topLevelItemCount())]

    def _fill_details(self, outcomes: Sequence[ImportOutcome]) -> None:
        self.details.clear()
        ordered = sorted(outcomes, key=lambda o: _DETAIL_ORDER.index(o.result))
        items = []
        for outcome in ordered:
            source, reason = printable(outcome.source), printable(outcome.reason)
            item = QTreeWidgetItem([_RESULT_TEXT[outcome.result], source, reason])
            item.setToolTip(1, _plain_tooltip(source))
            item.setToolTip(2, _plain_tooltip(reason))
            items.append(item)
        self.details.addTopLevelItems(items)
        self.details.resizeColumnToContents(0)
        self.details.resizeColumnToContents(2)
        self.details.setColumnWidth(2, min(self.details.columnWidth(2), 360))

    def _show_progress(self, progress: ImportProgress) -> None:
        if progress.total:
            self.bar.setRange(0, progress.total)
            self.bar.setValue(progress.done)
            self.bar.setFormat(f"{progress.done} / {progress.total}")
        self.current.show()
        if progress.current:
            self.current.setText(printable(progress.current))

    def _cancel(self) -> None:
        self.cancel_button.setEnabled(False)
        self.current.setText("Cancelling…")
        self.cancel_requested.emit()


def _plain_tooltip(text: str) -> str:
    """A tooltip that shows ``text`` literally (a name such as ``<b>a</b>.jpg`` is not rendered as markup)."""
    return f"<qt>{html.escape(text)}</qt>" if text else ""
