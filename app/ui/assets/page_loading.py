"""The assets page's rows: a campaign's assets read in pages (first screen first), and kept in step with the change
feed and the filter."""

from __future__ import annotations

from PySide6.QtCore import Signal, SignalInstance
from PySide6.QtWidgets import QLabel, QStackedWidget

from app.core.changes import Changes
from app.core.domain import AssetFilter, AssetSort, CampaignInfo
from app.core.library.service import LibraryService
from app.ui.assets.asset_grid import EMPTY_CAMPAIGN_TEXT, NO_MATCH_TEXT, AssetGrid
from app.ui.assets.asset_model import AssetModel, imported_order
from app.ui.assets.curation import Curator
from app.ui.assets.detail_panel import DetailPanel
from app.ui.assets.filter_bar import FilterBar, filter_from_json, filter_to_json, is_narrowing
from app.ui.bridge import TaskBridge
from app.ui.notices import Notices
from app.ui.preferences import Preferences
from app.ui.thumbnail_loader import ThumbnailLoader

FIRST_PAGE = 1500  # rows asked first: more than one screen at the smallest zoom
PAGE = 50_000  # then the rest, in as few pages as possible: each append re-lays out every row
RELOAD_ABOVE = 2000  # a change naming more assets than this reloads the grid instead of reading them one by one


class CampaignLoadingMixin:
    """Part of ``AssetsPage``: which campaign is shown, and its rows read, refreshed and filtered."""

    load_finished: Signal | SignalInstance
    library: LibraryService
    bridge: TaskBridge
    loader: ThumbnailLoader
    notices: Notices
    preferences: Preferences
    curator: Curator
    grid: AssetGrid
    model: AssetModel
    detail: DetailPanel
    filter_bar: FilterBar
    stack: QStackedWidget
    no_campaign: QLabel
    campaign: CampaignInfo | None
    filter: AssetFilter
    loading: bool
    _generation: int
    _pending_selection: list[int]

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        """Show ``campaign``'s assets (None: a quiet placeholder)."""
        if campaign is not None and self.campaign is not None and campaign.id == self.campaign.id:
            self.campaign = campaign  # renamed or edited: same assets
            return
        self.detail.flush_notes()
        self._close_preview()
        self.campaign = campaign
        self._generation += 1
        self._pending_selection = []
        self.bridge.cancel("assets-load")
        self.loader.forget_pending()
        saved = self.preferences.document(self._filter_key()) if campaign is not None else {}
        self.filter_bar.set_filter(filter_from_json(saved))
        self.filter = self.filter_bar.current()
        self.model.clear()
        if campaign is None:
            self.stack.setCurrentWidget(self.no_campaign)
            self.loading = False
            return
        self.stack.setCurrentIndex(1)
        self.reload()
        self.curator.refresh_known_tags()

    def reload(self, select_ids: list[int] | None = None) -> None:
        """Query the campaign's assets again (first screen first); keep or set the selection by id."""
        if self.campaign is None:
            return
        keep = select_ids if select_ids is not None else self.selected_ids()
        self._pending_selection = list(dict.fromkeys(keep))
        self._generation += 1
        self.loading = True
        self._update_counts()
        self.bridge.run("assets-load", self._load(self.campaign.id, self.filter, self._generation),
                        on_error=self._load_failed)

    async def _load(self, campaign_id: int, filt: AssetFilter, generation: int) -> None:
        library = self.library
        offset, limit, after = 0, FIRST_PAGE, None
        while True:  # each page starts after the last row of the one before (keyset: deep pages cost no more)
            page = await library.list_asset_rows(campaign_id, filt, offset=offset, limit=limit, after=after)
            if generation != self._generation:
                return
            if offset == 0:
                self.loader.forget_pending()
                self.grid.set_placeholder(NO_MATCH_TEXT if is_narrowing(filt) else EMPTY_CAMPAIGN_TEXT)
                self.model.set_rows(page)
            else:
                self.model.append_rows(page)
            self._apply_pending_selection()
            offset += len(page)
            after = page[-1][0] if page else None
            if len(page) < limit:
                break
            limit = PAGE
        self.loading = False
        self._update_counts()
        self.load_finished.emit()

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self._update_counts()
        self.notices.error("The images could not be listed", exc, key="assets-load")

    # ---- changes ------------------------------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        """Refresh what ``changes`` touched of the shown campaign: its rows, its members, the tag list."""
        if self.campaign is None:
            return
        campaign_id = self.campaign.id
        if changes.tags or changes.everything:
            self.curator.refresh_known_tags()
        members_changed = changes.campaign_assets_of(campaign_id)
        if changes.everything or (members_changed and (not changes.assets or len(changes.assets) > RELOAD_ABOVE)):
            self.reload()
            return
        shown = self.model.ids()
        may_enter = members_changed or is_narrowing(self.filter)  # a new member, or an edit that now passes
        touched = [i for i in changes.assets if i in shown or may_enter][:RELOAD_ABOVE + 1]
        if len(touched) > RELOAD_ABOVE:
            self.reload()
            return
        if touched:
            self._refresh_rows(campaign_id, touched)

    def _refresh_rows(self, campaign_id: int, ids: list[int]) -> None:
        """Read ``ids`` again: shown rows update or go (deleted, removed, filtered out); new members arrive."""
        filt, generation = self.filter, self._generation

        def arrived(rows: list[tuple]) -> None:
            if generation != self._generation or self.campaign is None or self.campaign.id != campaign_id:
                return
            found = {row[0] for row in rows}
            self.model.remove_ids(i for i in ids if i not in found)
            self.model.replace_rows(rows)
            fresh = sorted((row for row in rows if self.model.row_of(row[0]) is None), key=imported_order)
            last = self.model.last_row()
            if fresh and filt.sort is AssetSort.IMPORTED and not filt.descending and \
                    (last is None or imported_order(fresh[0]) > imported_order(last)):
                self.model.append_rows(fresh)  # new imports sort last: their place is the end
            elif fresh:  # e.g. an image put back by Undo: its place is among the others
                self.reload()
        self.bridge.run(f"assets-refresh-{campaign_id}",
                        self.library.list_asset_rows(campaign_id, filt, limit=len(ids), only_ids=ids),
                        on_done=arrived, on_error=self._load_failed, replace=False)

    def _filter_changed(self, filt: AssetFilter) -> None:
        self.filter = filt
        if self.campaign is not None:
            self.preferences.set_document(self._filter_key(), filter_to_json(filt))
        self.reload()

    def _filter_key(self) -> str:
        return self.preferences.library_key(f"campaigns/{self.campaign.id if self.campaign else 0}/asset_filter")
