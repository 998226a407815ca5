"""Storing, listing and editing a campaign's pairs; the local pairer through the service; feature back-fill."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db.models import Asset, PairingRun
from app.core.domain import Flag, PairingProgress, PairingStage, PairSource, PairSuggestion
from app.core.pairing.service import PairingError
from app.core.services import Services
from tests.helpers.pairing_data import KEY_MESSAGE, TONE, PairingCampaign, make_campaign

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL


async def campaign(services: Services, tmp_path: Path, count: int = 6, **kwargs) -> PairingCampaign:
    return await make_campaign(services, tmp_path / "sources", count, **kwargs)


def manual(first: int, last: int, prompt: str = "Hand-made move.") -> PairSuggestion:
    return PairSuggestion(first, last, 1.0, "Chosen by hand.", prompt, PairSource.MANUAL)


async def test_the_local_pairer_stores_suggestions_with_template_prompts(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 8)
    progress: list[PairingProgress] = []
    result = await services.pairing.suggest(data.campaign.id, pairer="local", count=3, on_progress=progress.append)
    assert result.pairer == "local" and len(result.suggestions) == 3 and result.cost_usd == 0
    assert all(p.source is PairSource.LOCAL and TONE in p.prompt and KEY_MESSAGE in p.prompt
               for p in result.suggestions)
    assert await services.pairing.list_pairs(data.campaign.id) == list(result.suggestions)
    assert [p.stage for p in progress] == [PairingStage.PAIRING, PairingStage.SAVING]
    [run] = await services.db.run(lambda s: list(s.scalars(select(PairingRun))))
    assert (run.pairer, run.requested_count, run.prompt_tokens) == ("local", 3, 0)


async def test_a_new_run_replaces_suggestions_but_keeps_manual_pairs(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 8)
    first = await services.pairing.suggest(data.campaign.id, pairer="local", count=2)
    hand = manual(data.ids[7], data.ids[0])
    await services.pairing.save_pairs(data.campaign.id, [*first.suggestions, hand])
    second = await services.pairing.suggest(data.campaign.id, pairer="local", count=3, chain=True)
    stored = await services.pairing.list_pairs(data.campaign.id)
    assert stored[:3] == list(second.suggestions)
    assert [(p.first_asset_id, p.last_asset_id, p.source) for p in stored[3:]] == [
        (data.ids[7], data.ids[0], PairSource.MANUAL)]
    assert [p.position for p in stored] == [0, 1, 2, 3]
    assert not {p.id for p in first.suggestions} & {p.id for p in stored}


async def test_saving_the_edited_list_reorders_removes_adds_and_edits(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 8)
    a, b, c = (await services.pairing.suggest(data.campaign.id, pairer="local", count=3)).suggestions
    swapped = dataclasses.replace(c, first_asset_id=c.last_asset_id, last_asset_id=c.first_asset_id)
    edited = dataclasses.replace(a, prompt="  A brand-new prompt.  ")
    new_list = [swapped, manual(data.ids[0], data.ids[5]), edited]
    saved = (await services.pairing.save_pairs(data.campaign.id, new_list)).value
    assert saved[0].id == c.id and saved[2].id == a.id and saved[1].id not in {a.id, b.id, c.id}
    assert (saved[0].first_asset_id, saved[0].last_asset_id) == (c.last_asset_id, c.first_asset_id)
    assert saved[2].prompt == "A brand-new prompt." and saved[1].source is PairSource.MANUAL
    assert [p.position for p in saved] == [0, 1, 2]
    assert await services.pairing.list_pairs(data.campaign.id) == saved


@pytest.mark.parametrize(("bad", "message"), [
    ("outsider", "is not one of this campaign's images"),
    ("self", "the same image"),
    ("vanished", "no longer exists"),
])
async def test_a_bad_save_changes_nothing(services: Services, tmp_path: Path, bad: str, message: str) -> None:
    data = await campaign(services, tmp_path, 6)
    other = await make_campaign(services, tmp_path / "other", 2, name="Winter", client_name="Other Co", seed=50)
    before = (await services.pairing.save_pairs(data.campaign.id, [manual(data.ids[0], data.ids[1])])).value
    broken = {"outsider": manual(data.ids[0], other.ids[0]), "self": manual(data.ids[2], data.ids[2]),
              "vanished": dataclasses.replace(manual(data.ids[3], data.ids[4]), id=98765)}[bad]
    with pytest.raises(PairingError, match=message):
        await services.pairing.save_pairs(data.campaign.id, [manual(data.ids[4], data.ids[5]), broken])
    assert await services.pairing.list_pairs(data.campaign.id) == before


async def test_saving_an_empty_list_removes_every_pair(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 4)
    await services.pairing.suggest(data.campaign.id, pairer="local")
    assert (await services.pairing.save_pairs(data.campaign.id, [])).value == []
    assert await services.pairing.list_pairs(data.campaign.id) == []


async def test_missing_features_are_computed_and_stored(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 5, features=False)
    progress: list[PairingProgress] = []
    result = await services.pairing.suggest(data.campaign.id, pairer="local", on_progress=progress.append)
    assert result.suggestions
    rows = await services.db.run(lambda s: [(r.phash, r.color_hist) for r in s.scalars(select(Asset))])
    assert all(phash and len(phash) == 16 and len(hist) == 64 for phash, hist in rows)
    done = [p for p in progress if p.stage is PairingStage.FEATURES]
    assert done[0].done == 0 and done[-1].done == done[-1].total == 5
    progress.clear()
    await services.pairing.suggest(data.campaign.id, pairer="local", on_progress=progress.append)
    assert PairingStage.FEATURES not in {p.stage for p in progress} and progress


async def test_an_unreadable_asset_is_left_out_with_a_note(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 4, features=False)
    broken = data.assets[1]
    services.library.store.path_for(broken.sha256, broken.format).write_bytes(b"not an image")
    result = await services.pairing.suggest(data.campaign.id, pairer="local", count=3)
    assert any(f"asset {broken.id}" in note and "could not be read" in note for note in result.notes)
    assert broken.id not in {i for p in result.suggestions for i in (p.first_asset_id, p.last_asset_id)}


async def test_rejected_and_low_rated_assets_are_not_usable(services: Services, tmp_path: Path) -> None:
    services.settings.update(pairing_min_rating=3)
    data = await campaign(services, tmp_path, 5, ratings=[5, 4, 1, 3, 5],
                          flags=[Flag.NONE, Flag.REJECT, Flag.NONE, Flag.PICK, Flag.NONE])
    result = await services.pairing.suggest(data.campaign.id, pairer="local", count=3)
    used = {i for p in result.suggestions for i in (p.first_asset_id, p.last_asset_id)}
    assert used <= {data.ids[0], data.ids[3], data.ids[4]}
    assert "3 of 5 assets usable (1 rejected, 1 under 3★ left out)" in result.notes


async def test_too_few_usable_assets_and_bad_counts_are_clear_errors(services: Services, tmp_path: Path) -> None:
    data = await campaign(services, tmp_path, 2, flags=[Flag.NONE, Flag.REJECT])
    with pytest.raises(PairingError, match="at least two usable assets; this campaign has 1"):
        await services.pairing.suggest(data.campaign.id, pairer="local")
    for count in (0, 13):
        with pytest.raises(PairingError, match="1 to 12 pairs"):
            await services.pairing.suggest(data.campaign.id, pairer="local", count=count)
    with pytest.raises(PairingError, match="unknown pairer"):
        await services.pairing.suggest(data.campaign.id, pairer="magic")
