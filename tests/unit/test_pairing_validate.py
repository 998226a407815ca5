"""Every kind of bad Grok reply is repaired or dropped, and the repairs say what happened."""

from __future__ import annotations

import json

import pytest

from app.core.domain import PairSource
from app.core.pairing.validate import MalformedReply, ReplyRules, validate_pairs, validate_rewrite

SENT = frozenset({1, 2, 3, 4, 5, 6})


def rules(count: int | None = None, chain: bool = False) -> ReplyRules:
    return ReplyRules(SENT, frozenset({9}), SENT | {9, 10}, count, chain, lambda position: f"template {position}")


def reply(*pairs: dict) -> str:
    return json.dumps({"pairs": list(pairs)})


def p(first, last, score=0.8, prompt="Push in.", reasoning="Why.") -> dict:
    return {"first_asset_id": first, "last_asset_id": last, "score": score, "reasoning": reasoning,
            "prompt": prompt}


def ids(pairs) -> list[tuple[int, int]]:
    return [(x.first_asset_id, x.last_asset_id) for x in pairs]


def test_a_good_reply_passes_unchanged_in_its_order() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2, 0.7), p(3, 4, 0.9)), rules())
    assert ids(pairs) == [(1, 2), (3, 4)]
    assert [x.position for x in pairs] == [0, 1]
    assert pairs[1].score == 0.9 and pairs[0].prompt == "Push in." and pairs[0].source is PairSource.GROK
    assert repairs == []


@pytest.mark.parametrize(("bad", "expected"), [
    (p(1, 99), "asset 99 is not one of the campaign's images"),
    (p(10, 2), "asset 10 was not among the images sent"),
    (p(9, 2), "asset 9 is rejected"),
    (p(3, 3), "an image paired with itself"),
    (p(1, 2), "duplicate of an earlier pair"),
    (p("x", 2), "no valid asset ids"),
    ("not an object", "not an object"),
])
def test_each_bad_pair_is_dropped_with_a_reason(bad, expected) -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), bad, p(5, 6)), rules())
    assert ids(pairs) == [(1, 2), (5, 6)]
    assert len(repairs) == 1 and expected in repairs[0] and "dropped" in repairs[0]


def test_scores_are_clamped_and_missing_ones_set() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2, 1.7), p(3, 4, -0.2), p(5, 6, None), p(2, 1, "0.4")), rules())
    assert [x.score for x in pairs] == [1.0, 0.0, 0.5, 0.4]
    assert any("score 1.7 is outside 0–1 — clamped to 1" in r for r in repairs)
    assert any("score -0.2" in r and "clamped to 0" in r for r in repairs)
    assert any("pair 3 (5→6): score missing" in r for r in repairs)
    assert len(repairs) == 3


def test_ids_given_as_strings_are_understood() -> None:
    pairs, repairs = validate_pairs(reply(p("1", "asset 2"), p(3.0, "#4")), rules())
    assert ids(pairs) == [(1, 2), (3, 4)] and repairs == []


def test_more_pairs_than_asked_are_cut() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(3, 4), p(5, 6), p(2, 3)), rules(count=2))
    assert ids(pairs) == [(1, 2), (3, 4)]
    assert repairs == ["4 pairs returned for at most 2: kept the first 2"]


def test_automatic_count_is_capped_at_twelve() -> None:
    many = [p(a, b) for a in sorted(SENT) for b in sorted(SENT) if a != b][:15]
    pairs, repairs = validate_pairs(reply(*many), rules())
    assert len(pairs) == 12 and "kept the first 12" in repairs[0]


def test_fewer_usable_pairs_than_asked_are_reported() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(1, 99)), rules(count=3))
    assert len(pairs) == 1
    assert repairs[-1] == "only 1 usable pair of the 3 asked for"


def test_a_missing_prompt_is_written_from_the_template() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(3, 4, prompt="  "), p(5, 6, prompt=None)), rules())
    assert [x.prompt for x in pairs] == ["Push in.", "template 1", "template 2"]
    assert sum("no motion prompt" in r for r in repairs) == 2


def test_a_chain_out_of_order_is_reordered() -> None:
    pairs, repairs = validate_pairs(reply(p(2, 3), p(1, 2), p(3, 4)), rules(chain=True))
    assert ids(pairs) == [(1, 2), (2, 3), (3, 4)]
    assert repairs == ["the pairs did not follow one another: reordered into a chain"]


def test_a_broken_chain_keeps_the_longest_chain_its_pairs_allow() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(5, 6), p(6, 3), p(3, 4), p(4, 5)), rules(chain=True))
    assert ids(pairs) == [(5, 6), (6, 3), (3, 4)]
    assert len(repairs) == 1 and "kept the longest chain its pairs allow (pairs 2, 3, 4)" in repairs[0]
    assert "dropped pair 1 (1→2), pair 5 (4→5)" in repairs[0]


def test_a_stray_pair_inside_a_chain_is_dropped_and_the_rest_relinked() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(4, 5), p(2, 3)), rules(chain=True))
    assert ids(pairs) == [(1, 2), (2, 3)]
    assert "dropped pair 2 (4→5)" in repairs[0]


def test_a_pathological_chain_reply_is_searched_within_a_budget() -> None:
    dense = [p(a, b) for a in range(1, 7) for b in range(1, 7) if a != b]  # 30 pairs over 6 images
    many = ReplyRules(SENT, frozenset(), SENT, None, True, str)
    pairs, _ = validate_pairs(reply(*dense), many)
    path = [pairs[0].first_asset_id] + [x.last_asset_id for x in pairs]
    assert len(pairs) == 5 and len(set(path)) == 6


def test_a_chain_never_visits_an_image_twice() -> None:
    pairs, repairs = validate_pairs(reply(p(1, 2), p(2, 3), p(3, 1), p(1, 4)), rules(chain=True))
    assert ids(pairs) == [(2, 3), (3, 1), (1, 4)]
    chain_assets = [pairs[0].first_asset_id] + [x.last_asset_id for x in pairs]
    assert len(set(chain_assets)) == len(chain_assets)
    assert "broken" in repairs[0]


def test_a_chain_is_cut_to_the_count_and_stays_a_chain() -> None:
    pairs, _ = validate_pairs(reply(p(1, 2), p(2, 3), p(3, 4), p(4, 5)), rules(count=2, chain=True))
    assert ids(pairs) == [(1, 2), (2, 3)]


def test_text_around_the_json_is_tolerated_and_reported() -> None:
    pairs, repairs = validate_pairs("Here you go:\n```json\n" + reply(p(1, 2)) + "\n```", rules())
    assert ids(pairs) == [(1, 2)]
    assert repairs == ["the reply had text around its JSON: the JSON part was used"]


@pytest.mark.parametrize("text", ["", None, "I think image 1 goes well with image 2.", "{not json}",
                                  json.dumps({"pairs": "none"}), json.dumps({"pairs": [p(1, 99), p(2, 2)]})])
def test_an_unusable_reply_is_malformed(text) -> None:
    with pytest.raises(MalformedReply):
        validate_pairs(text, rules())


def test_a_rewrite_reply_needs_a_prompt() -> None:
    assert validate_rewrite(json.dumps({"prompt": " Faster dolly. "})) == "Faster dolly."
    for bad in ("no", json.dumps({"prompt": ""}), json.dumps({"text": "x"})):
        with pytest.raises(MalformedReply):
            validate_rewrite(bad)
