"""Filtering and sorting the grid: rating, flag, tag, text (debounced), import time, name, rating."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from app.core.domain import AssetFilter, AssetSort, Flag
from app.core.services import Services
from app.ui.assets.asset_grid import EMPTY_CAMPAIGN_TEXT, NO_MATCH_TEXT
from app.ui.assets.asset_model import asset_from_row
from app.ui.assets.filter_bar import DEBOUNCE_MS
from tests.ui.assets_helpers import campaign_with_images, open_page
from tests.ui.conftest import wait_until


async def _curated(services: Services, tmp_path: Path):
    """Five photos: ratings 0..4, photo 01 and 03 picked, photo 04 rejected, tags and notes on some."""
    campaign, _ = await campaign_with_images(services, tmp_path, count=5)
    assets = {a.original_name: a for a in await services.library.list_assets(campaign.id)}
    library = services.library
    for i in range(5):
        await library.set_rating([assets[f"photo {i:02d}.jpg"].id], i)
    await library.set_flag([assets["photo 01.jpg"].id, assets["photo 03.jpg"].id], Flag.PICK)
    await library.set_flag([assets["photo 04.jpg"].id], Flag.REJECT)
    await library.add_tags([assets["photo 00.jpg"].id, assets["photo 02.jpg"].id], ["Beach"])
    await library.set_notes(assets["photo 03.jpg"].id, "sunset over the BEACH bar")
    return campaign


def _names(page) -> list[str]:
    return [a.original_name for a in page.model.assets()]


async def _apply(page, action) -> None:
    """Do ``action`` on the filter bar and wait for the reload it causes."""
    generation = page._generation
    action()
    await wait_until(lambda: page._generation != generation and not page.loading, timeout=3)


async def test_filters_narrow_the_grid_and_combine(services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _curated(services, tmp_path)
    async with open_page(services, qtbot, campaign) as page:
        bar = page.filter_bar
        assert _names(page) == [f"photo {i:02d}.jpg" for i in range(5)]
        await _apply(page, lambda: bar.rating.setCurrentIndex(bar.rating.findData(2)))
        assert _names(page) == ["photo 02.jpg", "photo 03.jpg", "photo 04.jpg"]
        await _apply(page, lambda: bar.flag.setCurrentText("Not rejected"))
        assert _names(page) == ["photo 02.jpg", "photo 03.jpg"]
        await _apply(page, lambda: bar.flag.setCurrentText("Picked"))
        assert _names(page) == ["photo 03.jpg"]
        await _apply(page, lambda: bar.rating.setCurrentIndex(0))
        assert _names(page) == ["photo 01.jpg", "photo 03.jpg"]
        await _apply(page, lambda: bar.flag.setCurrentText("Rejected"))
        assert _names(page) == ["photo 04.jpg"]
        await _apply(page, lambda: bar.flag.setCurrentText("Unflagged"))
        assert _names(page) == ["photo 00.jpg", "photo 02.jpg"]
        await _apply(page, lambda: bar.flag.setCurrentText("Any flag"))
        await _apply(page, lambda: bar.tag.setText("beach"))
        assert _names(page) == ["photo 00.jpg", "photo 02.jpg"]
        await _apply(page, lambda: bar.tag.clear())
        await _apply(page, lambda: bar.search.setText("beach"))  # tags and notes, any case
        assert _names(page) == ["photo 00.jpg", "photo 02.jpg", "photo 03.jpg"]
        await _apply(page, lambda: bar.search.setText("04"))
        assert _names(page) == ["photo 04.jpg"]
        await _apply(page, lambda: bar.search.setText("nothing like this"))
        assert _names(page) == [] and page.grid.placeholder == NO_MATCH_TEXT
        await _apply(page, lambda: bar.search.clear())
        assert len(_names(page)) == 5 and page.grid.placeholder == EMPTY_CAMPAIGN_TEXT


async def test_sorting_by_name_rating_and_import_time(services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _curated(services, tmp_path)
    async with open_page(services, qtbot, campaign) as page:
        bar = page.filter_bar
        imported = _names(page)
        await _apply(page, lambda: bar.descending.setChecked(True))
        assert _names(page) == imported[::-1]
        await _apply(page, lambda: bar.sort.setCurrentIndex(bar.sort.findData(AssetSort.RATING)))
        assert [a.rating for a in page.model.assets()] == [4, 3, 2, 1, 0]
        await _apply(page, lambda: bar.descending.setChecked(False))
        assert [a.rating for a in page.model.assets()] == [0, 1, 2, 3, 4]
        await _apply(page, lambda: bar.sort.setCurrentIndex(bar.sort.findData(AssetSort.NAME)))
        assert _names(page) == sorted(imported)
        assert bar.current() == AssetFilter(sort=AssetSort.NAME)


async def test_typing_queries_once_after_a_pause_not_per_key(services: Services, qtbot, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    campaign = await _curated(services, tmp_path)
    async with open_page(services, qtbot, campaign) as page:
        asked: list[AssetFilter] = []
        original = services.library.list_asset_rows

        async def counting(campaign_id: int, filt: AssetFilter | None = None, **kwargs):
            asked.append(filt)
            return await original(campaign_id, filt, **kwargs)
        monkeypatch.setattr(services.library, "list_asset_rows", counting)
        QTest.keyClicks(page.filter_bar.search, "sunset")
        assert asked == []
        await wait_until(lambda: asked and not page.loading, timeout=DEBOUNCE_MS / 1000 + 3)
        assert [f.text for f in asked] == ["sunset"]
        assert _names(page) == ["photo 03.jpg"]


async def test_selection_survives_a_filter_change(services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _curated(services, tmp_path)
    async with open_page(services, qtbot, campaign) as page:
        keep = [page.model.asset(3).id]
        page.select_ids(keep)
        await _apply(page, lambda: page.filter_bar.rating.setCurrentIndex(page.filter_bar.rating.findData(3)))
        assert page.selected_ids() == keep and page.current_asset().id == keep[0]


async def test_paged_rows_equal_the_full_listing_for_every_filter(services: Services, tmp_path: Path) -> None:
    campaign = await _curated(services, tmp_path)
    filters = [AssetFilter(), AssetFilter(min_rating=2), AssetFilter(flags=frozenset({Flag.PICK, Flag.NONE})),
               AssetFilter(tag="BEACH"), AssetFilter(text="beach"), AssetFilter(sort=AssetSort.NAME, descending=True),
               AssetFilter(sort=AssetSort.RATING), AssetFilter(sort=AssetSort.IMPORTED, descending=True)]
    for filt in filters:
        expected = await services.library.list_assets(campaign.id, filt)
        paged = []
        while page := await services.library.list_asset_rows(campaign.id, filt, offset=len(paged), limit=2):
            paged.extend(page)
        assert [asset_from_row(r) for r in paged] == expected, filt
