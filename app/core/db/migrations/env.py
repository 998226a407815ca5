"""Alembic environment: runs against the engine the application hands over in ``config.attributes``.

On SQLite, a batch operation rebuilds a table (copy, drop, rename). With foreign keys on, dropping ``jobs`` would
cascade-delete every clip: so migrations run with foreign keys off (SQLite ignores the pragma inside a
transaction, hence on the driver's connection before the migration's transaction begins), and a foreign key
check afterwards refuses to commit a schema whose references broke.
On PostgreSQL the migration holds an advisory lock for its transaction, so two workstations starting a new version
at once migrate one after the other (the second finds the schema current and does nothing).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from app.core.db.models import Base

MIGRATION_LOCK = 0x70616972  # the same number as app.core.db.engine.MIGRATION_LOCK

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite and (broken := connection.execute(text("PRAGMA foreign_key_check")).all()):
                raise RuntimeError(f"the migration broke {len(broken)} reference(s), e.g. {broken[0]}")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
