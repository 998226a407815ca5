"""Grok's replies checked and repaired: every rule of a good suggestion list, and what was changed to meet it.

Pairs are dropped for unknown or rejected asset ids, self-pairs and duplicates; scores outside 0–1 are
clamped and missing ones set to 0.5; extra pairs are cut; an empty prompt is written from the campaign's tone.
In chain mode the pairs are re-linked into the longest chain they allow (A→B, B→C, … with no image twice):
a list merely out of order is reordered, and the pairs that do not fit are dropped. A reply that is not JSON,
or has no usable pair, raises ``MalformedReply`` (the caller asks once more).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.domain import PairSource, PairSuggestion
from app.core.pairing.prompt import MAX_PAIRS

DEFAULT_SCORE = 0.5
CHAIN_SEARCH_STEPS = 20_000
_ID = re.compile(r"\s*(?:asset\s*(?:id)?\s*[:#]?\s*)?#?(\d+)\s*", re.IGNORECASE)


class MalformedReply(Exception):
    """Grok's reply cannot be used at all (not JSON, no pair list, no usable pair)."""


@dataclass(frozen=True, slots=True)
class ReplyRules:
    """What a reply must respect: the ids sent, the ids known to be rejected, the count and the shape."""

    sent_ids: frozenset[int]
    rejected_ids: frozenset[int]
    campaign_ids: frozenset[int]
    count: int | None
    chain: bool
    fallback_prompt: Callable[[int], str]  # position → a template prompt


@dataclass(frozen=True, slots=True)
class _Item:
    number: int  # 1-based place in the reply, for messages
    first: int
    last: int
    score: float
    reasoning: str
    prompt: str

    @property
    def label(self) -> str:
        return f"pair {self.number} ({self.first}→{self.last})"


def parse_json(text: str | None) -> tuple[Any, list[str]]:
    """The JSON document in ``text``; tolerates prose or code fences around one object (and says so)."""
    if text is None or not text.strip():
        raise MalformedReply("the reply was empty")
    try:
        return json.loads(text), []
    except ValueError:
        pass
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        try:
            return json.loads(text[start:end + 1]), ["the reply had text around its JSON: the JSON part was used"]
        except ValueError:
            pass
    raise MalformedReply("the reply was not JSON")


def _asset_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and (match := _ID.fullmatch(value)):
        return int(match.group(1))
    return None


def _score(value: Any, label: str, repairs: list[str]) -> float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().rstrip("%")) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            number = None
    if number is None or math.isnan(number):
        repairs.append(f"{label}: score missing or not a number — set to {DEFAULT_SCORE}")
        return DEFAULT_SCORE
    if not 0.0 <= number <= 1.0:
        clamped = min(1.0, max(0.0, number))
        repairs.append(f"{label}: score {number:g} is outside 0–1 — clamped to {clamped:g}")
        return clamped
    return number


def _check_id(asset_id: int, rules: ReplyRules) -> str | None:
    if asset_id in rules.rejected_ids:
        return f"asset {asset_id} is rejected"
    if asset_id not in rules.sent_ids:
        if asset_id in rules.campaign_ids:
            return f"asset {asset_id} was not among the images sent"
        return f"asset {asset_id} is not one of the campaign's images"
    return None


def _items(data: Any, rules: ReplyRules, repairs: list[str]) -> list[_Item]:
    raw = data.get("pairs") if isinstance(data, dict) else data if isinstance(data, list) else None
    if not isinstance(raw, list):
        raise MalformedReply("the reply has no list of pairs")
    kept: list[_Item] = []
    seen: set[tuple[int, int]] = set()
    for number, entry in enumerate(raw, 1):
        if not isinstance(entry, dict):
            repairs.append(f"pair {number}: not an object — dropped")
            continue
        first, last = _asset_id(entry.get("first_asset_id")), _asset_id(entry.get("last_asset_id"))
        if first is None or last is None:
            repairs.append(f"pair {number}: no valid asset ids — dropped")
            continue
        label = f"pair {number} ({first}→{last})"
        if first == last:
            repairs.append(f"{label}: an image paired with itself — dropped")
            continue
        problem = _check_id(first, rules) or _check_id(last, rules)
        if problem:
            repairs.append(f"{label}: {problem} — dropped")
            continue
        if (first, last) in seen:
            repairs.append(f"{label}: duplicate of an earlier pair — dropped")
            continue
        seen.add((first, last))
        reasoning, prompt = entry.get("reasoning"), entry.get("prompt")
        kept.append(_Item(number, first, last, _score(entry.get("score"), label, repairs),
                          reasoning.strip() if isinstance(reasoning, str) else "",
                          prompt.strip() if isinstance(prompt, str) else ""))
    return kept


def _longest_chain(items: list[_Item]) -> list[_Item]:
    """The longest simple path A→B→C… made of ``items`` (each at most once, no image twice).

    Depth-first from every pair in reply order, following pairs in reply order, so the first longest path found
    wins a tie. A budget of steps bounds a pathological reply; within it the search is exhaustive.
    """
    following: dict[int, list[_Item]] = {}
    for item in items:
        following.setdefault(item.first, []).append(item)
    best: list[_Item] = []
    steps = 0

    def extend(path: list[_Item], visited: set[int]) -> None:
        nonlocal best, steps
        steps += 1
        if len(path) > len(best):
            best = list(path)
        if steps > CHAIN_SEARCH_STEPS or len(best) == len(items):
            return
        for item in following.get(path[-1].last, ()):
            if item.last not in visited:
                path.append(item)
                visited.add(item.last)
                extend(path, visited)
                visited.discard(item.last)
                path.pop()

    for start in items:
        extend([start], {start.first, start.last})
    return best


def repair_chain(items: list[_Item], repairs: list[str]) -> list[_Item]:
    """A valid chain from ``items``: as is, reordered, or re-linked as the longest chain they allow."""
    if len(items) < 2:
        return items
    chain = _longest_chain(items)
    if len(chain) == len(items):
        if chain != items:
            repairs.append("the pairs did not follow one another: reordered into a chain")
        return chain
    kept = ", ".join(str(it.number) for it in chain)
    dropped = ", ".join(it.label for it in items if it not in chain)
    repairs.append(f"the chain was broken: kept the longest chain its pairs allow (pairs {kept}) and dropped "
                   f"{dropped}")
    return chain


def validate_pairs(text: str | None, rules: ReplyRules) -> tuple[list[PairSuggestion], list[str]]:
    """The usable pairs of a reply, in order, and what was repaired or dropped (human-readable)."""
    data, repairs = parse_json(text)
    items = _items(data, rules, repairs)
    if rules.chain:
        items = repair_chain(items, repairs)
    limit = rules.count or MAX_PAIRS
    if len(items) > limit:
        repairs.append(f"{len(items)} pairs returned for at most {limit}: kept the first {limit}")
        items = items[:limit]
    if not items:
        reasons = "; ".join(repairs[:3]) or "the list was empty"
        raise MalformedReply(f"no usable pair in the reply ({reasons})")
    if rules.count and len(items) < rules.count:
        repairs.append(f"only {len(items)} usable pair{'s' if len(items) != 1 else ''} of the {rules.count} "
                       "asked for")
    pairs = []
    for position, item in enumerate(items):
        prompt = item.prompt
        if not prompt:
            prompt = rules.fallback_prompt(position)
            repairs.append(f"{item.label}: no motion prompt — written from the campaign's tone")
        pairs.append(PairSuggestion(item.first, item.last, round(item.score, 4), item.reasoning, prompt,
                                    PairSource.GROK, position))
    return pairs, repairs


def validate_rewrite(text: str | None) -> str:
    """The new prompt of a rewrite reply; raises ``MalformedReply`` when there is none."""
    data, _ = parse_json(text)
    prompt = data.get("prompt") if isinstance(data, dict) else None
    if not isinstance(prompt, str) or not prompt.strip():
        raise MalformedReply("the reply has no prompt")
    return prompt.strip()

