"""Quality presets: a name for a model, resolution, clip length and default transition.

Economy, Balanced and Premium are built in; the user's own presets live in ``Settings.quality_presets``. Each
preset's estimate uses ``snap`` and ``cost.estimate``, exactly as a job's plan does, so the figure shown beside a
preset is the figure ``generate`` shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.config import Settings, SettingsStore
from app.core.domain import Transition
from app.core.generation.ab import ModelWins
from app.core.generation.catalog import either, get_model, snap
from app.core.generation.cost import estimate
from app.core.generation.errors import GenerationError
from app.core.generation.schema_snapshots import SnapshotStore

MAX_NAME_LENGTH = 40


@dataclass(frozen=True, slots=True)
class Preset:
    """What a preset chooses; None leaves the model's default."""

    name: str
    model_id: str
    resolution: str | None
    duration_s: float | None
    transition: str
    builtin: bool = False
    description: str = ""

    def stored(self) -> dict[str, object]:
        """The preset as ``Settings.quality_presets`` keeps it (under its name)."""
        return {"model": self.model_id, "resolution": self.resolution, "duration_s": self.duration_s,
                "transition": self.transition}


BUILTIN_PRESETS: tuple[Preset, ...] = (
    Preset("Economy", "minimax/hailuo-02", "768p", 6.0, Transition.CUT.value, builtin=True,
           description="Hailuo 02 at 768p, 6 s clips, straight cuts: the lowest cost per clip."),
    Preset("Balanced", "google/veo-3.1-fast", "720p", 6.0, Transition.CROSSFADE.value, builtin=True,
           description="Veo 3.1 Fast at 720p, 6 s clips, crossfades: good motion at a moderate cost."),
    Preset("Premium", "google/veo-3.1", "1080p", 8.0, Transition.CROSSFADE.value, builtin=True,
           description="Veo 3.1 at 1080p, 8 s clips, crossfades: the best quality."),
)


def user_presets(settings: Settings) -> list[Preset]:
    """The presets the user saved, by name."""
    return [Preset(name, str(entry["model"]), entry.get("resolution"), entry.get("duration_s"),
                   str(entry.get("transition") or Transition.CUT.value))
            for name, entry in sorted(settings.quality_presets.items(), key=lambda item: item[0].lower())]


def all_presets(settings: Settings) -> list[Preset]:
    """The built-in presets, then the user's."""
    return [*BUILTIN_PRESETS, *user_presets(settings)]


def get_preset(name: str, settings: Settings) -> Preset:
    """The preset called ``name`` (any case); raises ``GenerationError`` naming the known ones."""
    wanted = name.strip().lower()
    presets = all_presets(settings)
    for preset in presets:
        if preset.name.lower() == wanted:
            return preset
    raise GenerationError(f"unknown preset {name!r}; the presets are: {', '.join(p.name for p in presets)}")


@dataclass(frozen=True, slots=True)
class Choice:
    """What a job uses after a preset and explicit choices meet (explicit ones win)."""

    model_id: str | None
    duration_s: float | None
    resolution: str | None
    transition: str


def choose(preset: Preset | None, *, model_id: str | None = None, duration_s: float | None = None,
           resolution: str | None = None, transition: str | None = None) -> Choice:
    """Each explicit value overrides the preset's field; what neither gives is None (``transition``: cut)."""
    if preset is None:
        return Choice(model_id, duration_s, resolution, transition or Transition.CUT.value)
    return Choice(model_id or preset.model_id, preset.duration_s if duration_s is None else duration_s,
                  resolution or preset.resolution, transition or preset.transition)


@dataclass(frozen=True, slots=True)
class PresetEstimate:
    """A preset's cost for a number of pairs, with the values its model will actually use."""

    preset: Preset
    pair_count: int
    duration_s: float
    resolution: str
    estimate_usd: float
    adjustments: tuple[str, ...]
    problem: str | None = None  # why the preset cannot be used now (then the other fields are zero)


def estimate_preset(preset: Preset, pair_count: int, settings: Settings, aspect: str = "16:9",
                    snapshots: SnapshotStore | None = None) -> PresetEstimate:
    """What ``pair_count`` clips cost with ``preset``: the same snap and estimate a job's plan uses."""
    try:
        model = get_model(preset.model_id, settings, snapshots)
    except GenerationError as exc:
        return PresetEstimate(preset, pair_count, 0.0, "", 0.0, (), problem=str(exc))
    snapped = snap(model, preset.duration_s, preset.resolution, aspect)
    return PresetEstimate(preset, pair_count, snapped.duration_s, snapped.resolution,
                          estimate(model, snapped.duration_s, pair_count), snapped.adjustments)


def estimate_presets(settings: Settings, pair_count: int, aspect: str = "16:9",
                     snapshots: SnapshotStore | None = None) -> list[PresetEstimate]:
    """Every preset's estimate for ``pair_count`` pairs, built-in ones first."""
    return [estimate_preset(p, pair_count, settings, aspect, snapshots) for p in all_presets(settings)]


def validate_preset(preset: Preset, settings: Settings, snapshots: SnapshotStore | None = None) -> Preset:
    """``preset`` with a clean name, or ``GenerationError`` saying what is wrong with it."""
    name = " ".join(preset.name.split())
    if not name:
        raise GenerationError("a preset needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise GenerationError(f"a preset's name has at most {MAX_NAME_LENGTH} characters")
    if any(b.name.lower() == name.lower() for b in BUILTIN_PRESETS):
        raise GenerationError(f"{name} is a built-in preset: choose another name")
    model = get_model(preset.model_id, settings, snapshots)
    if preset.resolution is not None and preset.resolution not in model.resolutions:
        raise GenerationError(f"{model.label} makes {either(model.resolutions)}, not {preset.resolution}")
    resolution = preset.resolution or model.default_resolution
    if preset.duration_s is not None and preset.duration_s not in model.durations_at(resolution):
        raise GenerationError(f"{model.label} makes {either(f'{d:g}' for d in model.durations_at(resolution))} s "
                              f"clips at {resolution}, not {preset.duration_s:g} s")
    try:
        transition = Transition(preset.transition).value
    except ValueError:
        raise GenerationError(f"unknown transition {preset.transition!r}; use cut, crossfade or fade") from None
    return Preset(name, model.id, preset.resolution, preset.duration_s, transition)


def save_preset(store: SettingsStore, preset: Preset, snapshots: SnapshotStore | None = None) -> Preset:
    """Check ``preset`` and save it in the settings (replacing one of the same name, any case); returns it."""
    clean = validate_preset(preset, store.current, snapshots)
    kept = {name: entry for name, entry in store.saved.quality_presets.items() if name.lower() != clean.name.lower()}
    store.update(quality_presets={**kept, clean.name: clean.stored()})
    return clean


def delete_preset(store: SettingsStore, name: str) -> str:
    """Remove the user's preset ``name`` (any case) and return its saved name; built-in ones cannot be removed."""
    wanted = name.strip().lower()
    if any(b.name.lower() == wanted for b in BUILTIN_PRESETS):
        raise GenerationError(f"{name.strip()} is a built-in preset and cannot be removed")
    presets = store.saved.quality_presets
    found = next((n for n in presets if n.lower() == wanted), None)
    if found is None:
        raise GenerationError(f"there is no saved preset {name.strip()!r}")
    store.update(quality_presets={n: entry for n, entry in presets.items() if n != found})
    return found



@dataclass(frozen=True, slots=True)
class Suggestion:
    """The preset the client's A/B results point to, and why ("Seedance 2.0 won 7 of 9 pairs for this client")."""

    preset: Preset | None  # None: no preset uses the winning model
    model_id: str
    wins: int
    contests: int
    reason: str


def suggest_preset(presets: Sequence[Preset], wins: Sequence[ModelWins], settings: Settings) -> Suggestion | None:
    """The first preset using the model that won most of the client's A/B pairs; None before any pick."""
    best = next((w for w in wins if w.wins > 0), None)
    if best is None:
        return None
    try:
        label = get_model(best.model_id, settings).label
    except GenerationError:
        label = best.model_id
    reason = f"{label} won {best.wins} of {best.contests} pair{'s' if best.contests != 1 else ''} for this client"
    preset = next((p for p in presets if p.model_id == best.model_id), None)
    return Suggestion(preset, best.model_id, best.wins, best.contests, reason)
