"""The thumbnail grid: a QListView in icon mode that takes dropped files, folders and URLs.

The curation keys (0–5, P/X/U, 6–9, Space, Delete) are the page's actions on this view, so they appear in its
context menu and in Help › Keyboard shortcuts; letters do not type-to-find here.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QRect, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from app.ui.assets.asset_delegate import AssetDelegate

EMPTY_CAMPAIGN_TEXT = "Drop images here — or use Import"
NO_MATCH_TEXT = "No image matches the filter"


def sources_from_mime(mime: QMimeData) -> list[str]:
    """Local paths and http(s) URLs carried by a drag (file URLs first, then URL lines of plain text)."""
    sources: list[str] = []
    for url in mime.urls() if mime.hasUrls() else ():
        if url.isLocalFile():
            sources.append(url.toLocalFile())
        elif url.scheme().lower() in ("http", "https") and url.host():
            sources.append(url.toString())
    if not sources and mime.hasText():
        for line in mime.text().splitlines():
            url = QUrl(line.strip())
            if url.scheme().lower() in ("http", "https") and url.host():
                sources.append(url.toString())
    return list(dict.fromkeys(sources))


class AssetGrid(QListView):
    """Emits what the user asks for; the page does it (through the services) and updates the model."""

    sources_dropped = Signal(list)  # local paths and URLs
    preview_requested = Signal()

    def __init__(self, delegate: AssetDelegate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.asset_delegate = delegate
        self.placeholder = EMPTY_CAMPAIGN_TEXT
        self._drag_over = False
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # after the view mode, which resets it
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setSpacing(4)
        self.setWrapping(True)
        self.setWordWrap(False)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setDragEnabled(False)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setItemDelegate(delegate)
        self.set_icon_px(delegate.icon_px)

    def set_icon_px(self, px: int) -> None:
        """Show thumbnails ``px`` pixels wide (the zoom)."""
        self.asset_delegate.set_icon_px(px)
        cell = self.asset_delegate.cell_size()
        self.setIconSize(QSize(px, px))
        self.setGridSize(cell + QSize(self.spacing() * 2, self.spacing() * 2))
        self.verticalScrollBar().setSingleStep(max(8, cell.height() // 4))
        self.scheduleDelayedItemsLayout()
        self.viewport().update()

    def set_placeholder(self, text: str) -> None:
        """What the view says when it has no rows."""
        self.placeholder = text
        self.viewport().update()

    # ---- drops ----------------------------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if sources_from_mime(event.mimeData()):
            event.acceptProposedAction()
            self._set_drag_over(True)
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if sources_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:
        self._set_drag_over(False)
        event.accept()

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_drag_over(False)
        sources = sources_from_mime(event.mimeData())
        if not sources:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.sources_dropped.emit(sources)

    def _set_drag_over(self, value: bool) -> None:
        if value != self._drag_over:
            self._drag_over = value
            self.viewport().update()

    # ---- keys and mouse ------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """A key of one of the view's actions that reached the view itself (no shortcut took it: the view was
        not the focus widget) still runs that action."""
        pressed = QKeySequence(event.keyCombination().key() | (event.modifiers()
                                                               & ~Qt.KeyboardModifier.KeypadModifier))
        for action in self.actions():
            if action.isEnabled() and any(s.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                                          for s in action.shortcuts()):
                action.trigger()
                return
        super().keyPressEvent(event)

    def keyboardSearch(self, search: str) -> None:
        """Letters are curation keys here, not type-to-find."""

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid() and event.button() == Qt.MouseButton.LeftButton:
            self.setCurrentIndex(index)
            self.preview_requested.emit()
            return
        super().mouseDoubleClickEvent(event)

    # ---- painting -------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        model = self.model()
        empty = model is None or model.rowCount() == 0
        if not empty and not self._drag_over:
            return
        painter = QPainter(self.viewport())
        palette = self.palette()
        area = self.viewport().rect().adjusted(12, 12, -12, -12)
        if self._drag_over or self.placeholder == EMPTY_CAMPAIGN_TEXT:
            color = palette.color(QPalette.ColorRole.Highlight if self._drag_over else QPalette.ColorRole.Mid)
            painter.setPen(QPen(color, 2, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(area, 12, 12)
        if empty:
            font = painter.font()
            font.setPointSizeF(font.pointSizeF() * 1.4)
            painter.setFont(font)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(QRect(area), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        painter.end()
