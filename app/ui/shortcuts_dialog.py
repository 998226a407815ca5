"""Help → Keyboard shortcuts: every shortcut of the window, collected from its live actions, so none is missed.

Menu actions are grouped by menu; other ``QAction``/``QShortcut`` objects by the workspace tab or the area (the
``shortcut_area`` property of an ancestor widget) they belong to. A ``QShortcut`` describes itself with
``setWhatsThis``. A window of the main window that names its area (the full-screen preview) is listed too. The
search matches the area, the action, its tooltip and its keys, so "pick" finds P.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QMainWindow,
    QMenu,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

AREA_PROPERTY = "shortcut_area"


@dataclass(frozen=True, slots=True)
class ShortcutEntry:
    area: str
    description: str
    keys: str
    detail: str = ""  # the action's tooltip, when it says more than its name


def clean_text(text: str) -> str:
    """Menu text without mnemonics and trailing ellipses: "&Import files…" → "Import files"."""
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.removesuffix("…").removesuffix("...").strip()


def collect_shortcuts(window: QMainWindow) -> list[ShortcutEntry]:
    """Every shortcut of ``window`` (menus first, in menu order, then by area)."""
    entries: list[ShortcutEntry] = []
    seen: set[tuple[str, str, str]] = set()

    def add(area: str, description: str, sequences: list[QKeySequence], detail: str = "") -> None:
        for sequence in sequences:
            keys = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if keys and (area, description, keys) not in seen:
                seen.add((area, description, keys))
                entries.append(ShortcutEntry(area, description, keys,
                                             detail if clean_text(detail) != description else ""))

    listed: set[int] = set()
    for menu_action in window.menuBar().actions():
        if (menu := menu_action.menu()) is not None:
            for action in _menu_actions(menu):
                listed.add(id(action))
                add(clean_text(menu_action.text()), clean_text(action.text()), action.shortcuts(), action.toolTip())
    tab_pages = _tab_pages(window)
    for action in window.findChildren(QAction):
        owner = action.parent()
        if id(action) not in listed and action.shortcuts() and _belongs_to(owner, window):
            add(_area(owner, tab_pages), clean_text(action.text()), action.shortcuts(), action.toolTip())
    for shortcut in window.findChildren(QShortcut):
        owner = shortcut.parent()
        if not _belongs_to(owner, window):
            continue
        description = shortcut.whatsThis() or clean_text(shortcut.objectName()) or "(no description)"
        add(_area(owner, tab_pages), description, [shortcut.key()])
    for tabs in window.findChildren(QTabWidget):
        if _belongs_to(tabs, window):
            for i in range(tabs.count()):
                mnemonic = QKeySequence.mnemonic(tabs.tabText(i))
                add("Campaign tabs", f"Show the {clean_text(tabs.tabText(i))} tab", [mnemonic])
    menus = [e for e in entries if e.area in {clean_text(a.text()) for a in window.menuBar().actions()}]
    others = sorted((e for e in entries if e not in menus), key=lambda e: (e.area.lower(), e.description.lower()))
    return menus + others


def _menu_actions(menu: QMenu) -> list[QAction]:
    result: list[QAction] = []
    for action in menu.actions():
        if action.menu() is not None:
            result.extend(_menu_actions(action.menu()))
        elif not action.isSeparator():
            result.append(action)
    return result


def _tab_pages(window: QMainWindow) -> dict[int, str]:
    pages: dict[int, str] = {}
    for tabs in window.findChildren(QTabWidget):
        for i in range(tabs.count()):
            pages[id(tabs.widget(i))] = clean_text(tabs.tabText(i))
    return pages


def _belongs_to(owner: QObject | None, window: QMainWindow) -> bool:
    """The window's own widgets count, and windows of its own that name their area (the preview); not a dialog
    that happens to be open."""
    if not isinstance(owner, QWidget):
        return False
    return owner.window() is window or _descends(owner.window(), window)


def _descends(widget: QWidget, window: QMainWindow) -> bool:
    """Whether ``widget`` (a window that names its area) is a child object of ``window``."""
    if not widget.property(AREA_PROPERTY):
        return False
    parent = widget.parent()
    while parent is not None:
        if parent is window:
            return True
        parent = parent.parent()
    return False


def _area(owner: QObject | None, tab_pages: dict[int, str]) -> str:
    widget = owner if isinstance(owner, QWidget) else None
    while widget is not None:
        if id(widget) in tab_pages:
            return tab_pages[id(widget)]
        if area := widget.property(AREA_PROPERTY):
            return str(area)
        widget = widget.parentWidget()
    return "Window"


class ShortcutsDialog(QDialog):
    """A searchable list of shortcuts grouped by area."""

    def __init__(self, entries: list[ShortcutEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Search shortcuts")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._filter)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setWordWrap(False)
        self.tree.setHeaderLabels(["Action", "Shortcut"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        groups: dict[str, QTreeWidgetItem] = {}
        for entry in entries:
            group = groups.get(entry.area)
            if group is None:
                group = groups[entry.area] = QTreeWidgetItem(self.tree, [entry.area])
                group.setFirstColumnSpanned(True)
                font = group.font(0)
                font.setBold(True)
                group.setFont(0, font)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item = QTreeWidgetItem(group, [entry.description, entry.keys])
            item.setData(0, Qt.ItemDataRole.UserRole, entry.detail)
            if entry.detail:
                item.setToolTip(0, entry.detail)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(520, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        """The visible (area, action, keys) rows."""
        result = []
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            for c in range(group.childCount()):
                child = group.child(c)
                if not child.isHidden():
                    result.append((group.text(0), child.text(0), child.text(1)))
        return result

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            visible = 0
            for c in range(group.childCount()):
                child = group.child(c)
                detail = child.data(0, Qt.ItemDataRole.UserRole) or ""
                match = not needle or needle in f"{group.text(0)} {child.text(0)} {detail} {child.text(1)}".lower()
                child.setHidden(not match)
                visible += match
            group.setHidden(visible == 0)
