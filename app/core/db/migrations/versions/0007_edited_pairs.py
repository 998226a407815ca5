"""pairs remember that a person edited them, so a new suggestion run asks before replacing the list

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 10:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pair_suggestions") as batch:
        batch.add_column(sa.Column("edited", sa.Boolean(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("pair_suggestions") as batch:
        batch.drop_column("edited")
