"""Alembic environment: runs against the engine the application hands over in ``config.attributes``.

On PostgreSQL the migration holds an advisory lock for its transaction, so two workstations starting a new version
at once migrate one after the other (the second finds the schema current and does nothing).
"""

from __future__ import annotations

from alembic import context

from app.core.db.models import Base

MIGRATION_LOCK = 0x70616972  # the same number as app.core.db.engine.MIGRATION_LOCK

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
