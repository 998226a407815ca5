"""Jobs and clips: estimate, launch every clip at once, track, cancel, retry, resume."""

from __future__ import annotations

from app.config import LibraryPaths, SettingsStore
from app.core.db import Database
from app.core.library.service import LibraryService
from app.core.secrets import SecretStore


class GenerationService:
    def __init__(self, db: Database, library: LibraryService, paths: LibraryPaths, settings: SettingsStore,
                 secrets: SecretStore) -> None:
        self.db = db
        self.library = library
        self.paths = paths
        self.settings = settings
        self.secrets = secrets

    async def aclose(self) -> None:
        """Stop tracking (clips stay resumable) and close HTTP clients."""
