"""The offline pairer: smooth transitions from stored visual features, deterministic, fast.

Independent pairs: every pair of candidates is scored (palette + composition, discounted across orientations,
near-duplicates excluded), then the best pairs are taken greedily so that no image is used twice while others
remain. Chain mode: a greedy nearest-neighbour path from each of the best-rated images, keeping the longest
path with the highest total. Ties always fall to the lower asset id, so the same library gives the same pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from app.core.domain import PairSource, PairSuggestion
from app.core.pairing.similarity import Candidate, closeness, transition_score

AUTO_PAIRS = 6  # about a 30-second ad of 5-second clips
CHAIN_STARTS = 3


@dataclass(frozen=True, slots=True)
class LocalPairs:
    pairs: list[PairSuggestion]
    notes: list[str]


def automatic_count(candidates: int, chain: bool) -> int:
    """How many pairs to make when the user did not say."""
    possible = candidates - 1 if chain else max(1, candidates // 2)
    return max(1, min(AUTO_PAIRS, possible))


def reasoning(a: Candidate, b: Candidate) -> str:
    c = closeness(a, b)
    shape = f"both {a.orientation}" if c.same_orientation else f"{a.orientation} to {b.orientation}"
    return (f"Local match: {c.palette:.0%} shared palette, {c.composition:.0%} similar composition, "
            f"{shape}.")


def _oriented(a: Candidate, b: Candidate) -> tuple[Candidate, Candidate]:
    """The better-rated image opens the clip (lower id on a tie)."""
    return (a, b) if (-a.quality, a.id) <= (-b.quality, b.id) else (b, a)


def _independent(cands: list[Candidate], wanted: int) -> tuple[list[tuple[Candidate, Candidate, float]], int]:
    scored: list[tuple[float, int, int]] = []
    near = 0
    for i, a in enumerate(cands):
        for j in range(i + 1, len(cands)):
            score = transition_score(a, cands[j])
            if score is None:
                near += 1
            else:
                scored.append((-score, i, j))
    scored.sort()  # best first; candidates are sorted by id, so ties fall to lower ids
    chosen: list[tuple[int, int, float]] = []
    used: set[int] = set()
    for negative, i, j in scored:
        if i not in used and j not in used:
            chosen.append((i, j, -negative))
            used.update((i, j))
            if len(chosen) == wanted:
                break
    if len(chosen) < wanted:  # few images: reuse them, never the same pair twice
        taken = {(i, j) for i, j, _ in chosen}
        for negative, i, j in scored:
            if (i, j) not in taken:
                chosen.append((i, j, -negative))
                if len(chosen) == wanted:
                    break
    return [(*_oriented(cands[i], cands[j]), score) for i, j, score in chosen], near


def _chain(cands: list[Candidate], wanted: int) -> list[tuple[Candidate, Candidate, float]]:
    memo: dict[tuple[int, int], float | None] = {}

    def score(i: int, j: int) -> float | None:
        key = (i, j) if i < j else (j, i)
        if key not in memo:
            memo[key] = transition_score(cands[key[0]], cands[key[1]])
        return memo[key]

    starts = sorted(range(len(cands)), key=lambda i: (-cands[i].quality, cands[i].id))[:CHAIN_STARTS]
    best_path: list[int] = []
    best_rank: tuple[int, float] = (0, 0.0)
    for start in starts:
        path, visited, total = [start], {start}, 0.0
        while len(path) <= wanted:
            step: tuple[float, int] | None = None
            for k in range(len(cands)):
                if k in visited:
                    continue
                value = score(path[-1], k)
                if value is not None and (step is None or value > step[0]):
                    step = (value, k)
            if step is None:
                break
            path.append(step[1])
            visited.add(step[1])
            total += step[0]
        rank = (len(path), total)
        if rank > best_rank:
            best_path, best_rank = path, rank
    return [(cands[i], cands[j], score(i, j) or 0.0) for i, j in pairwise(best_path)]


def pair_locally(candidates: Sequence[Candidate], *, count: int | None, chain: bool,
                 prompt_for: Callable[[int], str]) -> LocalPairs:
    """Pairs (or a chain) from ``candidates``; ``prompt_for(position)`` writes each motion prompt."""
    cands = sorted(candidates, key=lambda c: c.id)
    wanted = count or automatic_count(len(cands), chain)
    notes: list[str] = []
    if chain:
        made = _chain(cands, min(wanted, len(cands) - 1))
    else:
        made, near = _independent(cands, wanted)
        if near:
            notes.append(f"{near} near-identical image pair{'s were' if near != 1 else ' was'} not suggested")
    if len(made) < wanted:
        shape = "a chain of only" if chain else "only"
        notes.append(f"these images allow {shape} {len(made)} of the {wanted} pairs asked for")
    pairs = [PairSuggestion(a.id, b.id, round(score, 3), reasoning(a, b), prompt_for(position), PairSource.LOCAL,
                            position)
             for position, (a, b, score) in enumerate(made)]
    return LocalPairs(pairs, notes)
