"""Client names, and campaign names within a client, are unique whatever their case, also when two writers race."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from app.core.db.engine import make_engine, migrate
from app.core.db.models import Campaign, Client
from app.core.library.errors import LibraryError
from app.core.services import Services


async def _another_writer_commits_after(services: Services, values: dict[str, object], table: type,
                                        create) -> None:  # type: ignore[no-untyped-def]
    """Insert ``values`` in a transaction of another connection, start ``create`` while it is still open (its
    check cannot see the uncommitted row), then commit: ``create`` must be refused, not add a twin."""
    with services.db.engine.connect() as other:
        transaction = other.begin()
        other.execute(insert(table).values(**values))
        racing = asyncio.ensure_future(create())
        await asyncio.sleep(0.3)  # the service checks, then waits for the other writer to finish
        assert not racing.done()
        transaction.commit()
        with pytest.raises(LibraryError, match="already"):
            await racing


@pytest.mark.both_backends  # on PostgreSQL the two writers really run side by side
async def test_a_client_created_while_another_writer_adds_its_name_in_other_case_is_refused(
        services: Services) -> None:
    await _another_writer_commits_after(services, {"name": "Acme", "brand_colors": []}, Client,
                                        lambda: services.library.create_client("ACME"))
    assert [c.name for c in await services.library.list_clients()] == ["Acme"]


@pytest.mark.both_backends  # on PostgreSQL the two writers really run side by side
async def test_a_campaign_created_while_another_writer_adds_its_name_in_other_case_is_refused(
        services: Services) -> None:
    client = (await services.library.create_client("Acme")).value
    await _another_writer_commits_after(
        services, {"name": "Spring", "client_id": client.id, "key_messages": []}, Campaign,
        lambda: services.library.create_campaign(client.id, "SPRING"))
    assert [c.name for c in await services.library.list_campaigns(client.id)] == ["Spring"]


@pytest.mark.both_backends  # on PostgreSQL the two writers really run side by side
async def test_a_rename_to_a_name_another_writer_took_in_other_case_is_refused(services: Services) -> None:
    client = (await services.library.create_client("Globex")).value
    await _another_writer_commits_after(services, {"name": "Acme", "brand_colors": []}, Client,
                                        lambda: services.library.update_client(client.id, name="ACME"))
    assert sorted(c.name for c in await services.library.list_clients()) == ["Acme", "Globex"]


def test_names_left_equal_but_for_case_are_told_apart_when_the_library_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite3"
    engine = make_engine(path)
    migrate(engine, path, tmp_path / "backups", target="0011")
    with engine.begin() as connection:
        for name in ("Acme", "ACME", "acme (2)", "Globex"):
            connection.execute(insert(Client).values(name=name, brand_colors=[]))
        acme = connection.scalar(select(Client.id).where(Client.name == "Acme"))
        for name in ("Spring", "SPRING", "spring"):
            connection.execute(insert(Campaign).values(name=name, client_id=acme, key_messages=[]))
    migrate(engine, path, tmp_path / "backups")
    with engine.begin() as connection:
        assert list(connection.scalars(select(Client.name).order_by(Client.id))) == [
            "Acme", "ACME (3)", "acme (2)", "Globex"]
        assert list(connection.scalars(select(Campaign.name).order_by(Campaign.id))) == [
            "Spring", "SPRING (2)", "spring (3)"]
    with pytest.raises(IntegrityError, match="uq_clients_folded_name"), engine.begin() as connection:
        connection.execute(insert(Client).values(name="GLOBEX", brand_colors=[]))
    engine.dispose()
