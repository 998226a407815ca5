"""working time of jobs and clips: seconds a process drove them, not the time the app was closed

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TERMINAL = ("succeeded", "failed", "canceled")


def upgrade() -> None:
    for table in ("jobs", "clips"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("working_s", sa.Float(), nullable=False, server_default="0"))
            batch.add_column(sa.Column("working_since", sa.DateTime(), nullable=True))
    # Finished work keeps the time it showed before (start to finish): the best the old rows can tell.
    connection = op.get_bind()
    for table, start in (("jobs", "created_at"), ("clips", "started_at")):
        rows = connection.execute(sa.text(f"SELECT id, {start}, finished_at FROM {table} "
                                          f"WHERE status IN {TERMINAL} AND {start} IS NOT NULL "
                                          "AND finished_at IS NOT NULL")).all()
        for row_id, started, finished in rows:
            seconds = (_moment(finished) - _moment(started)).total_seconds()
            connection.execute(sa.text(f"UPDATE {table} SET working_s = :s WHERE id = :id"),
                               {"s": max(0.0, seconds), "id": row_id})


def _moment(value: object) -> datetime:
    """A stored timestamp as a datetime (SQLite hands back text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def downgrade() -> None:
    for table in ("clips", "jobs"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("working_since")
            batch.drop_column("working_s")
