"""SQLite persistence: typed models, the engine and its single worker thread, Alembic migrations."""

from app.core.db.engine import Database, open_database

__all__ = ["Database", "open_database"]
