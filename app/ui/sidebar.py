"""The library sidebar: clients with their campaigns as a tree, and the actions on them.

The model only holds plain ``ClientInfo``/``CampaignInfo`` values; every change goes through ``LibraryService``
on the bridge. The tree reloads (keeping the selection) whenever the change feed says clients or campaigns changed,
here, in another window or in another process.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QColor, QFont, QIcon, QKeySequence, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QTreeView, QVBoxLayout, QWidget

from app.core.changes import Changes
from app.core.domain import CampaignInfo, CampaignStatus, ClientInfo
from app.core.library.service import DeletionImpact, LibraryService
from app.ui.bridge import TaskBridge, describe_error
from app.ui.campaign_editor import STATUS_LABELS, CampaignEditorDialog
from app.ui.change_feed import ChangeFeed
from app.ui.client_editor import NewClientDialog
from app.ui.widgets.forms import format_budget
from app.ui.widgets.messages import confirm, inform

Index = QModelIndex | QPersistentModelIndex
Item = ClientInfo | CampaignInfo


@dataclass(frozen=True, slots=True)
class Selection:
    """What is selected in the tree: ``kind`` is "client" or "campaign"."""

    kind: str
    id: int


def selection_of(item: Item | None) -> Selection | None:
    if item is None:
        return None
    return Selection("campaign" if isinstance(item, CampaignInfo) else "client", item.id)


def brand_icon(colors: tuple[str, ...], border: QColor, size: int = 16) -> QIcon:
    """Up to four brand colours as vertical stripes in a small square (an empty frame without colours)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    shown = colors[:4]
    for i, color in enumerate(shown):
        width = (size - 2) / len(shown)
        painter.fillRect(int(1 + i * width), 1, int(width + 0.999), size - 2, QColor(color))
    painter.setPen(border)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return QIcon(pixmap)


def describe_deletion(item: Item, impact: DeletionImpact) -> tuple[str, str]:
    """The question and the detail of a delete confirmation: what goes with the item."""
    def count(n: int, noun: str) -> str:
        return f"{n} {noun}{'s' * (n != 1)}"
    if isinstance(item, ClientInfo):
        parts = [count(impact.campaigns, "campaign"), count(impact.assets, "image") + " in its library",
                 count(impact.jobs, "generation job")]
        parts = [p for p, n in zip(parts, (impact.campaigns, impact.assets, impact.jobs), strict=True) if n]
        detail = ("This also deletes its " + _join(parts) + "." if parts else "It has no campaigns or images.")
        return f"Delete the client “{item.name}”?", detail + " This cannot be undone."
    detail = f"Its {count(impact.jobs, 'generation job')} and their clips are deleted too. " if impact.jobs else ""
    if impact.assets:
        detail += f"Its {count(impact.assets, 'image')} stay in {item.client_name or 'the client'}'s library. "
    return f"Delete the campaign “{item.name}”?", detail + "This cannot be undone."


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


class LibraryTreeModel(QAbstractItemModel):
    """Clients at the top level, their campaigns below; renaming asks the owner through ``rename_requested``."""

    ItemRole = Qt.ItemDataRole.UserRole + 1
    rename_requested = Signal(object, str)  # the ClientInfo or CampaignInfo, the new name
    rename_refused = Signal(str)  # why a rename was not asked for

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._clients: list[ClientInfo] = []
        self._campaigns: list[list[CampaignInfo]] = []

    def set_library(self, clients: list[ClientInfo], campaigns: list[CampaignInfo]) -> None:
        """Replace everything: ``campaigns`` are grouped under their clients, in the order given."""
        by_client: dict[int, list[CampaignInfo]] = {c.id: [] for c in clients}
        for campaign in campaigns:
            if campaign.client_id in by_client:
                by_client[campaign.client_id].append(campaign)
        self.beginResetModel()
        self._clients = list(clients)
        self._campaigns = [by_client[c.id] for c in clients]
        self.endResetModel()

    def clients(self) -> list[ClientInfo]:
        return list(self._clients)

    def is_empty(self) -> bool:
        return not self._clients

    def item(self, index: Index) -> Item | None:
        if not index.isValid():
            return None
        parent_row = index.internalId()
        if parent_row == 0:
            return self._clients[index.row()] if index.row() < len(self._clients) else None
        campaigns = self._campaigns[parent_row - 1]
        return campaigns[index.row()] if index.row() < len(campaigns) else None

    def index_of(self, selection: Selection | None) -> QModelIndex:
        """The index of a client or campaign by id (invalid when it is not in the tree)."""
        if selection is None:
            return QModelIndex()
        for row, client in enumerate(self._clients):
            if selection.kind == "client" and client.id == selection.id:
                return self.index(row, 0)
            if selection.kind == "campaign":
                for child_row, campaign in enumerate(self._campaigns[row]):
                    if campaign.id == selection.id:
                        return self.index(child_row, 0, self.index(row, 0))
        return QModelIndex()

    # ---- QAbstractItemModel -----------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, 0) if row < len(self._clients) else QModelIndex()
        if parent.internalId() != 0 or parent.row() >= len(self._clients):
            return QModelIndex()
        if row >= len(self._campaigns[parent.row()]):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self._clients)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._campaigns[parent.row()])

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        item = self.item(index)
        if item is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return item.name
        if role == self.ItemRole:
            return item
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(item)
        if isinstance(item, ClientInfo):
            if role == Qt.ItemDataRole.DecorationRole:
                return brand_icon(item.brand_colors, QApplication.palette().color(QPalette.ColorRole.Mid))
            if role == Qt.ItemDataRole.FontRole:
                font = QFont(QApplication.font())
                font.setBold(True)
                return font
        elif role == Qt.ItemDataRole.ForegroundRole and item.status is CampaignStatus.ARCHIVED:
            return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """A rename is only a request: the tree shows the new name once the service has saved it."""
        item = self.item(index)
        name = str(value or "").strip()
        if role != Qt.ItemDataRole.EditRole or item is None or name == item.name:
            return False
        if not name:
            noun = "campaign" if isinstance(item, CampaignInfo) else "client"
            self.rename_refused.emit(f"The {noun} keeps its name “{item.name}”: a name cannot be empty.")
            return False
        self.rename_requested.emit(item, name)
        return False


def _tooltip(item: Item) -> str:
    if isinstance(item, ClientInfo):
        count = item.campaign_count
        lines = [item.name, f"{count} campaign{'s' * (count != 1)}"]
        if item.homepage:
            lines.append(item.homepage)
        return "\n".join(lines)
    budget = f"${format_budget(item.budget_usd)}" if item.budget_usd is not None else "no budget limit"
    return f"{item.name}\n{STATUS_LABELS[item.status]} · {budget}"


class Sidebar(QWidget):
    """The tree of clients and campaigns with New, Details, Rename and Delete; reports what gets selected."""

    client_selected = Signal(object)  # ClientInfo
    campaign_selected = Signal(object)  # CampaignInfo
    selection_cleared = Signal()
    refused = Signal(str)  # an edit that was not made, and why
    loaded = Signal(bool)  # True when the library has no clients

    def __init__(self, library: LibraryService, bridge: TaskBridge, feed: ChangeFeed,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        feed.changed.connect(self.apply_changes)
        self.model = LibraryTreeModel(self)
        self.model.rename_requested.connect(self._rename)
        self.model.rename_refused.connect(self.refused)
        self.view = QTreeView()
        self.view.setModel(self.model)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setAccessibleName("Clients and campaigns")
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long names elide
        self.setMinimumWidth(160)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.collapsed.connect(lambda i: self._collapsed.add(self.model.item(i).id))
        self.view.expanded.connect(lambda i: self._collapsed.discard(self.model.item(i).id))
        self.view.selectionModel().currentChanged.connect(lambda _c, _p: self._current_changed())
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self._current: Selection | None = None
        self._collapsed: set[int] = set()
        self._reloading = False
        self._pending_select: Selection | None = None
        self._menu: QMenu | None = None
        self.dialog: NewClientDialog | CampaignEditorDialog | None = None
        self.confirmation: QWidget | None = None
        self._make_actions()
        self._update_actions()

    def _make_actions(self) -> None:
        def action(text: str, slot: Any, shortcut: QKeySequence | None = None) -> QAction:
            act = QAction(text, self)
            act.triggered.connect(lambda _checked=False: slot())
            if shortcut is not None:
                act.setShortcut(shortcut)
                act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.view.addAction(act)
            return act
        self.new_client_action = action("New &client…", self.new_client)
        self.new_campaign_action = action("New c&ampaign…", self.new_campaign)
        self.details_action = action("Campaign &details…", self.open_campaign_details)
        self.rename_action = action("&Rename", self.rename_current, QKeySequence(Qt.Key.Key_F2))
        self.delete_action = action("&Delete…", self.delete_current, QKeySequence(QKeySequence.StandardKey.Delete))

    # ---- loading and selection ---------------------------------------------------------------------
    def reload(self, select: Selection | None = None) -> asyncio.Task[Any]:
        """Load clients and campaigns, then select ``select`` (or keep the current selection)."""
        async def fetch() -> tuple[list[ClientInfo], list[CampaignInfo]]:
            return await self.library.list_clients(), await self.library.list_campaigns()
        if select is not None:  # a newer reload replaces this one but keeps what it was to select
            self._pending_select = select
        return self.bridge.run("sidebar-load", fetch(), on_done=lambda data: self._apply(*data))

    def apply_changes(self, changes: Changes) -> None:
        """Reload when clients or campaigns changed (names, budgets, statuses, new or deleted ones)."""
        if changes.library_structure():
            self.reload()

    def _apply(self, clients: list[ClientInfo], campaigns: list[CampaignInfo]) -> None:
        select, self._pending_select = self._pending_select, None
        before = self._current
        self._reloading = True
        try:
            self.model.set_library(clients, campaigns)
            for row, client in enumerate(clients):
                self.view.setExpanded(self.model.index(row, 0), client.id not in self._collapsed)
            index = self.model.index_of(select or before)
            if index.isValid():
                self.view.setCurrentIndex(index)
                self.view.scrollTo(index)
        finally:
            self._reloading = False
        self._current_changed(force=select is not None and select != before)
        self._update_actions()
        self.loaded.emit(self.model.is_empty())

    def current_item(self) -> Item | None:
        return self.model.item(self.view.currentIndex())

    def current_client_id(self) -> int | None:
        item = self.current_item()
        return item.client_id if isinstance(item, CampaignInfo) else item.id if item else None

    def select(self, selection: Selection | None) -> bool:
        """Select a client or campaign by id; False when it is not in the tree."""
        index = self.model.index_of(selection)
        if not index.isValid():
            return False
        self.view.setCurrentIndex(index)
        return True

    def _current_changed(self, force: bool = False) -> None:
        if self._reloading:
            return
        item = self.current_item()
        current = selection_of(item)
        self._update_actions()
        if current == self._current and not force:
            return
        self._current = current
        if isinstance(item, CampaignInfo):
            self.campaign_selected.emit(item)
        elif isinstance(item, ClientInfo):
            self.client_selected.emit(item)
        else:
            self.selection_cleared.emit()

    def _update_actions(self) -> None:
        item = self.current_item()
        self.new_campaign_action.setEnabled(not self.model.is_empty())
        self.details_action.setEnabled(isinstance(item, CampaignInfo))
        self.rename_action.setEnabled(item is not None)
        self.delete_action.setEnabled(item is not None)
        noun = "campaign" if isinstance(item, CampaignInfo) else "client"
        self.delete_action.setText(f"&Delete {noun}…")

    # ---- actions ------------------------------------------------------------------------------------
    def new_client(self) -> None:
        dialog = NewClientDialog(self.library, self.bridge, self)
        dialog.created.connect(lambda client: self.reload(Selection("client", client.id)))
        self._open(dialog)

    def new_campaign(self) -> None:
        """Create a campaign for the selected client (the dialog lets the user pick another)."""
        if self.model.is_empty():
            return
        dialog = CampaignEditorDialog(self.library, self.bridge, clients=self.model.clients(),
                                      client_id=self.current_client_id(), parent=self)
        dialog.saved.connect(self._campaign_saved)
        self._open(dialog)

    def open_campaign_details(self) -> None:
        item = self.current_item()
        if isinstance(item, CampaignInfo):
            dialog = CampaignEditorDialog(self.library, self.bridge, item, parent=self)
            dialog.saved.connect(self._campaign_saved)
            self._open(dialog)

    def rename_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.view.edit(index)

    def delete_current(self) -> None:
        """Ask before deleting, saying what goes with the item (campaigns, images, jobs)."""
        item = self.current_item()
        if item is None:
            return
        library = self.library
        impact = (library.campaign_deletion_impact(item.id) if isinstance(item, CampaignInfo)
                  else library.client_deletion_impact(item.id))
        self.bridge.run("sidebar-deletion-impact", impact, on_done=lambda result: self._confirm_delete(item, result))

    def _confirm_delete(self, item: Item, impact: DeletionImpact) -> None:
        question, detail = describe_deletion(item, impact)
        noun = "campaign" if isinstance(item, CampaignInfo) else "client"
        self.confirmation = confirm(self, f"Delete {noun}", question, detail, f"Delete {noun}",
                                    lambda: self._delete(item))

    def _delete(self, item: Item) -> None:
        work = (self.library.delete_campaign(item.id) if isinstance(item, CampaignInfo)
                else self.library.delete_client(item.id))
        gone = selection_of(item)
        self.bridge.run(f"delete-{gone.kind}-{gone.id}", work,
                        on_error=lambda exc: self._show_error("Could not delete", exc))

    def _rename(self, item: Item, name: str) -> None:
        work = (self.library.update_campaign(item.id, name=name) if isinstance(item, CampaignInfo)
                else self.library.update_client(item.id, name=name))
        self.bridge.run(f"rename-{'campaign' if isinstance(item, CampaignInfo) else 'client'}-{item.id}", work,
                        on_error=lambda exc: self._show_error("Could not rename", exc))

    def _campaign_saved(self, campaign: CampaignInfo) -> None:
        self.reload(Selection("campaign", campaign.id))

    def _show_error(self, title: str, exc: BaseException) -> None:
        self.confirmation = inform(self, title, describe_error(exc), warning=True)

    def _open(self, dialog: NewClientDialog | CampaignEditorDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._dialog_finished(dialog))
        dialog.open()

    def _dialog_finished(self, dialog: QWidget) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _double_clicked(self, index: QModelIndex) -> None:
        if isinstance(self.model.item(index), CampaignInfo):
            self.open_campaign_details()

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if index.isValid():
            self.view.setCurrentIndex(index)
        item = self.model.item(index)
        menu = QMenu(self)
        if isinstance(item, CampaignInfo):
            menu.addActions([self.details_action, self.rename_action, self.delete_action])
        elif isinstance(item, ClientInfo):
            menu.addActions([self.new_campaign_action, self.rename_action, self.delete_action])
        else:
            menu.addActions([self.new_client_action, self.new_campaign_action])
        menu.aboutToHide.connect(menu.deleteLater)
        self._menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))  # popup, not exec: no nested event loop
