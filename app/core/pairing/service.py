"""Pair suggestions of a campaign: made by Grok or the local pairer, edited by the user, stored."""

from __future__ import annotations

from app.config import SettingsStore
from app.core.db import Database
from app.core.library.service import LibraryService
from app.core.secrets import SecretStore


class PairingService:
    def __init__(self, db: Database, library: LibraryService, settings: SettingsStore, secrets: SecretStore) -> None:
        self.db = db
        self.library = library
        self.settings = settings
        self.secrets = secrets

    async def aclose(self) -> None:
        """Close HTTP clients."""
