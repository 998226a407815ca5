"""Curation actions of the grid: each goes through the library service, then updates the model rows in place."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QObject, Signal

from app.core.domain import AssetInfo, Flag
from app.core.library.service import LibraryService
from app.ui.assets.asset_model import AssetModel
from app.ui.assets.tag_editor import clean_tag
from app.ui.bridge import TaskBridge, describe_error

CHUNK = 900  # ids per service call: SQLite binds one parameter per id


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


class Curator(QObject):
    """Rating, flag, tags, notes, removal and deletion of assets shown by one model."""

    failed = Signal(str)  # a message for the user
    removed = Signal(int, list)  # campaign id (0: deleted from the library), asset ids
    tags_changed = Signal()

    def __init__(self, library: LibraryService, bridge: TaskBridge, model: AssetModel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.model = model
        self.known_tags: list[str] = []

    def set_rating(self, ids: Sequence[int], rating: int) -> None:
        self._apply(ids, lambda chunk: self.library.set_rating(chunk, rating),
                    lambda a: dataclasses.replace(a, rating=rating))

    def set_flag(self, ids: Sequence[int], flag: Flag) -> None:
        self._apply(ids, lambda chunk: self.library.set_flag(chunk, flag),
                    lambda a: dataclasses.replace(a, flag=flag))

    def add_tag(self, ids: Sequence[int], name: str) -> None:
        """Tag every asset of ``ids``; an existing tag keeps its spelling (tags match without case)."""
        name = clean_tag(name)
        if not name or not ids:
            return
        name = next((t for t in self.known_tags if t.lower() == name.lower()), name)

        def change(asset: AssetInfo) -> AssetInfo:
            if any(t.lower() == name.lower() for t in asset.tags):
                return asset
            return dataclasses.replace(asset, tags=tuple(sorted((*asset.tags, name))))
        self._apply(ids, lambda chunk: self.library.add_tags(chunk, [name]), change, tags=True)

    def remove_tag(self, ids: Sequence[int], name: str) -> None:
        def change(asset: AssetInfo) -> AssetInfo:
            return dataclasses.replace(asset, tags=tuple(t for t in asset.tags if t.lower() != name.lower()))
        self._apply(ids, lambda chunk: self.library.remove_tags(chunk, [name]), change)

    def set_notes(self, asset_id: int, notes: str) -> None:
        """Notes show at once (they are the user's own text) and are saved behind."""
        self.model.update_assets([asset_id], lambda a: dataclasses.replace(a, notes=notes))
        self.bridge.run("assets-notes", self.library.set_notes(asset_id, notes), on_error=self._failed,
                        replace=False)

    def remove_from_campaign(self, campaign_id: int, ids: Sequence[int]) -> None:
        """Unlink from the campaign; the assets stay in the client's library."""
        ids = list(ids)

        async def work() -> None:
            for chunk in _chunks(ids):
                await self.library.remove_from_campaign(campaign_id, chunk)
        self.bridge.run("assets-remove", work(), on_done=lambda _: self._gone(campaign_id, ids),
                        on_error=self._failed, replace=False)

    def delete_from_library(self, ids: Sequence[int]) -> None:
        """Delete the assets; the service drops a stored file once no asset needs it."""
        ids = list(ids)

        async def work() -> None:
            for chunk in _chunks(ids):
                await self.library.delete_assets(chunk)
        self.bridge.run("assets-delete", work(), on_done=lambda _: self._gone(0, ids), on_error=self._failed,
                        replace=False)

    def refresh_known_tags(self) -> None:
        self.bridge.run("assets-tags", self.library.all_tags(), on_done=self._known_tags, on_error=self._failed)

    # ---- helpers ---------------------------------------------------------------------------------------
    def _apply(self, ids: Sequence[int], call: Callable[[list[int]], Awaitable[None]],
               change: Callable[[AssetInfo], AssetInfo], *, tags: bool = False) -> None:
        ids = list(ids)
        if not ids:
            return

        async def work() -> None:
            for chunk in _chunks(ids):
                await call(chunk)

        def done(_: None) -> None:
            self.model.update_assets(ids, change)
            if tags:
                self.refresh_known_tags()
        self.bridge.run("assets-curate", work(), on_done=done, on_error=self._failed, replace=False)

    def _gone(self, campaign_id: int, ids: list[int]) -> None:
        self.model.remove_ids(ids)
        self.removed.emit(campaign_id, ids)

    def _known_tags(self, names: list[str]) -> None:
        self.known_tags = names
        self.tags_changed.emit()

    def _failed(self, exc: BaseException) -> None:
        self.failed.emit(describe_error(exc))
