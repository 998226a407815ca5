"""Team libraries: the schema on PostgreSQL, its backup, locations and passwords, refused stale saves, who did what,
keyset paging, leases raced by two connections, and the LISTEN/NOTIFY change listener."""

from __future__ import annotations

import asyncio
import logging
import shutil
import threading
import time
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.config import Settings, resolve_location
from app.core.changes import Changes
from app.core.db.engine import (
    MIGRATIONS_DIR,
    Database,
    DatabaseUnavailable,
    alembic_config,
    current_revision,
    head_revision,
    make_server_engine,
    migrate,
    open_server_database,
)
from app.core.db.location import LocationError, parse_server_url
from app.core.db.models import Base
from app.core.db.server_watcher import ServerChangeWatcher
from app.core.domain import AssetFilter, AssetSort, CampaignInfo, ImportResult
from app.core.generation import lease
from app.core.library.service import LibraryService, NotesConflict
from app.core.pairing.errors import PromptConflict
from app.core.secrets import SecretStore
from app.core.services import Services
from app.logging_setup import redact
from tests.helpers import postgres
from tests.helpers.generation_data import seed_campaign
from tests.helpers.images import make_image
from tests.helpers.keyring_memory import MemoryKeyring


def _revisions() -> list[str]:
    return [r.revision for r in reversed(list(ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()))]


async def _campaign_with_images(services: Services, folder: Path, names: list[str]) -> tuple[CampaignInfo,
                                                                                                 list[int]]:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    paths = [str(make_image(folder / n, (96, 64), seed=i)) for i, n in enumerate(names)]
    report = await services.library.import_sources(campaign.id, paths)
    assert all(o.result is ImportResult.IMPORTED for o in report.outcomes), report
    return campaign, [o.asset_id for o in report.outcomes]  # type: ignore[misc]


# ---- the schema on PostgreSQL ---------------------------------------------------------------------------------
@pytest.mark.postgres
def test_every_migration_runs_up_and_down_on_postgresql_and_head_matches_the_models(tmp_path: Path) -> None:
    with postgres.fresh_database(migrated=False) as server:
        engine = make_server_engine(server, postgres.password())
        for revision in _revisions():
            migrate(engine, None, tmp_path, target=revision, server=server)
            assert current_revision(engine) == revision
        with engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        command.downgrade(alembic_config(engine), "base")
        assert current_revision(engine) is None
        engine.dispose()


@pytest.mark.postgres
def test_an_older_team_schema_is_dumped_with_pg_dump_before_it_is_upgraded(tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("needs pg_dump (Debian: postgresql-client)")
    with postgres.fresh_database(migrated=False) as server:
        engine = make_server_engine(server, postgres.password())
        migrate(engine, None, tmp_path, target=_revisions()[-2], server=server)
        engine.dispose()
        db = open_server_database(server, postgres.password(), tmp_path / "backups")
        dumps = list((tmp_path / "backups").glob(f"library-{_revisions()[-2]}-*.dump"))
        assert len(dumps) == 1 and dumps[0].stat().st_size > 0
        assert current_revision(db.engine) == head_revision()
        db.close()


@pytest.mark.postgres
def test_without_pg_dump_an_upgrade_is_refused_and_says_how_to_back_up(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with postgres.fresh_database(migrated=False) as server:
        engine = make_server_engine(server, postgres.password())
        migrate(engine, None, tmp_path, target=_revisions()[-2], server=server)
        engine.dispose()
        monkeypatch.setattr(shutil, "which", lambda _name: None)
        with pytest.raises(DatabaseUnavailable, match=r"pg_dump is not installed.*pg_dump -Fc"):
            open_server_database(server, postgres.password(), tmp_path / "backups")
        engine = make_server_engine(server, postgres.password())
        assert current_revision(engine) == _revisions()[-2]  # untouched
        engine.dispose()


# ---- where a library lives --------------------------------------------------------------------------------------
def test_a_team_url_keeps_its_libpq_parameters_and_never_shows_its_password(tmp_path: Path) -> None:
    location, password = resolve_location(tmp_path, "postgresql://ann:s3cret-pw@db.example:6543/ads?sslmode=require",
                                          str(tmp_path / "share"))
    assert password == "s3cret-pw"
    assert location.server is not None and location.store == (tmp_path / "share").resolve()
    assert "s3cret" not in location.describe() and "sslmode=require" in location.describe()
    assert location.server.libpq_params(password)["sslmode"] == "require"
    assert "sslmode=require" in location.server.sqlalchemy_url(password)
    assert location.server.account == "database:ann@db.example:6543/ads"
    assert "s3cret-pw" not in redact("could not connect to postgresql://ann:s3cret-pw@db.example:6543/ads")


def test_a_team_library_needs_its_store_and_a_real_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(LocationError, match="store"):
        resolve_location(tmp_path, "postgresql://ann@db/ads", None)
    with pytest.raises(LocationError, match="host and a database"):
        parse_server_url("postgresql://ann@db")
    monkeypatch.setenv("PAIRFRAME_LIBRARY", "postgresql://ann@db/ads")
    monkeypatch.setenv("PAIRFRAME_STORE", str(tmp_path / "mnt"))
    location, _ = resolve_location(tmp_path)
    assert location.server is not None and location.server.database == "ads"
    local, _ = resolve_location(tmp_path, "local")
    assert local.server is None and local.data_dir == tmp_path


def test_the_chosen_team_library_is_saved_without_a_password(tmp_path: Path) -> None:
    Settings().updated({"team_library_url": "postgresql://ann@db:5432/ads", "team_store": "/mnt/ads"}
                       ).save(tmp_path / "settings.json")
    location, password = resolve_location(tmp_path)
    assert location.server is not None and location.store == Path("/mnt/ads") and password is None


def test_the_database_password_lives_in_the_key_store(isolated_environment: MemoryKeyring,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    secrets = SecretStore(isolated_environment)
    account = "database:ann@db:5432/ads"
    secrets.set_database_password(account, "hunter2-long")
    assert secrets.database_password(account) == "hunter2-long"
    assert isolated_environment.get_password("pairframe", account) == "hunter2-long"
    assert "hunter2-long" not in redact("login failed with hunter2-long")
    secrets.delete_database_password(account)
    assert secrets.database_password(account) is None


# ---- no lost update, who did what (both backends) ---------------------------------------------------------------
@pytest.mark.both_backends
async def test_a_stale_notes_save_is_refused_and_carries_the_other_text(services: Services, tmp_path: Path) -> None:
    _campaign, (asset_id,) = await _campaign_with_images(services, tmp_path / "in", ["a.png"])
    library = services.library
    read_by_ann = (await library.get_assets([asset_id]))[0]
    services.settings.update(user_name="Bo")
    saved = (await library.set_notes(asset_id, "bo's note", version=read_by_ann.notes_version)).value
    assert saved.notes_version == read_by_ann.notes_version + 1 and saved.notes_by == "Bo"
    services.settings.update(user_name="Ann")
    with pytest.raises(NotesConflict) as refused:
        await library.set_notes(asset_id, "ann's note", version=read_by_ann.notes_version)
    assert refused.value.theirs == "bo's note" and refused.value.by == "Bo"
    assert (await library.get_assets([asset_id]))[0].notes == "bo's note"  # nothing lost, nothing saved
    merged = (await library.set_notes(asset_id, "bo's note\nann's note", version=refused.value.version)).value
    assert merged.notes == "bo's note\nann's note" and merged.notes_by == "Ann"


@pytest.mark.both_backends
async def test_a_stale_prompt_save_is_refused_and_carries_the_other_text(services: Services, tmp_path: Path) -> None:
    campaign, (a, b) = await _campaign_with_images(services, tmp_path / "in", ["a.png", "b.png"])
    from app.core.domain import PairSource, PairSuggestion

    first = (await services.pairing.save_pairs(campaign.id, [PairSuggestion(a, b, 1.0, "", "dolly in",
                                                                             PairSource.MANUAL)])).value
    import dataclasses
    mine, theirs = (dataclasses.replace(first[0], prompt=p) for p in ("slow pan left", "orbit right"))
    (await services.pairing.save_pairs(campaign.id, [theirs]))
    with pytest.raises(PromptConflict) as refused:
        await services.pairing.save_pairs(campaign.id, [mine])
    assert refused.value.theirs == "orbit right" and refused.value.mine == "slow pan left"
    stored = await services.pairing.list_pairs(campaign.id)
    assert [p.prompt for p in stored] == ["orbit right"]
    merged = dataclasses.replace(stored[0], prompt="orbit right, then pan left")
    assert (await services.pairing.save_pairs(campaign.id, [merged])).value[0].prompt_version == 2


@pytest.mark.both_backends
async def test_the_importer_rater_and_launcher_are_recorded(services: Services, tmp_path: Path) -> None:
    services.settings.update(user_name="Dana")
    _campaign, ids = await _campaign_with_images(services, tmp_path / "in", ["a.png", "b.png"])
    assert {a.imported_by for a in await services.library.get_assets(ids)} == {"Dana"}
    services.settings.update(user_name="")
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1, name="Autumn")
    assets = await services.library.list_assets(campaign_id)
    await services.library.set_rating([assets[0].id], 4)
    rated = (await services.library.get_assets([assets[0].id]))[0]
    assert "@" in rated.rated_by and rated.rating == 4
    plan = await services.generation.plan(campaign_id, "local", duration_s=2)
    job = (await services.generation.create_job(plan)).value
    assert job.launched_by == rated.rated_by
    await services.generation.aclose()


@pytest.mark.both_backends
async def test_keyset_pages_give_the_same_rows_as_one_listing(services: Services, tmp_path: Path) -> None:
    names = ["b.png", "A.png", "c.png", "a2.png", "B2.png", "d.png", "e.png"]
    campaign, ids = await _campaign_with_images(services, tmp_path / "in", names)
    library = services.library
    for asset_id, stars in zip(ids, [3, 1, 3, 0, 5, 3, 1], strict=True):
        await library.set_rating([asset_id], stars)
    for sort in AssetSort:
        for descending in (False, True):
            filt = AssetFilter(sort=sort, descending=descending)
            whole = await library.list_asset_rows(campaign.id, filt, limit=100)
            paged: list[tuple] = []
            after = None
            while page := await library.list_asset_rows(campaign.id, filt, limit=2, after=after):
                paged.extend(page)
                after = page[-1][0]
            assert [r[0] for r in paged] == [r[0] for r in whole], filt
            assert [LibraryService.asset_from_row(r) for r in whole] == await library.list_assets(campaign.id, filt)


# ---- two connections on one server ------------------------------------------------------------------------------
def _open_twice(server: object) -> tuple[Database, Database]:
    return tuple(open_server_database(server, postgres.password(), Path("/nonexistent")) for _ in range(2))  # type: ignore[return-value,arg-type]


@pytest.mark.postgres
async def test_two_workstations_racing_for_a_lease_get_exactly_one(tmp_path: Path) -> None:
    with postgres.fresh_database() as server:
        first, second = _open_twice(server)
        try:
            job_ids = []
            for _ in range(10):
                job_ids.append(first.run_sync(_new_job))
            for job_id in job_ids:
                start = threading.Barrier(2)
                results: dict[str, object] = {}

                def race(db: Database, name: str, job_id: int = job_id, start: threading.Barrier = start,
                         results: dict[str, object] = results) -> None:
                    start.wait()
                    results[name] = db.run_sync(lambda s: lease.acquire(s, job_id, db.origin, 30))

                threads = [threading.Thread(target=race, args=(db, name)) for db, name in ((first, "a"), (second, "b"))]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                assert sorted(r is None for r in results.values()) == [False, True], results
        finally:
            first.close()
            second.close()


def _new_job(s: object) -> int:
    """A client, a campaign and a job of it (enough for a lease)."""
    from app.core.db.models import Campaign, Client, Job

    client = Client(name=f"client {time.monotonic_ns()}")
    s.add(client)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    campaign = Campaign(client_id=client.id, name="x")
    s.add(campaign)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    job = Job(campaign_id=campaign.id, model_id="local", duration_s=2, aspect="16:9")
    s.add(job)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    return job.id


@pytest.mark.postgres
async def test_an_expired_lease_of_another_host_is_taken_over_and_its_holder_learns_it(tmp_path: Path) -> None:
    with postgres.fresh_database() as server:
        first, second = _open_twice(server)
        try:
            job_id = first.run_sync(_new_job)
            assert first.run_sync(lambda s: lease.acquire(s, job_id, first.origin, 0.5)) is None

            def pretend_elsewhere(s: object) -> None:
                row = s.get(lease.JobLease, job_id)  # type: ignore[attr-defined]
                row.host, row.pid = "another-workstation", 1
            first.run_sync(pretend_elsewhere)
            other = second.run_sync(lambda s: lease.acquire(s, job_id, second.origin, 30))
            assert other is not None and other.host == "another-workstation"  # live: refused
            await asyncio.sleep(0.7)  # past its expiry on the server's clock
            assert second.run_sync(lambda s: lease.acquire(s, job_id, second.origin, 30)) is None
            held, _ = first.run_sync(lambda s: lease.renew(s, job_id, first.origin, 30))
            assert held is False
        finally:
            first.close()
            second.close()


@pytest.mark.postgres
async def test_the_listener_hears_another_connection_and_not_its_own(tmp_path: Path) -> None:
    with postgres.fresh_database() as server:
        mine, theirs = _open_twice(server)
        heard: list[tuple[float, Changes]] = []
        loop = asyncio.get_running_loop()
        watcher = ServerChangeWatcher(mine.listener_params(), mine.origin,
                                      lambda c: heard.append((time.monotonic(), c)), loop)
        watcher.start()
        try:
            assert await asyncio.to_thread(watcher.wait_listening, 10)
            await mine.run(lambda s: s.add(_client("Mine")))  # this process's own: already announced here
            committed = time.monotonic()
            client_id = await theirs.run(lambda s: _add_client(s, "Theirs"))
            for _ in range(100):
                if heard:
                    break
                await asyncio.sleep(0.02)
            assert heard, "nothing heard from the other connection"
            arrived, changes = heard[0]
            assert changes.external and client_id in changes.clients and len(changes.clients) == 1
            assert arrived - committed < 1.0
        finally:
            watcher.stop()
            mine.close()
            theirs.close()


def _client(name: str) -> object:
    from app.core.db.models import Client

    return Client(name=name)


def _add_client(s: object, name: str) -> int:
    row = _client(name)
    s.add(row)  # type: ignore[attr-defined]
    s.flush()  # type: ignore[attr-defined]
    return row.id  # type: ignore[attr-defined]


def test_a_failed_team_connection_names_the_server_and_no_password(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    location, password = resolve_location(tmp_path, "postgresql://ann:pw-never-shown@127.0.0.1:1/ads?"
                                          "connect_timeout=2", str(tmp_path / "share"))
    assert location.server is not None
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DatabaseUnavailable) as failed:
        open_server_database(location.server, password, tmp_path / "backups")
    assert "127.0.0.1" in str(failed.value) and "pw-never-shown" not in str(failed.value)
