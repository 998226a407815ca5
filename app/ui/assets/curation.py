"""Curation actions of the grid, each one operation of the library service.

The grid does not change its rows itself: every operation announces its ``Changes``, and the page refreshes the
rows they name from the database, so what is shown is what was stored (or nothing changes when a write failed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from PySide6.QtCore import QObject, Signal

from app.core.changes import Changes
from app.core.domain import Flag
from app.core.library.service import LibraryService, NotesConflict
from app.ui.assets.tag_editor import clean_tag
from app.ui.bridge import TaskBridge
from app.ui.notices import Notices

CHUNK = 900  # ids per service call: SQLite binds one parameter per id


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


class Curator(QObject):
    """Rating, flag, tags, notes, removal and deletion of assets; failures become notices."""

    removed = Signal(int, list)  # campaign id (0: deleted from the library), asset ids
    tags_changed = Signal()
    notes_saved = Signal(int, int)  # asset id, its new notes_version
    notes_conflict = Signal(object, str)  # NotesConflict (their text, version, who), my text

    def __init__(self, library: LibraryService, bridge: TaskBridge, notices: Notices,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.notices = notices
        self.known_tags: list[str] = []

    def set_rating(self, ids: Sequence[int], rating: int) -> None:
        self._apply(ids, lambda chunk: self.library.set_rating(chunk, rating), "The rating was not saved")

    def set_flag(self, ids: Sequence[int], flag: Flag) -> None:
        self._apply(ids, lambda chunk: self.library.set_flag(chunk, flag), "The flag was not saved")

    def add_tag(self, ids: Sequence[int], name: str) -> None:
        """Tag every asset of ``ids``; an existing tag keeps its spelling (tags match without case)."""
        name = clean_tag(name)
        if not name or not ids:
            return
        name = next((t for t in self.known_tags if t.lower() == name.lower()), name)
        self._apply(ids, lambda chunk: self.library.add_tags(chunk, [name]), "The tag was not added")

    def remove_tag(self, ids: Sequence[int], name: str) -> None:
        self._apply(ids, lambda chunk: self.library.remove_tags(chunk, [name]), "The tag was not removed")

    def set_notes(self, asset_id: int, notes: str, version: int | None = None) -> None:
        """Save notes read at ``version``; someone else's save in between is reported through ``notes_conflict``."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, NotesConflict):
                self.notes_conflict.emit(exc, notes)
            else:
                self.notices.error("The notes were not saved", exc)

        self.bridge.run("assets-notes", self.library.set_notes(asset_id, notes, version=version),
                        on_done=lambda op: self.notes_saved.emit(asset_id, op.value.notes_version),
                        on_error=failed, replace=False)

    def remove_from_campaign(self, campaign_id: int, ids: Sequence[int]) -> None:
        """Unlink from the campaign; the assets stay in the client's library."""
        ids = list(ids)
        self._apply(ids, lambda chunk: self.library.remove_from_campaign(campaign_id, chunk),
                    "The images were not removed", then=lambda: self.removed.emit(campaign_id, ids))

    def delete_from_library(self, ids: Sequence[int]) -> None:
        """Delete the assets; the service drops a stored file once no asset needs it."""
        ids = list(ids)

        async def delete(chunk: list[int]) -> Changes:
            return (await self.library.delete_assets(chunk)).changes
        self._apply(ids, delete, "The images were not deleted", then=lambda: self.removed.emit(0, ids))

    def refresh_known_tags(self) -> None:
        self.bridge.run("assets-tags", self.library.all_tags(), on_done=self._known_tags,
                        on_error=lambda exc: self.notices.error("The tags could not be listed", exc))

    # ---- helpers ---------------------------------------------------------------------------------------
    def _apply(self, ids: Sequence[int], call: Callable[[list[int]], Awaitable[Changes]], failure: str,
               then: Callable[[], None] | None = None) -> None:
        ids = list(ids)
        if not ids:
            return

        async def work() -> None:
            for chunk in _chunks(ids):
                await call(chunk)
        self.bridge.run("assets-curate", work(), on_done=lambda _: then() if then else None,
                        on_error=lambda exc: self.notices.error(failure, exc), replace=False)

    def _known_tags(self, names: list[str]) -> None:
        self.known_tags = names
        self.tags_changed.emit()
