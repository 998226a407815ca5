"""versions of notes and prompts (a stale save is refused), and who imported, rated, flagged and launched

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_WHO = sa.String(length=200)


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("notes_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("notes_by", _WHO, nullable=False, server_default=""))
        batch.add_column(sa.Column("imported_by", _WHO, nullable=False, server_default=""))
        batch.add_column(sa.Column("rated_by", _WHO, nullable=False, server_default=""))
        batch.add_column(sa.Column("flagged_by", _WHO, nullable=False, server_default=""))
    with op.batch_alter_table("pair_suggestions") as batch:
        batch.add_column(sa.Column("prompt_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("prompt_by", _WHO, nullable=False, server_default=""))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("launched_by", _WHO, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("launched_by")
    with op.batch_alter_table("pair_suggestions") as batch:
        batch.drop_column("prompt_by")
        batch.drop_column("prompt_version")
    with op.batch_alter_table("assets") as batch:
        for name in ("flagged_by", "rated_by", "imported_by", "notes_by", "notes_version"):
            batch.drop_column(name)
