"""client names, and campaign names within a client, unique whatever their case (in the database, not only in
the services' checks, which two processes on a team library can pass at the same instant)

Names that already differ only in case (left by such a race) are told apart first: every one but the oldest gets
" (2)", " (3)"… so nothing is lost and the index can be built.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:00:00
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NAME_ROOM = 190  # the names are at most 200 characters: room for the " (n)"
CLIENTS = sa.table("clients", sa.column("id", sa.Integer), sa.column("name", sa.String))
CAMPAIGNS = sa.table("campaigns", sa.column("id", sa.Integer), sa.column("client_id", sa.Integer),
                     sa.column("name", sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    _tell_apart(bind, CLIENTS, lambda row: ())
    _tell_apart(bind, CAMPAIGNS, lambda row: (row.client_id,))
    op.create_index("uq_clients_folded_name", "clients", [sa.text("lower(name)")], unique=True)
    op.create_index("uq_campaigns_client_folded_name", "campaigns", ["client_id", sa.text("lower(name)")],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_campaigns_client_folded_name", "campaigns")
    op.drop_index("uq_clients_folded_name", "clients")


def _tell_apart(bind: sa.Connection, table: sa.TableClause, scope) -> None:  # type: ignore[no-untyped-def]
    """Rename all but the oldest of the rows whose names are equal but for case, within each ``scope``."""
    groups: dict[tuple[object, ...], list[sa.Row]] = defaultdict(list)
    for row in bind.execute(sa.select(table).order_by(table.c.id)):
        groups[(*scope(row), row.name.lower())].append(row)
    taken = {(*scope(row), row.name.lower()) for rows in groups.values() for row in rows}
    for key, rows in groups.items():
        for row in rows[1:]:
            base, number = row.name[:NAME_ROOM], 2
            while (*key[:-1], f"{base} ({number})".lower()) in taken:
                number += 1
            name = f"{base} ({number})"
            taken.add((*key[:-1], name.lower()))
            bind.execute(table.update().where(table.c.id == row.id).values(name=name))
