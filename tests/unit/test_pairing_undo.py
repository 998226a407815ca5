"""Pair list edits and suggestion runs return the list they replaced; ``restore_pairs`` puts it back exactly."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import select

from app.core.db.models import PairSuggestionRow
from app.core.domain import PairSource
from app.core.pairing.service import PairingError
from app.core.services import Services
from tests.helpers.pairing_data import make_campaign
from tests.unit.test_pairing_service import manual


def _stored_rows(campaign_id: int):  # type: ignore[no-untyped-def]
    def read(s):  # type: ignore[no-untyped-def]
        return [(r.id, r.run_id, r.first_asset_id, r.last_asset_id, r.position, r.score, r.reasoning, r.prompt,
                 r.source, r.edited, r.created_at)
                for r in s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                                   .order_by(PairSuggestionRow.position))]
    return read


async def test_an_edit_returns_the_list_before_and_restoring_it_brings_back_every_row(services: Services,
                                                                                      tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 8)
    pairing, campaign_id = services.pairing, data.campaign.id
    a, b, c = (await pairing.suggest(campaign_id, pairer="local", count=3)).suggestions
    original = await services.db.read(_stored_rows(campaign_id))
    assert not await pairing.has_manual_edits(campaign_id)

    edit = (await pairing.edit_pairs(campaign_id, [c, dataclasses.replace(a, prompt="Slow dolly in.")])).value
    assert edit.before.pairs() == [a, b, c]
    assert [p.id for p in edit.after.pairs()] == [c.id, a.id]
    assert await pairing.has_manual_edits(campaign_id)
    edited = await services.db.read(_stored_rows(campaign_id))

    undone = (await pairing.restore_pairs(edit.before)).value
    assert await services.db.read(_stored_rows(campaign_id)) == original  # b is back with its id, run and time
    assert undone.before == edit.after
    assert not await pairing.has_manual_edits(campaign_id)
    await pairing.restore_pairs(edit.after)  # Redo
    assert await services.db.read(_stored_rows(campaign_id)) == edited


async def test_a_manual_pair_and_a_swap_count_as_manual_edits(services: Services, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    pairing, campaign_id = services.pairing, data.campaign.id
    (only,) = (await pairing.suggest(campaign_id, pairer="local", count=1)).suggestions
    swapped = dataclasses.replace(only, first_asset_id=only.last_asset_id, last_asset_id=only.first_asset_id)
    await pairing.save_pairs(campaign_id, [swapped])
    assert await pairing.has_manual_edits(campaign_id)
    await pairing.suggest(campaign_id, pairer="local", count=1, existing="replace")
    assert not await pairing.has_manual_edits(campaign_id)
    await pairing.save_pairs(campaign_id, [*await pairing.list_pairs(campaign_id), manual(data.ids[0], data.ids[1])])
    assert await pairing.has_manual_edits(campaign_id)


async def test_a_suggestion_run_replaces_or_adds_and_returns_the_list_it_replaced(services: Services,
                                                                                 tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 8)
    pairing, campaign_id = services.pairing, data.campaign.id
    first = await pairing.suggest(campaign_id, pairer="local", count=2)
    hand = manual(data.ids[7], data.ids[0])
    await pairing.save_pairs(campaign_id, [*first.suggestions, hand])
    before = await services.db.read(_stored_rows(campaign_id))

    added = await pairing.suggest(campaign_id, pairer="local", count=2, existing="append")
    stored = await pairing.list_pairs(campaign_id)
    assert [p.id for p in stored[:3]] == [r[0] for r in before]  # every old pair kept, in its place
    assert stored[3:] == list(added.suggestions) and [p.position for p in stored] == [0, 1, 2, 3, 4]
    assert added.replaced is not None and [r.pair.id for r in added.replaced.rows] == [r[0] for r in before]

    replaced = await pairing.suggest(campaign_id, pairer="local", count=2, existing="replace")
    assert await pairing.list_pairs(campaign_id) == list(replaced.suggestions)
    assert all(p.source is PairSource.LOCAL for p in await pairing.list_pairs(campaign_id))

    await pairing.restore_pairs(added.replaced)
    assert await services.db.read(_stored_rows(campaign_id)) == before
    with pytest.raises(PairingError, match="unknown choice"):
        await pairing.suggest(campaign_id, pairer="local", existing="merge")


async def test_restoring_leaves_out_pairs_whose_images_left_the_campaign(services: Services, tmp_path: Path) -> None:
    data = await make_campaign(services, tmp_path / "sources", 6)
    pairing, campaign_id = services.pairing, data.campaign.id
    keep, lose = manual(data.ids[0], data.ids[1]), manual(data.ids[2], data.ids[3])
    edit = (await pairing.edit_pairs(campaign_id, [keep, lose])).value
    emptied = (await pairing.edit_pairs(campaign_id, [])).value
    await services.library.remove_from_campaign(campaign_id, [data.ids[3]])
    restored = (await pairing.restore_pairs(emptied.before)).value
    assert [(p.first_asset_id, p.last_asset_id, p.id) for p in restored.saved] == [
        (data.ids[0], data.ids[1], edit.saved[0].id)]
