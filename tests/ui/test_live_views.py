"""Views never go stale: each follows the change feed, whichever part of the window (or service) made the change.

The cases that span several parts run in the real main window; the others on a page built as the window builds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton

from app.core.changes import ChangeHub, Changes
from app.core.db.models import Asset
from app.core.domain import AssetInfo, AssetSort, Flag, JobState
from app.core.library.service import LibraryError
from app.core.secrets import KeyName
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.pages.assets_page import AssetsPage
from app.ui.pages.jobs_page import JobsPage
from app.ui.pairs.picker import ASSET_ROLE
from app.ui.sidebar import Selection
from app.ui.widgets.forms import format_budget
from tests.ui.assets_helpers import campaign_with_images, make_images, open_page
from tests.ui.conftest import wait_signal, wait_until
from tests.ui.jobs_helpers import campaign_with_pairs
from tests.ui.pages import pairs_page
from tests.ui.window_helpers import open_window, show_campaign


def click(button: QAbstractButton) -> None:
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def panel_agrees_with_grid(page: AssetsPage) -> bool:
    """The details panel is empty, or shows the grid's current asset as the grid holds it."""
    shown, current = page.detail.asset, page.current_asset()
    if shown is None:
        return page.detail.stack.currentWidget() is page.detail.empty
    return current is not None and shown == current and shown.id in set(page.model.ids())


def names(page: AssetsPage) -> list[str]:
    return [a.original_name for a in page.model.assets()]


async def refiltered(page: AssetsPage, action: Callable[[], object]) -> None:
    """Do ``action`` on the filter bar and wait for the reload it causes."""
    generation = page._generation
    action()
    await wait_until(lambda: page._generation != generation and not page.loading, timeout=3)


async def stored(services: Services, asset_id: int) -> AssetInfo:
    return (await services.library.get_assets([asset_id]))[0]


def stored_flag(services: Services, asset_id: int) -> str:
    """The flag on record, read at once on the calling thread."""
    with services.db.session() as s:
        return s.get(Asset, asset_id).flag  # type: ignore[union-attr]


# ---- the change feed -----------------------------------------------------------------------------------------
async def test_the_feed_merges_a_burst_into_one_delivery(qtbot) -> None:
    hub = ChangeHub()
    feed = ChangeFeed(hub, interval_ms=40)
    delivered: list[Changes] = []
    feed.changed.connect(delivered.append)
    for asset_id in range(1, 51):
        hub.publish(Changes(assets=frozenset({asset_id}), campaign_assets=frozenset({7})))
    feed.post(Changes(clients=frozenset({3}), external=True))
    (first,) = await wait_signal(feed.changed)
    assert first == Changes(assets=frozenset(range(1, 51)), campaign_assets=frozenset({7}), clients=frozenset({3}),
                            external=True)
    assert delivered == [first]
    feed.close()
    hub.publish(Changes(clients=frozenset({4})))  # a closed feed hears nothing more
    feed.flush()
    assert delivered == [first]


# ---- the details panel ----------------------------------------------------------------------------------------
async def test_the_details_panel_follows_filters_and_edits_and_never_shows_an_asset_outside_the_grid(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=5)
    assets = {a.original_name: a for a in await services.library.list_assets(campaign.id)}
    await services.library.add_tags([assets["photo 01.jpg"].id, assets["photo 02.jpg"].id], ["City"])
    async with open_page(services, qtbot, campaign) as page:
        page.select_ids([assets["photo 03.jpg"].id])
        assert page.detail.asset is not None and page.detail.asset.original_name == "photo 03.jpg"

        await refiltered(page, lambda: page.filter_bar.search.setText("city"))
        assert names(page) == ["photo 01.jpg", "photo 02.jpg"]
        assert panel_agrees_with_grid(page)
        assert page.detail.asset is None or page.detail.asset.original_name != "photo 03.jpg"

        page.select_ids([assets["photo 01.jpg"].id])
        assert page.detail.asset is not None and page.detail.asset.original_name == "photo 01.jpg"
        await services.library.remove_tags([assets["photo 01.jpg"].id], ["city"])  # it no longer passes the filter
        await wait_until(lambda: names(page) == ["photo 02.jpg"])
        assert panel_agrees_with_grid(page)
        assert page.detail.asset is None or page.detail.asset.original_name == "photo 02.jpg"

        page.select_ids([assets["photo 02.jpg"].id])
        await services.library.set_rating([assets["photo 02.jpg"].id], 4)  # an edit made elsewhere shows
        await wait_until(lambda: page.detail.asset is not None and page.detail.asset.rating == 4)
        assert page.detail.stars.rating == 4 and panel_agrees_with_grid(page)
        await services.library.delete_assets([assets["photo 02.jpg"].id])
        await wait_until(lambda: names(page) == [])
        assert page.detail.asset is None and panel_agrees_with_grid(page)

        await refiltered(page, lambda: page.filter_bar.search.clear())
        assert len(names(page)) == 4 and panel_agrees_with_grid(page)


async def test_assets_imported_elsewhere_are_appended_without_reloading_the_grid(services: Services, qtbot,
                                                                                tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=3)
    async with open_page(services, qtbot, campaign) as page:
        assert page.filter.sort is AssetSort.IMPORTED  # the filter holds the enum, not what Qt handed back
        keep = page.model.asset(1)
        assert keep is not None
        page.select_ids([keep.id])
        reloads = page._generation
        await services.library.import_sources(campaign.id, [str(p) for p in make_images(tmp_path / "new", 2, 40)])
        await wait_until(lambda: names(page)[-2:] == ["photo 40.jpg", "photo 41.jpg"])
        assert page._generation == reloads  # the new rows were read, the rest kept: no reset of the grid
        assert page.selected_ids() == [keep.id] and page.detail.asset == keep


async def test_the_panels_reject_button_saves_the_flag_and_lights_only_once_stored(
        services: Services, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        asset = page.model.asset(1)
        assert asset is not None
        page.select_ids([asset.id])
        reject = page.detail.flag_buttons[Flag.REJECT]
        assert page.detail.flag_buttons[Flag.NONE].isChecked()
        click(reject)
        assert not reject.isChecked()  # asked for, not stored yet
        lit_with: list[str] = []  # the stored flag at the moment the button lights
        reject.toggled.connect(lambda on: on and lit_with.append(stored_flag(services, asset.id)))
        await wait_until(reject.isChecked)
        assert lit_with == [Flag.REJECT.value]
        assert (await stored(services, asset.id)).flag is Flag.REJECT
        assert page.model.asset(1) is not None and page.model.asset(1).flag is Flag.REJECT  # type: ignore[union-attr]

        async def refused(_ids, _field, _value, **_options) -> Changes:  # type: ignore[no-untyped-def]
            raise LibraryError("the library is read-only")
        monkeypatch.setattr(services.library, "set_asset_field", refused)
        pick = page.detail.flag_buttons[Flag.PICK]
        click(pick)
        await wait_until(lambda: page.parts.last_notice() == "The flag was not saved: the library is read-only")
        assert not pick.isChecked() and reject.isChecked()  # what is lit is what is stored
        assert (await stored(services, asset.id)).flag is Flag.REJECT


async def test_switching_to_an_empty_campaign_empties_the_panel(services: Services, qtbot, tmp_path: Path) -> None:
    spring, _ = await campaign_with_images(services, tmp_path, count=3, name="Spring")
    autumn = (await services.library.create_campaign(spring.client_id, "Autumn")).value
    winter = (await services.library.create_campaign(spring.client_id, "Winter")).value
    await services.library.import_sources(winter.id, [str(p) for p in make_images(tmp_path / "w", 2, start=20)])
    async with open_window(services, qtbot, tmp_path) as window:
        page = window.workspace.assets_page
        await show_campaign(window, spring.id)
        page.select_ids([page.model.asset(2).id])  # type: ignore[union-attr]
        assert page.detail.asset is not None and page.detail.asset.original_name == "photo 02.jpg"

        await show_campaign(window, autumn.id)
        assert page.model.rowCount() == 0
        assert page.detail.asset is None and panel_agrees_with_grid(page)

        await show_campaign(window, spring.id)
        page.select_ids([page.model.asset(0).id])  # type: ignore[union-attr]
        await show_campaign(window, winter.id)
        assert page.model.rowCount() == 2
        assert panel_agrees_with_grid(page)
        assert page.detail.asset is None or page.detail.asset.id in {a.id for a in page.model.assets()}


# ---- the pair list --------------------------------------------------------------------------------------------
async def test_the_pair_list_keeps_its_place_when_its_own_saves_come_back(services: Services, qtbot,
                                                                         tmp_path: Path) -> None:
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=3)
    bridge = TaskBridge()
    page = pairs_page(services, bridge)
    qtbot.addWidget(page)
    page.show()
    page.set_campaign(campaign)
    await wait_until(lambda: page.model.rowCount() == 3 and not bridge.running_names())
    resets: list[int] = []
    page.model.modelReset.connect(lambda: resets.append(1))

    async def edit_and_hear_it_back(edit: Callable[[], object]) -> None:
        heard = asyncio.ensure_future(wait_signal(page.parts.feed.changed))
        edit()
        await heard  # the save's own change: the page reads the list again
        await wait_until(lambda: not bridge.running_names())

    page.select_row(0)
    await edit_and_hear_it_back(page.down_action.trigger)
    page.open_picker()
    assert page.picker is not None
    page.picker.choose(page.assets[0].id, page.assets[2].id)
    await edit_and_hear_it_back(page.picker.add_button.click)
    assert resets == []  # the stored list is the one shown: no reset
    assert page.current_row() == 3 and page.model.rowCount() == 4
    assert [p.position for p in page.model.pairs()] == [p.position for p in await services.pairing.list_pairs(
        campaign.id)]
    page.shutdown()
    await bridge.shutdown()


# ---- several parts of the window ----------------------------------------------------------------------------------
async def launch_local_job(page: JobsPage, duration_s: float = 2.0) -> JobState:
    """Launch a local job through the Generate dialog, as a user would."""
    previous = page.job.id if page.job is not None else None
    dialog = page.open_generate_dialog()
    assert dialog is not None
    await wait_until(lambda: dialog.plan is not None and dialog.plan.model.id == "local")
    dialog.resolution_combo.setCurrentText("480p")
    dialog.duration_spin.setValue(duration_s)
    await wait_until(lambda: dialog.plan is not None and dialog.plan.duration_s == duration_s
                     and dialog.plan.resolution == "480p")
    click(dialog.launch_button)
    await wait_until(lambda: page.job is not None and page.job.id != previous and page.generate_dialog is None)
    assert page.job is not None
    return page.job


async def test_the_ad_tab_lists_a_job_once_it_has_finished_clips(services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2)
    async with open_window(services, qtbot, tmp_path) as window:
        await show_campaign(window, campaign.id)
        ad = window.workspace.ad_page
        await wait_until(lambda: not window.bridge.is_running("ad-jobs"))
        assert ad.job_combo.count() == 0
        window.workspace.setCurrentWidget(window.workspace.jobs_page)
        job = await launch_local_job(window.workspace.jobs_page)
        await wait_until(lambda: ad.job_combo.findData(job.id) >= 0, timeout=30)
        window.workspace.setCurrentWidget(ad)
        await wait_until(lambda: ad.clip_list.count() == 2, timeout=30)
        assert ad.combine_button.isEnabled()


async def test_a_budget_raised_in_the_generate_dialog_shows_in_the_header_and_the_sidebar(
        services: Services, qtbot, tmp_path: Path) -> None:
    services.secrets.set(KeyName.REPLICATE, "r8_livetestkey0000000000000000000000000")
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=2, budget_usd=0.5)

    def tooltip() -> str:
        index = window.sidebar.model.index_of(Selection("campaign", campaign.id))
        return str(index.data(Qt.ItemDataRole.ToolTipRole))

    async with open_window(services, qtbot, tmp_path) as window:
        await show_campaign(window, campaign.id)
        assert window.campaign_header.summary.text() == "Draft · budget $0.50"
        assert tooltip().endswith("Draft · $0.50")
        dialog = window.workspace.jobs_page.open_generate_dialog()
        assert dialog is not None
        await wait_until(lambda: dialog.plan is not None and dialog.plan.model.provider == "replicate"
                         and dialog.plan.over_budget)
        click(dialog.raise_button)
        new_budget = dialog.budget_spin.value()
        assert new_budget > 0.5
        click(dialog.apply_budget_button)
        wanted = f"${format_budget(new_budget)}"
        await wait_until(lambda: window.campaign_header.summary.text() == f"Draft · budget {wanted}")
        await wait_until(lambda: tooltip().endswith(f"Draft · {wanted}"))
        await wait_until(lambda: dialog.plan is not None and not dialog.plan.over_budget)

        await services.library.update_campaign(campaign.id, budget_usd=750)  # the owner, from elsewhere
        await wait_until(lambda: window.campaign_header.summary.text() == "Draft · budget $750")
        await wait_until(lambda: tooltip().endswith("Draft · $750"))
        await wait_until(lambda: dialog.plan is not None and dialog.plan.budget_usd == 750)
        dialog.reject()


async def test_the_pair_picker_sees_new_imports_and_drops_rejected_images(services: Services, qtbot,
                                                                         tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_window(services, qtbot, tmp_path) as window:
        await show_campaign(window, campaign.id)
        pairs = window.workspace.pairs_page
        window.workspace.setCurrentWidget(pairs)
        await wait_until(lambda: len(pairs.assets) == 2)
        pairs.open_picker()
        picker = pairs.picker
        assert picker is not None and picker.isVisible() and picker.first_list.count() == 2

        window.workspace.assets_page.import_sources([str(p) for p in make_images(tmp_path / "more", 2, start=10)])
        await wait_until(lambda: picker.first_list.count() == 4 and picker.last_list.count() == 4, timeout=10)
        assert {picker.first_list.item(r).text() for r in range(4)} >= {"photo 10.jpg", "photo 11.jpg"}

        rejected = picker.first_list.item(0).data(ASSET_ROLE)
        await services.library.set_flag([rejected.id], Flag.REJECT)
        await wait_until(lambda: picker.first_list.count() == 3)
        picker.close()


async def test_a_job_finished_notice_is_withdrawn_when_another_job_starts(services: Services, qtbot,
                                                                         tmp_path: Path) -> None:
    campaign, _pairs = await campaign_with_pairs(services, tmp_path, pairs=1)
    async with open_window(services, qtbot, tmp_path) as window:
        await show_campaign(window, campaign.id)
        jobs = window.workspace.jobs_page
        window.workspace.setCurrentWidget(jobs)
        first = await launch_local_job(jobs)
        finished = f"Job {first.id} finished: 1 of 1 clips done."
        await wait_until(lambda: window.notice.text() == finished, timeout=30)

        second = await launch_local_job(jobs)
        assert window.bridge.is_running(f"job-{second.id}")
        assert window.notice.text() != finished  # withdrawn as the next job starts
        await wait_until(lambda: window.notice.text() == f"Job {second.id} finished: 1 of 1 clips done.", timeout=30)

        jobs.list_view.select_job(first.id)  # resuming an older job withdraws it too
        await wait_until(lambda: jobs.job is not None and jobs.job.id == first.id)
        jobs.run_job(first.id)
        assert window.notice.text() == ""
