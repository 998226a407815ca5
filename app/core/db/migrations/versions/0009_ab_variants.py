"""A/B jobs: each pair made once per model (the clip's pair and variant), the variants' models, and the winners

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clips") as batch:
        batch.add_column(sa.Column("ab_pair", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("ab_variant", sa.String(length=1), nullable=True))
    op.create_table(
        "ab_variants",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=1), nullable=False),
        sa.Column("model_id", sa.String(length=100), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("resolution", sa.String(length=16), nullable=False),
        sa.Column("estimate_usd", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_ab_variants_job_id_jobs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "variant", name="pk_ab_variants"),
    )
    op.create_table(
        "ab_winners",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("pair", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=1), nullable=False),
        sa.Column("chosen_by", sa.String(length=200), nullable=False),
        sa.Column("chosen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name="fk_ab_winners_job_id_jobs", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("job_id", "pair", name="pk_ab_winners"),
    )


def downgrade() -> None:
    op.drop_table("ab_winners")
    op.drop_table("ab_variants")
    with op.batch_alter_table("clips") as batch:
        batch.drop_column("ab_variant")
        batch.drop_column("ab_pair")
