"""The library database: migrations from the first revision to head, WAL, foreign keys, backups."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.core.db.engine import MIGRATIONS_DIR, current_revision, head_revision, make_engine, migrate, open_database
from app.core.db.models import Base


def _revisions() -> list[str]:
    return [r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()))]


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")  # SQLite's reflection
def test_an_empty_database_upgrades_through_every_revision_to_head(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    engine = make_engine(path)
    for revision in _revisions():
        migrate(engine, path, tmp_path / "backups", target=revision)
        assert current_revision(engine) == revision
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "the models and the migrations disagree: add a migration"
    engine.dispose()


def test_the_head_revision_is_the_newest_migration() -> None:
    newest = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head_revision() == newest, f"a migration was added: set HEAD_REVISION in app/core/db/engine.py to {newest}"


def test_opening_sets_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = open_database(tmp_path / "library.sqlite3")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    db.close()


def test_an_older_schema_is_backed_up_before_it_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    engine = make_engine(path)
    assert migrate(engine, path, tmp_path / "backups", target=_revisions()[0]) is None  # a new file: no backup
    engine.dispose()
    db = open_database(path, tmp_path / "backups")
    backups = list((tmp_path / "backups").glob("library-*.sqlite3"))
    assert len(backups) == 1 and backups[0].stat().st_size > 0
    assert current_revision(db.engine) == head_revision()
    db.close()
