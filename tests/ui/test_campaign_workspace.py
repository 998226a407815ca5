"""The workspace hands work from one page to the next: pairs → generate, finished job → ad."""

from __future__ import annotations

from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.campaign_workspace import CampaignWorkspace
from tests.ui.pages import ad_page, assets_page, jobs_page, pairs_page


def workspace_of(services: Services) -> CampaignWorkspace:
    bridge = TaskBridge()
    return CampaignWorkspace(assets_page(services, bridge), pairs_page(services, bridge), jobs_page(services, bridge),
                             ad_page(services, bridge))


async def test_generate_from_the_pairs_page_opens_the_generate_dialog_on_the_jobs_tab(
        qtbot, services: Services, monkeypatch) -> None:
    workspace = workspace_of(services)
    qtbot.addWidget(workspace)
    opened: list[bool] = []
    monkeypatch.setattr(workspace.jobs_page, "open_generate_dialog", lambda: opened.append(True))
    workspace.pairs_page.generate_requested.emit()
    assert workspace.currentWidget() is workspace.jobs_page and opened == [True]


async def test_combine_from_the_jobs_page_shows_that_job_on_the_ad_tab(qtbot, services: Services, monkeypatch) -> None:
    workspace = workspace_of(services)
    qtbot.addWidget(workspace)
    shown: list[int] = []
    monkeypatch.setattr(workspace.ad_page, "show_job", shown.append)
    workspace.jobs_page.combine_requested.emit(7)
    assert workspace.currentWidget() is workspace.ad_page and shown == [7]
