"""Alembic environment: runs against the engine the application hands over in ``config.attributes``.

On SQLite, a batch operation rebuilds a table (copy, drop, rename). With foreign keys on, dropping ``jobs`` would
cascade-delete every clip: so migrations run with foreign keys off (SQLite ignores the pragma inside a
transaction, hence on the driver's connection before the migration's transaction begins), and a foreign key
check afterwards refuses to commit a schema whose references broke.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from app.core.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite and (broken := connection.execute(text("PRAGMA foreign_key_check")).all()):
                raise RuntimeError(f"the migration broke {len(broken)} reference(s), e.g. {broken[0]}")
    finally:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
