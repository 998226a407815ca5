"""quality control of clips: the result of each clip's current attempt and of every attempt, and the campaign's
brand-check switch

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clips") as batch:
        batch.add_column(sa.Column("qc", sa.JSON(), nullable=True))
    with op.batch_alter_table("clip_attempts") as batch:
        batch.add_column(sa.Column("qc", sa.JSON(), nullable=True))
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("brand_check", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("brand_check")
    with op.batch_alter_table("clip_attempts") as batch:
        batch.drop_column("qc")
    with op.batch_alter_table("clips") as batch:
        batch.drop_column("qc")
