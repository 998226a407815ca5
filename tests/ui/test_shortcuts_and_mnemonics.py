"""Every shortcut of the window is listed by F1, none clashes with another where both can fire, and no two
mnemonics (Alt+letter) of what is on screen share a letter on any tab."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QMenu, QMenuBar, QTabBar, QWidget

from app.core.services import Services
from app.ui.main_window import MainWindow
from app.ui.shortcuts_dialog import clean_text, collect_shortcuts
from app.ui.sidebar import Selection
from tests.ui.assets_helpers import campaign_with_images
from tests.ui.test_main_window import open_window
from tests.ui.test_undo import _open_campaign

WHOLE_WINDOW = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)


def _scopes(action: QAction | QShortcut) -> list[tuple[QWidget, bool]]:
    """Where a shortcut can fire: (widget, with its children too)."""
    context = action.context() if isinstance(action, QShortcut) else action.shortcutContext()
    if isinstance(action, QShortcut):
        owner = action.parent()
        assert isinstance(owner, QWidget)
        widgets = [owner]
    else:
        widgets = [w for w in action.associatedObjects() if isinstance(w, QWidget)]
    scopes: list[tuple[QWidget, bool]] = []
    for widget in widgets:
        if isinstance(widget, QMenu | QMenuBar):
            if context in WHOLE_WINDOW:
                scopes.append((widget.window() if isinstance(widget, QMenuBar) else _menu_window(widget), True))
            continue
        if context in WHOLE_WINDOW:
            scopes.append((widget.window(), True))
        else:
            scopes.append((widget, context == Qt.ShortcutContext.WidgetWithChildrenShortcut))
    return scopes


def _menu_window(menu: QMenu) -> QWidget:
    for owner in menu.menuAction().associatedObjects():
        if isinstance(owner, QMenuBar):
            return owner.window()
        if isinstance(owner, QMenu):
            return _menu_window(owner)
    return menu.window()


def _overlap(a: tuple[QWidget, bool], b: tuple[QWidget, bool]) -> bool:
    (wa, children_a), (wb, children_b) = a, b
    if wa.window() is not wb.window():
        return False
    return wa is wb or (children_a and wa.isAncestorOf(wb)) or (children_b and wb.isAncestorOf(wa))


def _everything(window: MainWindow) -> list[QAction | QShortcut]:
    found: list[QAction | QShortcut] = []
    for kind in (QAction, QShortcut):
        for item in window.findChildren(kind):
            owner = item.parent()
            keys = item.shortcuts() if isinstance(item, QAction) else [item.key()]
            if any(not k.isEmpty() for k in keys) and isinstance(owner, QWidget) and (
                    owner.window() is window or owner.window().property("shortcut_area")):
                found.append(item)
    return found


async def test_f1_lists_every_shortcut_and_none_clash_where_both_could_fire(services: Services, qtbot,
                                                                           tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        listed = {(e.description, e.keys) for e in collect_shortcuts(window)}
        by_key: dict[str, list[QAction | QShortcut]] = defaultdict(list)
        items = _everything(window)
        assert len(items) > 60  # menus, the grid's culling keys, the pair editor, the preview, the sidebar…
        for item in items:
            keys = item.shortcuts() if isinstance(item, QAction) else [item.key()]
            for key in keys:
                text = key.toString(QKeySequence.SequenceFormat.NativeText)
                if isinstance(item, QAction):
                    assert (clean_text(item.text()), text) in listed, (item.text(), text)
                else:
                    assert text in {k for _, k in listed}, (item.whatsThis(), text)
                by_key[text].append(item)
        assert _clashes(by_key) == []
        probe = QAction("Probe", window)  # the check finds a clash: a window-wide key the grid also uses
        probe.setShortcut(QKeySequence("P"))
        window.addAction(probe)
        by_key["P"].append(probe)
        assert [(key, second) for key, _, second in _clashes(by_key)] == [("P", "Probe")]


def _clashes(by_key: dict[str, list[QAction | QShortcut]]) -> list[tuple[str, str, str]]:
    found = []
    for key, holders in by_key.items():
        for i, first in enumerate(holders):
            for second in holders[i + 1:]:
                if any(_overlap(a, b) for a in _scopes(first) for b in _scopes(second)):
                    found.append((key, _name(first), _name(second)))
    return found


def _name(item: QAction | QShortcut) -> str:
    return item.text() if isinstance(item, QAction) else item.whatsThis()


def _mnemonics_on_screen(window: MainWindow) -> dict[str, list[str]]:
    """Alt+letter → what on screen answers to it (menus, tabs, buttons, labels with a buddy, group boxes)."""
    found: dict[str, list[str]] = defaultdict(list)

    def add(text: str, what: str) -> None:
        key = QKeySequence.mnemonic(text).toString()
        if key:
            found[key].append(what)
    for action in window.menuBar().actions():
        add(action.text(), f"menu {action.text()}")
    for bar in window.findChildren(QTabBar):
        if bar.isVisible():
            for i in range(bar.count()):
                add(bar.tabText(i), f"tab {bar.tabText(i)}")
    for button in window.findChildren(QAbstractButton):
        if button.isVisible() and not isinstance(button.parent(), QTabBar):
            add(button.text(), f"button {button.text()}")
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            add(label.text(), f"label {label.text()}")
    for box in window.findChildren(QGroupBox):
        if box.isVisible():
            add(box.title(), f"group {box.title()}")
    return found


async def test_no_two_mnemonics_share_a_letter_on_any_tab_or_page(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        workspace = window.workspace
        for page in (workspace.assets_page, workspace.pairs_page, workspace.jobs_page, workspace.ad_page):
            workspace.setCurrentWidget(page)
            shared = {k: v for k, v in _mnemonics_on_screen(window).items() if len(v) > 1}
            assert shared == {}, workspace.tabText(workspace.currentIndex())
        ad = _mnemonics_on_screen(window)
        assert ad["Alt+A"] == ["tab &Assets"] and ad["Alt+P"] == ["tab &Pairs"]  # they switch tabs again
        client = window.sidebar.model.clients()[0]
        window.sidebar.select(Selection("client", client.id))
        assert window.pages.currentWidget() is window.client_editor
        shared = {k: v for k, v in _mnemonics_on_screen(window).items() if len(v) > 1}
        assert shared == {}
