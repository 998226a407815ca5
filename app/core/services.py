"""The composition root: opens one library folder and builds its services once."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from app.config import LibraryPaths, SettingsStore, library_paths
from app.core.atomic import remove_stale_temp_files
from app.core.db import Database, open_database
from app.core.db.engine import open_server_database
from app.core.db.location import LibraryLocation
from app.core.generation.service import GenerationService
from app.core.library.service import LibraryService
from app.core.library.trash import KEEP_DAYS
from app.core.money.service import MoneyService
from app.core.pairing.service import PairingService
from app.core.secrets import SecretStore

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Services:
    """Everything one open library offers. Only the composition roots (the CLI, the app's start-up) hold this;
    each page and command takes just the services it uses."""

    paths: LibraryPaths
    location: LibraryLocation
    settings: SettingsStore
    db: Database
    secrets: SecretStore
    library: LibraryService
    pairing: PairingService
    generation: GenerationService
    money: MoneyService

    def remove_stale_files(self) -> int:
        """Remove temporary files that interrupted writes left behind, and originals in the trash for more than
        30 days (blocking: walks the store)."""
        removed = 0
        for folder in (self.paths.store, self.paths.thumbs, self.paths.previews, self.paths.jobs,
                       self.paths.exports):
            removed += remove_stale_temp_files(folder)
        if removed:
            log.info("removed %d unfinished temporary files from the library folder", removed)
        if expired := self.library.trash.empty(timedelta(days=KEEP_DAYS)):
            log.info("emptied %d originals deleted more than %d days ago from the trash", expired, KEEP_DAYS)
        return removed

    async def aclose(self) -> None:
        """Close HTTP clients and stop subprocesses, then the database."""
        for service in (self.generation, self.pairing):
            with contextlib.suppress(Exception):
                await service.aclose()
        self.db.close()


def open_services(where: Path | LibraryLocation, secrets: SecretStore | None = None,
                  password: str | None = None) -> Services:
    """Open (creating and migrating if needed) the library in the folder or at the location ``where``.

    A team library's database password is ``password`` when given, else the one in the keyring, else libpq's own
    (``PGPASSWORD``, ``~/.pgpass``).
    """
    location = where if isinstance(where, LibraryLocation) else LibraryLocation(where)
    paths = library_paths(location).ensure()
    secrets = secrets or SecretStore()
    if location.server is None:
        db = open_database(paths.database, paths.backups)
    else:
        password = password or secrets.database_password(location.server.account)
        db = open_server_database(location.server, password, paths.backups)
    settings = SettingsStore(paths.settings, db.changes)
    library = LibraryService(db, paths, settings)
    return Services(
        paths=paths, location=location, settings=settings, db=db, secrets=secrets, library=library,
        pairing=PairingService(db, library, settings, secrets),
        generation=GenerationService(db, library, paths, settings, secrets),
        money=MoneyService(db, settings, secrets),
    )
