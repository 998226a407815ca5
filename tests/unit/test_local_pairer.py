"""The offline pairer: deterministic, valid chains, no self-pairs or near-duplicates, fast on 200 assets."""

from __future__ import annotations

import random
import time
from itertools import pairwise

from app.core.domain import AssetInfo, CampaignInfo, ClientInfo, Flag, PairSource
from app.core.pairing.local import automatic_count, pair_locally
from app.core.pairing.similarity import Candidate, preselect
from app.core.pairing.templates import motion_prompt


def _hist(rng: random.Random) -> tuple[float, ...]:
    raw = [rng.random() ** 3 for _ in range(64)]
    total = sum(raw)
    return tuple(v / total for v in raw)


def candidate(asset_id: int, rng: random.Random, *, size: tuple[int, int] = (1600, 900), rating: int = 0,
              phash: int | None = None, hist: tuple[float, ...] | None = None, flag: Flag = Flag.NONE) -> Candidate:
    asset = AssetInfo(asset_id, 1, f"{asset_id:064x}", f"img-{asset_id}.jpg", "", "jpeg", size[0], size[1], 1000,
                      rating, flag)
    return Candidate(asset, rng.getrandbits(64) if phash is None else phash, hist or _hist(rng))


def population(n: int, seed: int = 1) -> list[Candidate]:
    rng = random.Random(seed)
    return [candidate(i + 1, rng, rating=rng.randrange(6), size=rng.choice([(1600, 900), (900, 1600)]))
            for i in range(n)]


def prompt_for(position: int) -> str:
    return f"prompt {position}"


def links(result) -> list[tuple[int, int]]:
    return [(p.first_asset_id, p.last_asset_id) for p in result.pairs]


def test_the_same_library_always_gives_the_same_pairs_in_any_input_order() -> None:
    cands = population(40)
    shuffled = cands[:]
    random.Random(7).shuffle(shuffled)
    for chain in (False, True):
        first = pair_locally(cands, count=6, chain=chain, prompt_for=prompt_for)
        again = pair_locally(shuffled, count=6, chain=chain, prompt_for=prompt_for)
        assert first == again
        assert len(first.pairs) == 6


def test_pairs_use_distinct_images_and_are_scored_sources_local() -> None:
    result = pair_locally(population(30), count=8, chain=False, prompt_for=prompt_for)
    used = [i for link in links(result) for i in link]
    assert len(used) == len(set(used)) == 16
    assert all(p.source is PairSource.LOCAL and 0 <= p.score <= 1 and p.reasoning for p in result.pairs)
    assert [p.position for p in result.pairs] == list(range(8))
    assert [p.prompt for p in result.pairs] == [f"prompt {i}" for i in range(8)]
    assert [p.score for p in result.pairs] == sorted((p.score for p in result.pairs), reverse=True)


def test_a_chain_links_every_clip_to_the_next_without_repeating_an_image() -> None:
    result = pair_locally(population(25), count=7, chain=True, prompt_for=prompt_for)
    pairs = links(result)
    assert len(pairs) == 7
    assert all(a[1] == b[0] for a, b in pairwise(pairs))
    path = [pairs[0][0]] + [last for _, last in pairs]
    assert len(path) == len(set(path))
    assert all(first != last for first, last in pairs)


def test_the_chain_starts_from_a_best_rated_image() -> None:
    cands = population(20)
    best = max(cands, key=lambda c: (c.asset.rating, -c.id))
    starts = {c.id for c in sorted(cands, key=lambda c: (-c.asset.rating, c.id))[:3]}
    result = pair_locally(cands, count=4, chain=True, prompt_for=prompt_for)
    assert result.pairs[0].first_asset_id in starts and best.asset.rating == 5


def test_near_duplicates_are_never_paired() -> None:
    rng = random.Random(3)
    base_hash, base_hist = rng.getrandbits(64), _hist(rng)
    twins = [candidate(i, rng, phash=base_hash ^ (1 << i), hist=base_hist) for i in (1, 2, 3)]
    others = [candidate(i, rng) for i in (4, 5, 6)]
    result = pair_locally(twins + others, count=3, chain=False, prompt_for=prompt_for)
    twin_ids = {1, 2, 3}
    assert not any({a, b} <= twin_ids for a, b in links(result))
    assert result.notes and "near-identical" in result.notes[0]
    chain = pair_locally(twins + others, count=5, chain=True, prompt_for=prompt_for)
    assert not any({a, b} <= twin_ids for a, b in links(chain))


def test_similar_images_of_the_same_orientation_are_paired() -> None:
    rng = random.Random(5)
    hist_a, hist_b = _hist(rng), _hist(rng)
    hash_a, hash_b = rng.getrandbits(64), rng.getrandbits(64)
    flip = sum(1 << bit for bit in range(0, 40, 4))  # 10 bits: related, not a near-duplicate
    cands = [
        candidate(1, rng, phash=hash_a, hist=hist_a),
        candidate(2, rng, phash=hash_b, hist=hist_b, size=(900, 1600)),
        candidate(3, rng, phash=hash_a ^ flip, hist=hist_a),
        candidate(4, rng, phash=hash_b ^ flip, hist=hist_b, size=(900, 1600)),
        candidate(5, rng, phash=hash_a ^ flip, hist=hist_a, size=(900, 1600)),  # like 1 and 3, but portrait
    ]
    result = pair_locally(cands, count=2, chain=False, prompt_for=prompt_for)
    assert sorted(tuple(sorted(link)) for link in links(result)) == [(1, 3), (2, 4)]
    assert all(p.score > 0.8 for p in result.pairs)


def test_a_few_images_are_reused_but_a_pair_never_repeats() -> None:
    result = pair_locally(population(3), count=3, chain=False, prompt_for=prompt_for)
    assert len(result.pairs) == 3 and len({tuple(sorted(link)) for link in links(result)}) == 3
    short = pair_locally(population(3), count=5, chain=True, prompt_for=prompt_for)
    assert len(short.pairs) == 2 and "a chain of only 2 of the 5" in short.notes[-1]


def test_the_automatic_count_fits_the_images() -> None:
    assert automatic_count(2, False) == 1 and automatic_count(2, True) == 1
    assert automatic_count(5, False) == 2 and automatic_count(5, True) == 4
    assert automatic_count(200, False) == 6 and automatic_count(200, True) == 6
    assert len(pair_locally(population(9), count=None, chain=True, prompt_for=prompt_for).pairs) == 6


def test_two_hundred_assets_pair_well_under_a_second() -> None:
    cands = population(200, seed=11)
    for chain in (False, True):
        # CPU time of this thread: what the pairer costs, whatever else the machine is running.
        started = time.thread_time()
        result = pair_locally(cands, count=12, chain=chain, prompt_for=prompt_for)
        elapsed = time.thread_time() - started
        assert len(result.pairs) == 12
        assert elapsed < 0.5, f"pairing 200 assets took {elapsed:.3f} s (chain={chain})"


def test_preselection_keeps_the_best_rated_and_spreads_over_the_looks() -> None:
    rng = random.Random(9)
    shared_hash, shared_hist = rng.getrandbits(64), _hist(rng)
    clones = [candidate(i, rng, rating=5, phash=shared_hash ^ (1 << i), hist=shared_hist) for i in range(1, 6)]
    varied = [candidate(i, rng, rating=3) for i in range(6, 12)]
    chosen = preselect(clones + varied, 4)
    ids = [c.id for c in chosen]
    assert len(ids) == 4 and ids == sorted(ids)
    assert 1 in ids  # the best rated comes first
    assert sum(i <= 5 for i in ids) == 1  # one of the near-identical five, not all of them
    assert preselect(varied, 10) == varied


def test_template_prompts_carry_the_tone_and_key_message() -> None:
    campaign = CampaignInfo(1, 1, "Summer", key_messages=("", "Summer starts here."))
    client = ClientInfo(1, "Acme", tone="playful, sunny.")
    prompt = motion_prompt(campaign, client, 0)
    assert "Mood: playful, sunny." in prompt and "convey: Summer starts here." in prompt
    assert motion_prompt(campaign, client, 1) != prompt
    assert "Mood" not in motion_prompt(campaign, None, 0)
