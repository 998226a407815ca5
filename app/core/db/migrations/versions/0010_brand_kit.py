"""the client's brand kit (logo, fonts, call to action) and each clip's focus point for crops

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("logo_asset_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("logo_file", sa.Text(), nullable=True))
        batch.add_column(sa.Column("logo_key_background", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("brand_fonts", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("cta", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("clips") as batch:
        batch.add_column(sa.Column("focus_x", sa.Float(), nullable=True))
        batch.add_column(sa.Column("focus_y", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clips") as batch:
        batch.drop_column("focus_y")
        batch.drop_column("focus_x")
    with op.batch_alter_table("clients") as batch:
        for name in ("cta", "brand_fonts", "logo_key_background", "logo_file", "logo_asset_id"):
            batch.drop_column(name)
