"""Visual closeness of two assets from their stored features: palette, composition and orientation."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.domain import AssetInfo, Flag

# dHash distance (of 64 bits) at or below which two images are treated as the same picture.
NEAR_DUPLICATE_BITS = 6
# Two unrelated images differ in about half their dHash bits: composition similarity is 0 from there on.
UNRELATED_BITS = 32
PALETTE_WEIGHT = 0.6
COMPOSITION_WEIGHT = 0.4
# A transition between a landscape and a portrait image crops badly: such pairs are heavily discounted.
ORIENTATION_PENALTY = 0.6


@dataclass(frozen=True, slots=True)
class Candidate:
    """A usable asset with its features (dHash as an int, 64-bin colour histogram)."""

    asset: AssetInfo
    phash: int
    hist: tuple[float, ...]

    @property
    def id(self) -> int:
        return self.asset.id

    @property
    def orientation(self) -> str:
        ratio = self.asset.width / max(1, self.asset.height)
        return "landscape" if ratio > 1.15 else "portrait" if ratio < 0.87 else "square"

    @property
    def quality(self) -> float:
        """0 to 1.3: the rating, plus a bonus for a pick flag."""
        return self.asset.rating / 5 + (0.3 if self.asset.flag is Flag.PICK else 0.0)


@dataclass(frozen=True, slots=True)
class Closeness:
    palette: float  # histogram intersection, 0–1
    composition: float  # 1 at identical dHash, 0 at unrelated
    same_orientation: bool
    near_duplicate: bool

    @property
    def score(self) -> float:
        """0–1: how smooth a transition between the two looks."""
        return _combine(self.palette, self.composition, self.same_orientation)


def _combine(palette: float, composition: float, same_orientation: bool) -> float:
    base = PALETTE_WEIGHT * palette + COMPOSITION_WEIGHT * composition
    return base if same_orientation else base * ORIENTATION_PENALTY


def closeness(a: Candidate, b: Candidate) -> Closeness:
    """How alike ``a`` and ``b`` are, in detail (for the reasoning shown to the user)."""
    bits = (a.phash ^ b.phash).bit_count()
    return Closeness(
        palette=min(1.0, sum(map(min, a.hist, b.hist))),
        composition=max(0.0, 1.0 - bits / UNRELATED_BITS),
        same_orientation=a.orientation == b.orientation,
        near_duplicate=bits <= NEAR_DUPLICATE_BITS,
    )


def transition_score(a: Candidate, b: Candidate) -> float | None:
    """``closeness(a, b).score`` without the detail, or None for near-duplicates; the pairers' hot path."""
    bits = (a.phash ^ b.phash).bit_count()
    if bits <= NEAR_DUPLICATE_BITS:
        return None
    return _combine(min(1.0, sum(map(min, a.hist, b.hist))), max(0.0, 1.0 - bits / UNRELATED_BITS),
                    a.orientation == b.orientation)


def preselect(candidates: list[Candidate], limit: int) -> list[Candidate]:
    """The ``limit`` best rated and most diverse candidates (all of them when there are few enough).

    Greedy max-min selection: start from the best rated, then repeatedly take the candidate that maximises
    half its quality plus half its distance to the closest one already chosen, so near-duplicates go last.
    Deterministic: ties fall to the lower asset id. Returned in the original order.
    """
    if len(candidates) <= limit:
        return list(candidates)
    ranked = sorted(candidates, key=lambda c: (-c.quality, c.id))
    top_quality = max(c.quality for c in ranked) or 1.0
    chosen = [ranked[0]]
    rest = ranked[1:]
    distance = [_distance(ranked[0], c) for c in rest]
    while len(chosen) < limit and rest:
        best = max(range(len(rest)), key=lambda i: (0.5 * rest[i].quality / top_quality + 0.5 * distance[i],
                                                    -rest[i].id))
        picked = rest.pop(best)
        distance.pop(best)
        chosen.append(picked)
        distance = [min(d, _distance(picked, c)) for d, c in zip(distance, rest, strict=True)]
    keep = {c.id for c in chosen}
    return [c for c in candidates if c.id in keep]


def _distance(a: Candidate, b: Candidate) -> float:
    score = transition_score(a, b)
    return 0.0 if score is None else 1.0 - score
