"""Operations and their Changes: what each write names, the change log row of its transaction, the hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.core.changes import EVERYTHING, NO_CHANGES, ChangeHub, Changes, merge
from app.core.db.models import Asset, ChangeLogRow, Client
from app.core.db.tracking import record
from app.core.domain import CampaignInfo, ClipStatus, Flag, ImportResult, PairSource, PairSuggestion
from app.core.generation import lease
from app.core.generation import repository as repo
from app.core.money.charges import prediction_charge
from app.core.services import Services
from tests.helpers.generation_data import seed_campaign
from tests.helpers.images import make_image


def ids(*values: int) -> frozenset[int]:
    return frozenset(values)


class Heard:
    """Everything the database's hub publishes, in order."""

    def __init__(self, hub: ChangeHub) -> None:
        self.items: list[Changes] = []
        self.unsubscribe = hub.subscribe(lambda changes: self.items.append(changes))

    def take(self) -> Changes:
        """What was heard since the last ``take``, merged."""
        merged, self.items = merge(self.items), []
        return merged


async def _campaign(services: Services, name: str = "Spring", client: str = "Acme") -> CampaignInfo:
    existing = [c for c in await services.library.list_clients() if c.name == client]
    owner = existing[0] if existing else (await services.library.create_client(client)).value
    return (await services.library.create_campaign(owner.id, name)).value


async def _import(services: Services, campaign: CampaignInfo, folder: Path, count: int, seed: int = 0) -> list[int]:
    paths = [str(make_image(folder / f"img-{seed + i}.jpg", (160, 90), seed=seed + i)) for i in range(count)]
    report = await services.library.import_sources(campaign.id, paths)
    assert all(o.result in (ImportResult.IMPORTED, ImportResult.LINKED) for o in report.outcomes), report
    return [o.asset_id for o in report.outcomes]  # type: ignore[misc]


def _log_rows(services: Services) -> list[ChangeLogRow]:
    with services.db.session() as s:
        return list(s.scalars(select(ChangeLogRow).order_by(ChangeLogRow.seq)))


# ---- the value ------------------------------------------------------------------------------------------------
def test_changes_merge_ask_and_survive_a_json_round_trip() -> None:
    a = Changes(clients=ids(1), campaigns=ids(2), assets=ids(5, 6), tags=True)
    b = Changes(campaign_assets=ids(2), assets=ids(6, 7), job_campaigns=ids(3), spend=ids(3), external=True)
    both = a | b
    assert both == merge([a, b])
    assert both.assets == ids(5, 6, 7) and both.tags and both.external and not both.everything
    assert both.campaign_assets_of(2) and not both.campaign_assets_of(3)
    assert both.jobs_of(3) and both.spend_of(3) and both.spend_of(2)  # a campaign's own record holds its budget
    assert not both.pairs_of(2) and both.library_structure()
    assert both.any_assets([7, 100]) and not both.any_assets([100])
    assert Changes.from_json(both.to_json(), external=True) == both
    assert Changes.from_json(a.to_json()) == a
    assert a.to_json() == {"clients": [1], "campaigns": [2], "assets": [5, 6], "tags": True}

    assert not NO_CHANGES and not Changes(external=True)  # "from elsewhere" alone says nothing changed
    assert merge([]) == NO_CHANGES
    assert EVERYTHING.campaign_assets_of(42) and EVERYTHING.jobs_of(1) and EVERYTHING.any_assets([])
    newer = Changes.from_json({"assets": [1], "storyboards": [3]})  # a field of a newer version
    assert newer.everything and newer.assets == ids(1)


def test_a_broken_listener_does_not_keep_the_news_from_the_others() -> None:
    hub = ChangeHub()
    heard: list[Changes] = []

    def broken(_changes: Changes) -> None:
        raise RuntimeError("a view fell over")
    hub.subscribe(broken)
    unsubscribe = hub.subscribe(heard.append)
    hub.publish(NO_CHANGES)  # nothing to say: nobody is called
    hub.publish(Changes(clients=ids(1)))
    unsubscribe()
    unsubscribe()  # twice is harmless
    hub.publish(Changes(clients=ids(2)))
    assert heard == [Changes(clients=ids(1))]


# ---- library writes -------------------------------------------------------------------------------------------
async def test_client_and_campaign_writes_name_their_records(services: Services) -> None:
    library = services.library
    heard = Heard(services.db.changes)
    acme = await library.create_client("Acme")
    assert acme.changes == Changes(clients=ids(acme.value.id))
    spring = await library.create_campaign(acme.value.id, "Spring", budget_usd=100)
    cid = spring.value.id
    assert spring.changes == Changes(clients=ids(acme.value.id), campaigns=ids(cid))
    raised = await library.update_campaign(cid, budget_usd=250)
    assert raised.changes.campaigns == ids(cid) and raised.changes.spend_of(cid) and raised.value.budget_usd == 250
    renamed = await library.update_client(acme.value.id, tone="warm")
    assert renamed.changes == Changes(clients=ids(acme.value.id))
    assert heard.items == [acme.changes, spring.changes, raised.changes, renamed.changes]

    deleted = await library.delete_campaign(cid)
    for question in (deleted.campaign, deleted.campaign_assets_of, deleted.pairs_of, deleted.jobs_of,
                     deleted.spend_of):
        assert question(cid)
    assert acme.value.id in deleted.clients and not deleted.everything
    gone = await library.delete_client(acme.value.id)
    assert gone.clients == ids(acme.value.id) and not gone.everything


async def test_imports_and_curation_name_the_assets_and_campaigns_they_touch(services: Services,
                                                                            tmp_path: Path) -> None:
    library = services.library
    spring = await _campaign(services, "Spring")
    autumn = await _campaign(services, "Autumn")
    heard = Heard(services.db.changes)
    first = await _import(services, spring, tmp_path / "a", 3)
    imported = heard.take()
    assert imported.assets == frozenset(first) and imported.campaign_assets == ids(spring.id)
    assert not imported.everything and autumn.id not in imported.campaign_assets

    linked = await _import(services, autumn, tmp_path / "a", 2)  # the same bytes: links, in the other campaign
    assert linked == first[:2]
    announced = heard.take()
    assert announced.campaign_assets == ids(autumn.id) and announced.assets == frozenset(first[:2])

    rated = await library.set_rating(first[:2], 4)
    assert rated == Changes(assets=frozenset(first[:2]))
    flagged = await library.set_flag([first[2]], Flag.REJECT)
    assert flagged == Changes(assets=ids(first[2]))
    tagged = await library.add_tags(first, ["Beach"])
    assert tagged.assets == frozenset(first) and tagged.tags and not tagged.campaign_assets
    untagged = await library.remove_tags(first, ["beach"])  # a bulk DELETE, recorded before it runs
    assert untagged == Changes(assets=frozenset(first), tags=True)
    removed = await library.remove_from_campaign(autumn.id, [first[0]])  # bulk too
    assert removed == Changes(campaign_assets=ids(autumn.id), assets=ids(first[0]))
    relinked = await library.link_assets(autumn.id, [first[0], first[1]])  # one is already there
    assert relinked.campaign_assets == ids(autumn.id) and relinked.assets == ids(first[0])
    assert heard.items and not any(c.everything for c in heard.items)


async def test_deleting_assets_names_every_campaign_pair_list_and_clip_that_used_them(services: Services,
                                                                                     tmp_path: Path) -> None:
    spring = await _campaign(services, "Spring")
    autumn = await _campaign(services, "Autumn")
    a, b, c = await _import(services, spring, tmp_path / "a", 3)
    await _import(services, autumn, tmp_path / "a", 1)  # a is in both campaigns
    pair = PairSuggestion(a, b, 0.9, "", "pan", PairSource.MANUAL, 0)
    await services.pairing.save_pairs(spring.id, [pair])
    job = (await services.generation.create_job(
        await services.generation.plan(spring.id, "local", 2.0, resolution="480p", pairs=[pair]))).value

    deleted = await services.library.delete_assets([a])
    assert deleted.value == 1
    changes = deleted.changes
    assert changes.assets == ids(a) and changes.campaign_assets == ids(spring.id, autumn.id)
    assert changes.pairs_of(spring.id) and not changes.everything
    # The clip's first frame is set to NULL by the database: the job's views must hear of it.
    assert changes.clips == ids(job.clips[0].id) and changes.jobs_of(spring.id)
    assert (await services.generation.get_job(job.id)).clips[0].first_asset_id is None
    assert await services.pairing.list_pairs(spring.id) == []
    assert [x.id for x in await services.library.list_assets(spring.id)] == [b, c]


async def test_stored_pairs_name_their_campaign_and_a_suggestion_run_records_its_bulk_delete(
        services: Services, tmp_path: Path) -> None:
    spring = await _campaign(services)
    asset_ids = await _import(services, spring, tmp_path / "a", 4)
    saved = await services.pairing.save_pairs(spring.id, [
        PairSuggestion(asset_ids[0], asset_ids[1], 0.5, "", "pan", PairSource.MANUAL, 0)])
    assert saved.changes == Changes(pairs=ids(spring.id))
    heard = Heard(services.db.changes)
    result = await services.pairing.suggest(spring.id, pairer="local", count=2)
    assert result.suggestions
    assert heard.items and all(c == Changes(pairs=ids(spring.id)) for c in heard.items)


# ---- generation writes ----------------------------------------------------------------------------------------
async def test_job_writes_name_jobs_clips_and_campaigns_and_money_only_when_it_moves(services: Services,
                                                                                   tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=2)
    gen = services.generation
    created = await gen.create_job(await gen.plan(campaign_id, "local", 2.0, resolution="480p"))
    job = created.value
    clip_ids = frozenset(c.id for c in job.clips)
    assert created.changes.jobs == ids(job.id) and created.changes.clips == clip_ids
    assert created.changes.job_campaigns == ids(campaign_id) and created.changes.spend == ids(campaign_id)

    db, clip = services.db, job.clips[0].id
    running = await db.op(lambda s: repo.mark_created(s, clip, "p-1"))
    assert running.changes.clips == ids(clip) and running.changes.spend == ids(campaign_id)  # a status moved
    progress = await db.op(lambda s: repo.mark_progress(s, {clip: 0.4}))
    assert progress.changes == Changes(clips=ids(clip), jobs=ids(job.id), job_campaigns=ids(campaign_id))
    assert not progress.changes.spend_of(campaign_id)  # a progress report moves no money
    charge = prediction_charge("replicate", "p-1", "google/veo-3.1", "second", 0.25, "succeeded", output_s=2.0)
    paid = await db.op(lambda s: repo.mark_finished(s, clip, ClipStatus.SUCCEEDED, charge=charge, file_path="x.mp4",
                                                    duration_s=2.0))
    assert paid.changes.spend == ids(campaign_id) and paid.changes.jobs == ids(job.id)

    held = await db.op(lambda s: lease.acquire(s, job.id, db.origin, 30))
    assert held.changes.jobs == ids(job.id) and not held.changes.spend
    await db.run(lambda s: repo.request_cancel(s, [job.clips[1].id]))
    renewed = await db.op(lambda s: lease.renew(s, job.id, db.origin, 30))  # clears the request in bulk
    assert renewed.value == (True, [job.clips[1].id])
    assert renewed.changes.clips == ids(job.clips[1].id) and not renewed.changes.everything

    released = await db.op(lambda s: lease.release(s, job.id, db.origin))
    assert released.changes.jobs == ids(job.id)


async def test_deleting_a_job_names_it_and_its_campaigns_money(services: Services, tmp_path: Path) -> None:
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    gen = services.generation
    job = (await gen.create_job(await gen.plan(campaign_id, "local", 2.0, resolution="480p"))).value
    heard = Heard(services.db.changes)
    await gen.delete_job(job.id)
    changes = heard.take()
    assert job.id in changes.jobs and changes.jobs_of(campaign_id) and changes.spend_of(campaign_id)
    assert not changes.everything


# ---- the transaction ------------------------------------------------------------------------------------------
async def test_a_read_that_writes_raises_and_leaves_nothing(services: Services) -> None:
    with pytest.raises(RuntimeError, match="read transaction tried to write"):
        await services.db.read(lambda s: s.add(Client(name="Sneaky")))
    with pytest.raises(RuntimeError, match="read transaction tried to write"):
        await services.db.read(lambda s: s.execute(update(Asset).values(rating=5)))
    assert await services.library.list_clients() == []
    assert _log_rows(services) == []


async def test_an_unrecorded_bulk_statement_announces_everything_and_a_recorded_one_does_not(
        services: Services, tmp_path: Path) -> None:
    spring = await _campaign(services)
    asset_ids = await _import(services, spring, tmp_path / "a", 2)
    blind = await services.db.op(lambda s: s.execute(update(Asset).values(rating=3)))
    assert blind.changes.everything

    def named(s: Session) -> None:
        record(s, Changes(assets=frozenset(asset_ids)))
        s.execute(update(Asset).where(Asset.id.in_(asset_ids)).values(rating=1))
    assert (await services.db.op(named)).changes == Changes(assets=frozenset(asset_ids))


async def test_the_change_log_row_is_written_in_the_operations_own_transaction(services: Services) -> None:
    db = services.db
    heard = Heard(db.changes)
    made = await services.library.create_client("Acme")
    rows = _log_rows(services)
    assert [(r.origin, r.changes) for r in rows] == [(db.origin, made.changes.to_json())]
    assert heard.items == [made.changes]

    def fails_after_writing(s: Session) -> None:
        s.add(Client(name="Half done"))
        s.flush()
        raise ValueError("the operation changed its mind")
    with pytest.raises(ValueError):
        await db.op(fails_after_writing)
    assert [r.seq for r in _log_rows(services)] == [rows[0].seq]  # no row for a rolled-back write
    assert [c.name for c in await services.library.list_clients()] == ["Acme"]
    assert heard.items == [made.changes]  # and nothing announced

    nothing = await db.op(lambda s: s.scalar(select(func.count()).select_from(Client)))
    assert nothing.value == 1 and not nothing.changes
    assert len(_log_rows(services)) == 1 and heard.items == [made.changes]
