"""The main window: start page, selection, menus and shortcuts, status bar, remembered layout, interrupted jobs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QSettings, QUrl
from PySide6.QtWidgets import QMessageBox

from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.client_editor import NewClientDialog
from app.ui.main_window import MainWindow
from app.ui.settings_dialog import SettingsDialog
from app.ui.sidebar import Selection
from tests.ui.conftest import wait_until


@pytest.fixture
def ui_settings_path(tmp_path: Path) -> Path:
    return tmp_path / "ui-settings.ini"


@asynccontextmanager
async def open_window(services: Services, qtbot, settings_path: Path,
                      workspace_min: tuple[int, int] | None = None) -> AsyncIterator[MainWindow]:
    bridge = TaskBridge()
    window = MainWindow(services, bridge, settings=QSettings(str(settings_path), QSettings.Format.IniFormat))
    if workspace_min:
        window.workspace.setMinimumSize(*workspace_min)
        widget = window.workspace.parentWidget()
        while widget is not None:  # a hidden page does not pass the change up by itself
            widget.updateGeometry()
            widget = widget.parentWidget()
    qtbot.addWidget(window)
    window.show()
    window.start()
    await wait_until(lambda: not bridge.is_running("sidebar-load") and window.sidebar.model.rowCount() >= 0)
    try:
        yield window
    finally:
        window.close()
        await bridge.shutdown()


async def _loaded(window: MainWindow, predicate: Callable[[], bool] = lambda: True) -> None:
    await wait_until(lambda: not window.bridge.is_running("sidebar-load") and predicate())


async def test_an_empty_library_welcomes_and_offers_the_first_client(services: Services, qtbot,
                                                                     ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        await _loaded(window)
        assert window.pages.currentWidget() is window.start_page
        assert window.start_page.heading.text() == "Welcome to Pairframe"
        assert window.start_page.new_client_button.text() == "Create your first client…"
        assert not window.import_files_action.isEnabled()
        await wait_until(lambda: not window.bridge.is_running("mark-interrupted"))
        assert window.notice.isHidden()  # nothing was interrupted in a new library
        window.start_page.new_client_button.click()
        dialog = window.sidebar.dialog
        assert isinstance(dialog, NewClientDialog) and dialog.isVisible()
        dialog.form.name_edit.setText("Northwind")
        dialog.submit()
        await wait_until(lambda: window.pages.currentWidget() is window.client_editor)
        assert window.client_editor.title.text() == "Northwind"
        assert window.windowTitle() == "Northwind — Pairframe"


async def test_selecting_shows_the_editor_or_the_workspace_and_imports_reach_the_assets_page(
        services: Services, qtbot, ui_settings_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring", budget_usd=900)).value
    async with open_window(services, qtbot, ui_settings_path) as window:
        await _loaded(window, lambda: window.sidebar.model.rowCount() == 1)
        assert window.pages.currentWidget() is window.start_page
        assert window.start_page.heading.text() == "Nothing selected"
        window.sidebar.select(Selection("client", acme.id))
        assert window.pages.currentWidget() is window.client_editor
        window.sidebar.select(Selection("campaign", spring.id))
        assert window.pages.currentWidget() is window.campaign_page
        assert window.workspace.campaign == spring
        assert window.campaign_header.title.text() == "Acme › Spring"
        assert window.campaign_header.summary.text() == "Draft · budget $900"
        assert window.windowTitle() == "Acme › Spring — Pairframe"

        calls: list[str] = []
        page = window.workspace.assets_page
        for name in ("import_files_dialog", "import_folder_dialog", "import_urls_dialog"):
            monkeypatch.setattr(page, name, lambda n=name: calls.append(n), raising=False)
        window.workspace.setCurrentWidget(window.workspace.jobs_page)
        for action in (window.import_files_action, window.import_folder_action, window.import_urls_action):
            assert action.isEnabled()
            action.trigger()
        assert calls == ["import_files_dialog", "import_folder_dialog", "import_urls_dialog"]
        assert window.workspace.currentWidget() is page


async def test_menus_carry_the_shortcuts_and_the_help_lists_them_all(services: Services, qtbot,
                                                                     ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        menus = {a.text().replace("&", ""): [x.text().replace("&", "") for x in a.menu().actions() if x.text()]
                 for a in window.menuBar().actions()}
        assert menus["File"] == ["New client…", "New campaign…", "Settings…", "Quit"]
        assert menus["Edit"] == ["Undo", "Redo", "Select all", "Copy path"]
        assert menus["View"] == ["Larger thumbnails", "Smaller thumbnails", "Default thumbnail size", "Theme",
                                 "Sidebar", "Details panel", "Spend", "Full screen"]
        assert menus["Campaign"] == ["Import files…", "Import folder…", "Import from URLs…", "Suggest pairs",
                                     "Generate clips…", "Combine the ad", "Export the ad…"]
        assert menus["Help"] == ["Keyboard shortcuts", "Open the sample campaign…", "Open log folder",
                                 "About Pairframe"]
        window.shortcuts_action.trigger()
        dialog = window.shortcuts_dialog
        assert dialog is not None and dialog.isVisible()
        rows = set(dialog.rows())
        for expected in [("Campaign", "Import files", "Ctrl+I"), ("Campaign", "Import from URLs", "Ctrl+Shift+I"),
                         ("Campaign", "Generate clips", "Ctrl+G"), ("File", "Settings", "Ctrl+,"),
                         ("File", "Quit", "Ctrl+Q"), ("Edit", "Undo", "Ctrl+Z"), ("Edit", "Redo", "Ctrl+Shift+Z"),
                         ("Edit", "Redo", "Ctrl+Y"), ("View", "Full screen", "F11"),
                         ("Help", "Keyboard shortcuts", "F1"), ("Clients and campaigns", "Rename", "F2"),
                         ("Clients and campaigns", "Delete client", "Del"),
                         ("Client details", "Save the client's details", "Ctrl+S"),
                         ("Campaign tabs", "Show the Assets tab", "Alt+A"),
                         # the culling keys of the grid and of the full-screen preview
                         ("Assets", "Clear the rating", "0"), ("Assets", "Rate 5 stars", "5"),
                         ("Assets", "Pick", "P"), ("Assets", "Reject", "X"), ("Assets", "Unflag", "U"),
                         ("Assets", "Red label", "6"), ("Assets", "Blue label", "9"), ("Assets", "Preview", "Space"),
                         ("Assets", "Remove from campaign", "Del"), ("Assets", "Delete from library", "Shift+Del"),
                         ("Preview", "Next image", "Right"), ("Preview", "Previous image", "Left"),
                         ("Preview", "Close the preview", "Esc"), ("Preview", "Rate 3 stars", "3")]:
            assert expected in rows, expected
        dialog.filter_edit.setText("import")
        assert {r[1] for r in dialog.rows()} == {"Import files", "Import from URLs"}  # folder has no key
        dialog.filter_edit.setText("pick")
        assert {(r[0], r[1], r[2]) for r in dialog.rows()} >= {("Assets", "Pick", "P"), ("Preview", "Pick", "P")}


async def test_the_start_page_offers_the_sample_campaign_and_opens_it(services: Services, qtbot,
                                                                    ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        await _loaded(window)
        assert window.start_page.sample_button.isVisible()
        window.start_page.sample_button.click()
        panel = window.sample_panel
        assert panel is not None and panel.isVisible() and window.isEnabled()
        panel.open_button.click()
        await wait_until(lambda: window.pages.currentWidget() is window.campaign_page, timeout=30)
        assert window.workspace.campaign.client_name == window.sidebar.model.clients()[0].name
        assert not window.start_page.sample_button.isVisibleTo(window.start_page)


async def test_help_opens_the_log_folder_and_about(services: Services, qtbot, ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        opened: list[QUrl] = []
        window.open_url = lambda url: opened.append(url) or True
        window.logs_action.trigger()
        assert [Path(u.toLocalFile()) for u in opened] == [services.paths.logs]
        window.open_url = lambda url: False
        window.logs_action.trigger()
        assert "Could not open the log folder" in window.statusBar().currentMessage()
        window.about_action.trigger()
        box = next(b for b in window.findChildren(QMessageBox) if b.windowTitle() == "About Pairframe")
        assert box.isVisible() and box.text().startswith("Pairframe ")
        box.accept()


async def test_settings_opens_once_without_blocking(services: Services, qtbot, ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        window.settings_action.trigger()
        dialog = window.settings_dialog
        assert isinstance(dialog, SettingsDialog) and dialog.isVisible()
        window.settings_action.trigger()
        assert window.settings_dialog is dialog
        dialog.reject()
        await wait_until(lambda: window.settings_dialog is None)


async def test_failures_show_as_a_notice_and_busy_work_in_the_status_bar(services: Services, qtbot,
                                                             ui_settings_path: Path) -> None:
    async with open_window(services, qtbot, ui_settings_path) as window:
        async def broken() -> None:
            raise RuntimeError("the disk is full")

        window.bridge.run("broken", broken())
        await wait_until(lambda: window.notice.text() == "The disk is full")
        assert window.notice.error
        task = window.bridge.run("slow", asyncio.sleep(30))
        await wait_until(lambda: window.busy_bar.isVisible(), timeout=3)
        task.cancel()
        await wait_until(lambda: not window.busy_bar.isVisible())


async def test_layout_and_last_campaign_are_remembered(services: Services, qtbot, ui_settings_path: Path) -> None:
    acme = (await services.library.create_client("Acme")).value
    await services.library.create_campaign(acme.id, "Autumn")
    spring = (await services.library.create_campaign(acme.id, "Spring")).value
    # The offscreen screen is 800×800: keep the pages' own minimum widths out of this test of the layout.
    async with open_window(services, qtbot, ui_settings_path, workspace_min=(300, 200)) as window:
        await _loaded(window, lambda: window.sidebar.model.rowCount() == 1)
        window.sidebar.select(Selection("campaign", spring.id))
        window.resize(760, 640)
        window.splitter.setSizes([300, window.splitter.width() - 300])
        size, sizes = (window.width(), window.height()), window.splitter.sizes()
        assert size == (760, 640) and sizes[0] == 300
    async with open_window(services, qtbot, ui_settings_path, workspace_min=(300, 200)) as again:
        await _loaded(again, lambda: again.workspace.campaign is not None)
        assert again.workspace.campaign.id == spring.id
        assert again.pages.currentWidget() is again.campaign_page
        assert (again.width(), again.height()) == size
        assert again.splitter.sizes() == sizes
    assert ui_settings_path.is_file()


async def test_deleting_the_open_campaign_clears_the_workspace(services: Services, qtbot,
                                                               ui_settings_path: Path) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring")).value
    async with open_window(services, qtbot, ui_settings_path) as window:
        await _loaded(window, lambda: window.sidebar.model.rowCount() == 1)
        window.sidebar.select(Selection("campaign", spring.id))
        window.sidebar.delete_current()
        await wait_until(lambda: window.sidebar.confirmation is not None and window.sidebar.confirmation.isVisible())
        next(b for b in window.sidebar.confirmation.buttons() if b.text() == "Delete campaign").click()
        await wait_until(lambda: window.pages.currentWidget() is window.start_page)
        assert window.workspace.campaign is None
        assert window._last_campaign() is None


async def test_leaving_a_client_with_unsaved_edits_asks_first(services: Services, qtbot,
                                                              ui_settings_path: Path) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring")).value
    async with open_window(services, qtbot, ui_settings_path) as window:
        await _loaded(window, lambda: window.sidebar.model.rowCount() == 1)
        window.sidebar.select(Selection("client", acme.id))
        window.client_editor.form.tone_edit.setPlainText("Bold")
        window.sidebar.select(Selection("campaign", spring.id))
        await wait_until(lambda: window._unsaved_box is not None and window._unsaved_box.isVisible())
        await wait_until(lambda: window.sidebar.current_item().id == acme.id)  # back on the client meanwhile
        assert window.pages.currentWidget() is window.client_editor
        assert window.client_editor.form.tone_edit.toPlainText() == "Bold"
        window._unsaved_box.button(QMessageBox.StandardButton.Save).click()
        await wait_until(lambda: window.pages.currentWidget() is window.campaign_page)
        assert (await services.library.get_client(acme.id)).tone == "Bold"

        window.sidebar.select(Selection("client", acme.id))
        window.client_editor.form.tone_edit.setPlainText("Quiet")
        window.sidebar.select(Selection("campaign", spring.id))
        await wait_until(lambda: window._unsaved_box is not None and window._unsaved_box.isVisible())
        window._unsaved_box.button(QMessageBox.StandardButton.Discard).click()
        await wait_until(lambda: window.pages.currentWidget() is window.campaign_page)
        assert (await services.library.get_client(acme.id)).tone == "Bold"


async def test_interrupted_jobs_are_announced_without_blocking(services: Services, qtbot, ui_settings_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring")).value

    async def mark_interrupted() -> list[SimpleNamespace]:
        return [SimpleNamespace(id=1, campaign_id=spring.id), SimpleNamespace(id=2, campaign_id=spring.id)]

    monkeypatch.setattr(services.generation, "mark_interrupted", mark_interrupted, raising=False)
    async with open_window(services, qtbot, ui_settings_path) as window:
        await wait_until(lambda: window.notice.isVisible())
        assert window.notice.label.text() == "2 jobs were interrupted — open the Generate tab to resume."
        assert window.isEnabled()
        await _loaded(window, lambda: window.sidebar.model.rowCount() == 1)
        window.notice.action_button.click()
        assert window.workspace.campaign.id == spring.id
        assert window.workspace.currentWidget() is window.workspace.jobs_page
        assert not window.notice.isVisible()
