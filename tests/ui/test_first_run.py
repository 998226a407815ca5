"""First run: an empty library offers the sample campaign without blocking; a library with clients does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from app.core import sample
from app.core.domain import CampaignInfo
from app.core.sample import SAMPLE_CAMPAIGN
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.first_run import SamplePanel, offer_sample_if_empty, open_sample_campaign
from tests.ui.conftest import wait_until


@pytest.fixture
def window(qtbot) -> QMainWindow:
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    return window


def _panel(window: QMainWindow) -> SamplePanel | None:
    return window.findChild(SamplePanel)


async def test_an_empty_library_offers_the_sample_and_opens_it(window: QMainWindow, services: Services,
                                                               qtbot) -> None:
    bridge = TaskBridge()
    opened: list[CampaignInfo] = []
    offer_sample_if_empty(window, services.library, bridge, on_opened=opened.append)
    await wait_until(lambda: _panel(window) is not None and _panel(window).isVisible())
    panel = _panel(window)
    assert not panel.isModal() and panel.windowModality() == Qt.WindowModality.NonModal
    assert window.isEnabled()  # the window stays usable while the offer is up
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    assert not panel.open_button.isEnabled()
    await wait_until(lambda: opened, timeout=20)
    assert opened[0].name == SAMPLE_CAMPAIGN
    assert len(await services.library.list_assets(opened[0].id)) == 12
    await wait_until(lambda: _panel(window) is None or not _panel(window).isVisible())


async def test_a_library_with_clients_is_not_offered_the_sample(window: QMainWindow, services: Services) -> None:
    await services.library.create_client("Existing Client")
    bridge = TaskBridge()
    offer_sample_if_empty(window, services.library, bridge)
    await wait_until(lambda: not bridge.running_names())
    assert _panel(window) is None


async def test_declining_creates_nothing(window: QMainWindow, services: Services, qtbot) -> None:
    offer_sample_if_empty(window, services.library, TaskBridge())
    await wait_until(lambda: _panel(window) is not None)
    qtbot.mouseClick(_panel(window).skip_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: _panel(window) is None or not _panel(window).isVisible())
    assert await services.library.list_clients() == []


async def test_a_failure_is_shown_in_the_panel_which_stays_open_for_another_try(
        window: QMainWindow, services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    missing = tmp_path / "missing"
    missing.mkdir()
    shipped = sample.samples_dir
    monkeypatch.setattr(sample, "samples_dir", lambda: missing)
    offer_sample_if_empty(window, services.library, TaskBridge())
    await wait_until(lambda: _panel(window) is not None)
    panel = _panel(window)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: "could not be opened" in panel.status.text())
    assert "sample images are missing" in panel.status.text()
    assert panel.isVisible() and panel.open_button.isEnabled() and panel.skip_button.isEnabled()
    monkeypatch.setattr(sample, "samples_dir", shipped)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    await wait_until(lambda: _panel(window) is None or not _panel(window).isVisible(), timeout=20)
    assert [c.name for c in await services.library.list_campaigns()] == [SAMPLE_CAMPAIGN]


async def test_open_sample_campaign_from_the_help_menu_finds_the_existing_one(services: Services) -> None:
    bridge = TaskBridge()
    opened: list[CampaignInfo] = []
    for _ in range(2):
        open_sample_campaign(services.library, bridge, opened.append)
        await wait_until(lambda n=len(opened): len(opened) == n + 1, timeout=20)
    assert opened[0] == opened[1]
