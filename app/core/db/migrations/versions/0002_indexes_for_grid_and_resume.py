"""indexes for the asset grid's sorts and for resuming in-flight clips

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_assets_rating", "assets", ["rating"])
    op.create_index("ix_clips_status", "clips", ["status"])
    op.create_index("ix_pair_suggestions_campaign_position", "pair_suggestions", ["campaign_id", "position"])
    op.drop_index("ix_pair_suggestions_campaign_id", "pair_suggestions")  # the new index covers it


def downgrade() -> None:
    op.create_index("ix_pair_suggestions_campaign_id", "pair_suggestions", ["campaign_id"])
    op.drop_index("ix_pair_suggestions_campaign_position", "pair_suggestions")
    op.drop_index("ix_clips_status", "clips")
    op.drop_index("ix_assets_rating", "assets")
