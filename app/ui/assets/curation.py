"""Curation of the grid's assets, each edit an undoable command of the window's history.

Every edit calls a library operation that returns what it replaced (the ratings before, the assets a tag was added
to, the links a removal cut, everything a deletion took); Undo hands that back to the inverse operation. The grid
does not change its rows itself: every operation announces its ``Changes``, and the page refreshes the rows they
name from the database, so what is shown is what was stored (or nothing changes when a write failed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal

from app.core.domain import AssetFieldValues, ColorLabel, Flag, Membership, TagEdit, TrashedAssets
from app.core.library.service import LibraryService, NotesConflict
from app.ui.assets.tag_editor import clean_tag
from app.ui.bridge import TaskBridge
from app.ui.history import Command, History
from app.ui.notices import Notices
from app.ui.theme import LABEL_NAMES
from app.ui.wording import plural

CHUNK = 900  # ids per transaction: SQLite binds one parameter per id, and long writes would hold others up
FLAG_VERBS = {Flag.PICK: "Pick", Flag.REJECT: "Reject", Flag.NONE: "Unflag"}


def _chunks(ids: Sequence[int]) -> list[list[int]]:
    return [list(ids[i:i + CHUNK]) for i in range(0, len(ids), CHUNK)]


def _images(ids: Sequence[int]) -> str:
    return plural(len(ids), "image")


def rating_text(count: int, rating: int) -> str:
    """The undo text of a rating: "Rate 3 images 4★" or "Clear the rating of 3 images"."""
    images = plural(count, "image")
    return f"Rate {images} {rating}★" if rating else f"Clear the rating of {images}"


class Curator(QObject):
    """Rating, flag, colour label, tags, notes, removal and deletion of assets; failures become notices."""

    removed = Signal(int, list)  # campaign id (0: deleted from the library), asset ids
    tags_changed = Signal()
    notes_undone = Signal()  # a notes edit was undone: a panel may still show the typed text (its row may not change)
    notes_saved = Signal(int, int)  # asset id, its new notes_version
    notes_conflict = Signal(object, str)  # NotesConflict (their text, version, who), my text

    def __init__(self, library: LibraryService, bridge: TaskBridge, notices: Notices, history: History,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.notices = notices
        self.history = history
        self.known_tags: list[str] = []

    # ---- marks: rating, flag, label, notes --------------------------------------------------------------
    def set_rating(self, ids: Sequence[int], rating: int) -> Command | None:
        return self._set_field(ids, "rating", rating, rating_text(len(ids), rating), "The rating was not saved")

    def set_flag(self, ids: Sequence[int], flag: Flag) -> Command | None:
        return self._set_field(ids, "flag", flag, f"{FLAG_VERBS[flag]} {_images(ids)}", "The flag was not saved")

    def set_label(self, ids: Sequence[int], label: ColorLabel) -> Command | None:
        text = (f"Label {_images(ids)} {LABEL_NAMES[label].lower()}" if label is not ColorLabel.NONE
                else f"Remove the label of {_images(ids)}")
        return self._set_field(ids, "label", label, text, "The label was not saved")

    def set_notes(self, asset_id: int, notes: str, version: int | None = None) -> Command | None:
        """Save notes read at ``version``: a save made after someone else's is refused and offered for merging
        (``notes_conflict``); a saved one reports its new version (``notes_saved``)."""
        def saved(values: AssetFieldValues) -> None:
            for saved_id, saved_version in values.versions:
                self.notes_saved.emit(saved_id, saved_version)

        def refused(exc: BaseException) -> None:
            if isinstance(exc, NotesConflict):
                self.notes_conflict.emit(exc, notes)  # the page offers both texts to merge
            else:
                self.notices.error("The notes were not saved", exc)
        return self._set_field([asset_id], "notes", notes, "Edit notes", "The notes were not saved",
                               undone=self.notes_undone.emit, version=version, saved=saved, refused=refused)

    def _set_field(self, ids: Sequence[int], field: str, value: object, text: str, failure: str,
                   undone: Callable[[], None] | None = None, *, version: int | None = None,
                   saved: Callable[[AssetFieldValues], None] | None = None,
                   refused: Callable[[BaseException], None] | None = None) -> Command | None:
        ids = list(ids)
        if not ids:
            return None
        replaced: list[AssetFieldValues] = []
        base = [version]  # the version the edit was made on: checked the first time only (a Redo repeats it)

        async def do() -> None:
            replaced.clear()
            read_at, base[0] = base[0], None
            for chunk in _chunks(ids):
                replaced.append((await self.library.set_asset_field(chunk, field, value, version=read_at)).value)
            if saved is not None:
                for values in replaced:
                    saved(values)

        async def undo() -> None:
            for previous in reversed(replaced):
                await self.library.restore_asset_field(previous)
            if undone is not None:
                undone()
        return self.history.push(text, do, undo, failure, on_error=refused)

    # ---- tags --------------------------------------------------------------------------------------
    def add_tag(self, ids: Sequence[int], name: str) -> Command | None:
        """Tag every asset of ``ids``; an existing tag keeps its spelling (tags match without case)."""
        name = clean_tag(name)
        if not name or not ids:
            return None
        name = next((t for t in self.known_tags if t.lower() == name.lower()), name)
        return self._tag(list(ids), name, adding=True)

    def remove_tag(self, ids: Sequence[int], name: str) -> Command | None:
        return self._tag(list(ids), name, adding=False) if ids else None

    def _tag(self, ids: list[int], name: str, *, adding: bool) -> Command:
        edits: list[TagEdit] = []

        async def do() -> None:
            edits.clear()
            for chunk in _chunks(ids):
                call = self.library.tag_assets if adding else self.library.untag_assets
                edits.append((await call(chunk, name)).value)

        async def undo() -> None:
            for edit in reversed(edits):
                await self.library.revert_tag_edit(edit)
        text = f"{'Tag' if adding else 'Untag'} {_images(ids)} “{name}”"
        return self.history.push(text, do, undo, "The tag was not added" if adding else "The tag was not removed")

    # ---- removal and deletion ----------------------------------------------------------------------------
    def remove_from_campaign(self, campaign_id: int, ids: Sequence[int]) -> Command | None:
        """Unlink from the campaign; the assets stay in the client's library."""
        ids = list(ids)
        if not ids:
            return None
        memberships: list[Membership] = []

        async def do() -> None:
            memberships.clear()
            for chunk in _chunks(ids):
                memberships.append((await self.library.unlink_assets(campaign_id, chunk)).value)
            self.removed.emit(campaign_id, ids)

        async def undo() -> None:
            for membership in reversed(memberships):
                await self.library.restore_membership(membership)
        return self.history.push(f"Remove {_images(ids)} from the campaign", do, undo, "The images were not removed")

    def delete_from_library(self, ids: Sequence[int]) -> Command | None:
        """Delete the assets; their files wait in the library's trash, so Undo brings everything back."""
        current = list(ids)
        if not current:
            return None
        trashed: list[TrashedAssets] = []

        async def do() -> None:
            trashed.clear()
            for chunk in _chunks(current):
                trashed.append((await self.library.trash_assets(chunk)).value)
            self.removed.emit(0, list(current))

        async def undo() -> None:
            restored: list[int] = []
            for deletion in reversed(trashed):
                restored.extend((await self.library.restore_trashed(deletion)).value.asset_ids)
            current[:] = restored  # a Redo deletes them under the ids they have now
        return self.history.push(f"Delete {_images(current)} from the library", do, undo,
                                 "The images were not deleted")

    # ---- known tags ------------------------------------------------------------------------------------
    def refresh_known_tags(self) -> None:
        self.bridge.run("assets-tags", self.library.all_tags(), on_done=self._known_tags,
                        on_error=lambda exc: self.notices.error("The tags could not be listed", exc))

    def _known_tags(self, names: list[str]) -> None:
        self.known_tags = names
        self.tags_changed.emit()
