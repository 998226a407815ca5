"""Clients, campaigns and assets: the library's queries and curation, each one transaction on the db thread.

``LibraryService`` is assembled from one part per job: clients (``clients``), campaigns and the assets they use
(``campaigns``), reading and curating assets (``curation``), tags (``tags``), deleting assets and Undo
(``deletion``) and the asset grid's paged rows (``asset_rows``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

from app.config import LibraryPaths, SettingsStore
from app.core.db import Database
from app.core.domain import ImportProgress, ImportReport
from app.core.library.asset_rows import AssetRowsMixin
from app.core.library.campaigns import CampaignsMixin
from app.core.library.clients import ClientsMixin
from app.core.library.curation import CurationMixin
from app.core.library.deletion import DeletionMixin
from app.core.library.errors import LibraryError, NotesConflict
from app.core.library.records import DeletionImpact, campaign_info, client_info
from app.core.library.store import AssetStore
from app.core.library.tags import TagsMixin
from app.core.library.trash import Trash


class LibraryService(ClientsMixin, CampaignsMixin, CurationMixin, TagsMixin, DeletionMixin, AssetRowsMixin):
    """The one writer of clients, campaigns, assets and tags. Every public coroutine is one transaction on the
    database thread; every write returns its ``Changes`` (alone, or in an ``Op`` with what it made)."""

    def __init__(self, db: Database, paths: LibraryPaths, settings: SettingsStore) -> None:
        self.db = db
        self.paths = paths
        self.settings = settings
        self.store = AssetStore(paths.store)
        self.trash = Trash(paths.trash)

    async def import_sources(self, campaign_id: int, sources: Sequence[str],
                             on_progress: Callable[[ImportProgress], None] | None = None,
                             cancel: asyncio.Event | None = None) -> ImportReport:
        """Import files, folders (recursively) and http(s) URLs into a campaign; see ``importer``."""
        from app.core.library.importer import Importer
        return await Importer(self).run(campaign_id, sources, on_progress, cancel)


__all__ = ["DeletionImpact", "LibraryError", "LibraryService", "NotesConflict", "campaign_info", "client_info"]
