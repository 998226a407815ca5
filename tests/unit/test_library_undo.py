"""The library's undoable operations: each returns what it replaced, and its inverse puts exactly that back.

Every check reads the database again (through the service or straight from the tables), never the returned values.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db.models import Asset, CampaignAsset, Clip, PairSuggestionRow, Tag
from app.core.domain import AssetFilter, CampaignInfo, ColorLabel, Flag, PairSource, PairSuggestion
from app.core.generation.catalog import LOCAL_MODEL_ID
from app.core.library.service import LibraryError
from app.core.library.trash import Trash
from app.core.services import Services
from tests.unit.test_library_service import imported


async def _campaign(services: Services, name: str = "Spring", client: str = "Acme") -> CampaignInfo:
    clients = {c.name: c for c in await services.library.list_clients()}
    owner = clients.get(client) or (await services.library.create_client(client)).value
    return (await services.library.create_campaign(owner.id, name)).value


async def _by_id(services: Services, ids: list[int]) -> dict[int, object]:
    return {a.id: a for a in await services.library.get_assets(ids)}


async def test_a_rating_returns_the_ratings_it_replaced_and_undo_restores_each_one(services: Services,
                                                                                  tmp_path: Path) -> None:
    library = services.library
    campaign = await _campaign(services)
    a, b, c = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg", "c.jpg"])
    await library.set_rating([a], 2)
    await library.set_rating([b], 5)
    op = await library.set_asset_field([a, b, c], "rating", 4)
    assert dict(op.value.values) == {a: 2, b: 5, c: 0}
    assert op.changes.assets == frozenset({a, b, c})
    assert [x.rating for x in (await _by_id(services, [a, b, c])).values()] == [4, 4, 4]

    undone = await library.restore_asset_field(op.value)
    stored = await _by_id(services, [a, b, c])
    assert (stored[a].rating, stored[b].rating, stored[c].rating) == (2, 5, 0)
    assert dict(undone.value.values) == {a: 4, b: 4, c: 4}  # what Redo would put back
    await library.restore_asset_field(undone.value)
    assert {x.rating for x in (await _by_id(services, [a, b, c])).values()} == {4}
    with pytest.raises(LibraryError, match="0 to 5"):
        await library.set_asset_field([a], "rating", 6)


async def test_flags_labels_and_notes_are_undone_field_by_field(services: Services, tmp_path: Path) -> None:
    library = services.library
    campaign = await _campaign(services)
    a, b = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg"])
    await library.set_flag([a], Flag.REJECT)
    await library.set_notes(b, "keep")
    flag = (await library.set_asset_field([a, b], "flag", Flag.PICK)).value
    label = (await library.set_asset_field([a, b], "label", ColorLabel.PURPLE)).value
    notes = (await library.set_asset_field([b], "notes", "changed")).value
    stored = await _by_id(services, [a, b])
    assert (stored[a].flag, stored[b].flag, stored[a].label, stored[b].notes) == (
        Flag.PICK, Flag.PICK, ColorLabel.PURPLE, "changed")
    assert dict(flag.values) == {a: Flag.REJECT, b: Flag.NONE}

    await library.restore_asset_field(notes)
    await library.restore_asset_field(label)
    stored = await _by_id(services, [a, b])
    assert (stored[a].label, stored[b].label, stored[b].notes) == (ColorLabel.NONE, ColorLabel.NONE, "keep")
    assert (stored[a].flag, stored[b].flag) == (Flag.PICK, Flag.PICK)  # the flag edit is not undone yet
    await library.restore_asset_field(flag)
    stored = await _by_id(services, [a, b])
    assert (stored[a].flag, stored[b].flag) == (Flag.REJECT, Flag.NONE)


async def test_tagging_undo_removes_only_what_it_added_and_a_tag_it_created(services: Services,
                                                                           tmp_path: Path) -> None:
    library = services.library
    campaign = await _campaign(services)
    a, b = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg"])
    await library.add_tags([a], ["Beach"])
    beach = (await library.tag_assets([a, b], "beach")).value
    assert (beach.tag, beach.asset_ids, beach.added, beach.created) == ("Beach", (b,), True, False)
    hero = (await library.tag_assets([a, b], "Hero")).value
    assert hero.created and set(hero.asset_ids) == {a, b}

    await library.revert_tag_edit(hero)
    await library.revert_tag_edit(beach)
    stored = await _by_id(services, [a, b])
    assert (stored[a].tags, stored[b].tags) == (("Beach",), ())
    assert await library.all_tags() == ["Beach"]  # the tag Hero was made by the edit, and went with it

    removed = (await library.untag_assets([a, b], "BEACH")).value
    assert (removed.asset_ids, removed.added) == ((a,), False)
    assert (await _by_id(services, [a]))[a].tags == ()
    await library.revert_tag_edit(removed)
    assert (await _by_id(services, [a]))[a].tags == ("Beach",)


async def test_removing_from_a_campaign_is_undone_with_the_original_join_times(services: Services,
                                                                              tmp_path: Path) -> None:
    library = services.library
    campaign = await _campaign(services)
    ids = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg", "c.jpg"])

    def joined(s):  # type: ignore[no-untyped-def]
        return dict(s.execute(select(CampaignAsset.asset_id, CampaignAsset.added_at)
                              .where(CampaignAsset.campaign_id == campaign.id)).all())
    before = await services.db.read(joined)
    membership = (await library.unlink_assets(campaign.id, ids[:2])).value
    assert set(membership.asset_ids) == set(ids[:2])
    assert [a.id for a in await library.list_assets(campaign.id)] == ids[2:]
    await library.restore_membership(membership)
    assert await services.db.read(joined) == before


async def test_a_deletion_goes_to_the_trash_and_undo_brings_back_rows_links_pairs_clips_and_files(
        services: Services, tmp_path: Path) -> None:
    library, pairing = services.library, services.pairing
    campaign = await _campaign(services)
    other = await _campaign(services, "Autumn")
    a, b, c = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg", "c.jpg"])
    await library.link_assets(other.id, [a])
    await library.set_asset_field([a], "label", ColorLabel.RED)
    await library.add_tags([a], ["Beach"])
    await pairing.save_pairs(campaign.id, [PairSuggestion(a, b, 1.0, "", "glide", PairSource.MANUAL),
                                           PairSuggestion(b, c, 1.0, "", "pan", PairSource.MANUAL)])
    plan = await services.generation.plan(campaign.id, LOCAL_MODEL_ID)
    job = (await services.generation.create_job(plan)).value
    asset_a = (await _by_id(services, [a]))[a]
    original = library.asset_path(asset_a)

    def rows(s):  # type: ignore[no-untyped-def]
        return (sorted((r.id, r.first_asset_id, r.last_asset_id, r.position, r.prompt, r.created_at)
                       for r in s.scalars(select(PairSuggestionRow))),
                sorted(s.execute(select(CampaignAsset.campaign_id, CampaignAsset.asset_id,
                                        CampaignAsset.added_at)).all()),
                sorted(s.execute(select(Clip.id, Clip.first_asset_id, Clip.last_asset_id)).all()),
                s.scalar(select(Asset.imported_at).where(Asset.id == a)))
    before = await services.db.read(rows)

    op = await library.trash_assets([a])
    assert op.changes.campaign_assets == frozenset({campaign.id, other.id})
    assert op.changes.pairs == frozenset({campaign.id})
    assert not original.exists()
    assert len(op.value.files) == 1 and Path(op.value.files[0][2]).is_file()
    assert [x.id for x in await library.list_assets(campaign.id)] == [b, c]
    assert [(p.first_asset_id, p.last_asset_id) for p in await pairing.list_pairs(campaign.id)] == [(b, c)]
    clips = (await services.generation.get_job(job.id)).clips
    assert clips[0].first_asset_id is None

    restored = (await library.restore_trashed(op.value)).value
    assert restored.asset_ids == (a,)
    assert original.is_file() and not Path(op.value.files[0][2]).exists()
    assert await services.db.read(rows) == before
    back = (await _by_id(services, [a]))[a]
    assert (back.label, back.tags, back.sha256) == (ColorLabel.RED, ("Beach",), asset_a.sha256)
    assert [x.id for x in await library.list_assets(other.id)] == [a]
    assert Trash(services.paths.trash).file_count() == 0

    again = await library.trash_assets(restored.asset_ids)  # Redo deletes it again
    assert [x.id for x in await library.list_assets(campaign.id)] == [b, c]
    assert Trash(services.paths.trash).file_count() == 1 and again.value.asset_ids == (a,)


async def test_a_file_another_asset_uses_stays_and_an_emptied_trash_refuses_undo(services: Services,
                                                                                tmp_path: Path) -> None:
    library = services.library
    spring = await _campaign(services)
    globex = await _campaign(services, "Launch", client="Globex")
    (a,) = await imported(services, spring, tmp_path / "acme", ["a.jpg"])
    (twin,) = await imported(services, globex, tmp_path / "globex", ["a.jpg"])  # the same bytes, another client
    shared = (await library.trash_assets([a])).value
    assert shared.files == ()  # the other client's asset still needs the file
    assert library.asset_path((await _by_id(services, [twin]))[twin]).is_file()
    await library.restore_trashed(shared)
    assert [x.id for x in await library.list_assets(spring.id)] == [a]

    (lone,) = await imported(services, spring, tmp_path / "lone", ["b.jpg"], seed=40)
    gone = (await library.trash_assets([lone])).value
    assert await library.empty_trash() == 1
    with pytest.raises(LibraryError, match="no longer in the library's trash"):
        await library.restore_trashed(gone)
    assert [x.id for x in await library.list_assets(spring.id)] == [a]  # nothing half restored


def test_the_trash_empties_what_is_older_than_asked(tmp_path: Path) -> None:
    trash = Trash(tmp_path / "trash")
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    for age_days, name in ((40, "old"), (2, "new")):
        folder = trash.bin_for_now(now - timedelta(days=age_days))
        source = tmp_path / f"{name}.jpg"
        source.write_bytes(b"x")
        trash.move_in(source, folder)
    assert trash.empty(timedelta(days=30), now=now) == 1
    assert [p.name for p in (tmp_path / "trash").rglob("*.jpg")] == ["new.jpg"]
    assert trash.empty() == 1 and trash.file_count() == 0


def test_the_trash_command_empties_the_trash(tmp_path: Path) -> None:
    import subprocess
    import sys
    root = Path(__file__).resolve().parents[2]
    library = tmp_path / "library"
    folder = Trash(library / "trash").bin_for_now(datetime.now(UTC) - timedelta(days=3))
    folder.mkdir(parents=True)
    (folder / "abc.jpg").write_bytes(b"x")
    run = [sys.executable, str(root / "main.py"), "--data-dir", str(library), "trash", "empty"]
    kept = subprocess.run([*run, "--older-than", "30"], capture_output=True, text=True, timeout=60, cwd=root,
                          env={**os.environ})
    assert kept.returncode == 0, kept.stderr
    assert "0 files deleted" in kept.stdout and (folder / "abc.jpg").is_file()
    emptied = subprocess.run(run, capture_output=True, text=True, timeout=60, cwd=root)
    assert emptied.returncode == 0 and "1 file deleted" in emptied.stdout
    assert not folder.exists()


async def test_filters_for_unrated_labels_and_what_pairing_may_use(services: Services, tmp_path: Path) -> None:
    library = services.library
    services.settings.update(pairing_min_rating=2)
    campaign = await _campaign(services)
    a, b, c, d = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg", "c.jpg", "d.jpg"])
    await library.set_rating([b], 3)
    await library.set_rating([c], 4)
    await library.set_flag([c], Flag.REJECT)
    await library.set_rating([d], 1)
    await library.set_label([a, b], ColorLabel.GREEN)
    await library.set_label([d], ColorLabel.RED)

    async def ids(**kwargs: object) -> list[int]:
        found = [x.id for x in await library.list_assets(campaign.id, AssetFilter(**kwargs))]  # type: ignore[arg-type]
        rows = await library.list_asset_rows(campaign.id, AssetFilter(**kwargs))  # type: ignore[arg-type]
        assert [r[0] for r in rows] == found
        return found
    assert await ids(unrated=True) == [a]
    assert await ids(unrated=True, min_rating=3) == [a]  # unrated wins over a minimum
    assert await ids(labels=frozenset({ColorLabel.GREEN})) == [a, b]
    assert await ids(labels=frozenset({ColorLabel.RED, ColorLabel.NONE})) == [c, d]
    assert await ids(combinable=True) == [b]  # c is rejected, a and d are under 2 stars
    assert library.asset_from_row((await library.list_asset_rows(campaign.id, AssetFilter(
        labels=frozenset({ColorLabel.RED}))))[0]).label is ColorLabel.RED


async def test_a_tag_edit_skips_assets_deleted_meanwhile(services: Services, tmp_path: Path) -> None:
    library = services.library
    campaign = await _campaign(services)
    a, b = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg"])
    await library.trash_assets([b])
    edit = (await library.tag_assets([a, b], "Beach")).value
    assert edit.asset_ids == (a,)
    tags = await services.db.read(lambda s: list(s.scalars(select(Tag.name))))
    assert tags == ["Beach"]
