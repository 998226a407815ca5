"""Persistence on SQLite or PostgreSQL: typed models, the engines and the single worker thread, Alembic migrations,
the watchers of other processes' changes."""

from app.core.db.engine import Database, open_database

__all__ = ["Database", "open_database"]
