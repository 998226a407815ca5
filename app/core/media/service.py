"""Combining a job's clips into one ad, and exporting it with its manifest."""

from __future__ import annotations

from app.config import LibraryPaths, SettingsStore
from app.core.db import Database
from app.core.library.service import LibraryService


class MediaService:
    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self.settings = settings

    async def aclose(self) -> None:
        """Stop running FFmpeg processes."""
