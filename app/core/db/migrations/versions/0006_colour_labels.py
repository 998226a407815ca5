"""colour labels of assets (red, yellow, green, blue, purple), as Lightroom and Bridge have them

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("color_label", sa.String(length=8), nullable=False, server_default="none"))


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.drop_column("color_label")
