"""Alembic environment: runs against the engine the application hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from app.core.db.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
