"""The image-to-video models the app can use, with each model's input names, limits and price.

One data table (``_MODELS``): input names and duration rules differ per model, and one model's rules are never
applied to another. Prices are approximate and the user can override them (``Settings.model_prices``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.core.generation.errors import GenerationError

LOCAL_MODEL_ID = "local"
ASPECTS = ("16:9", "9:16", "1:1")
PRICE_UNITS = ("second", "compute_second", "run")  # per second of output video, per second of compute, per clip


@dataclass(frozen=True)
class ModelSpec:
    """One image-to-video model that takes a first and a last frame."""

    id: str
    label: str
    provider: str  # "replicate" | "local"
    first_image_input: str
    last_image_input: str
    durations: tuple[float, ...]
    default_duration: float
    resolutions: tuple[str, ...]
    default_resolution: str
    aspects: tuple[str, ...]
    fixed_inputs: Mapping[str, Any] = field(default_factory=dict, hash=False)
    prompt_required: bool = True
    price_unit: str = "second"
    price_usd: float = 0.0
    typical_runtime_s: float = 60.0
    notes: str = ""
    prompt_input: str = "prompt"
    duration_input: str | None = "duration"
    resolution_input: str | None = "resolution"
    aspect_input: str | None = None  # None: the output's aspect follows the first image
    # Durations allowed at a given resolution, where the model restricts them (Hailuo: 10 s only at 768p).
    durations_by_resolution: Mapping[str, tuple[float, ...]] = field(default_factory=dict, hash=False)

    @property
    def is_local(self) -> bool:
        return self.provider == "local"

    def durations_at(self, resolution: str) -> tuple[float, ...]:
        """The durations this model takes at ``resolution``."""
        return tuple(self.durations_by_resolution.get(resolution, self.durations))

    def input_names(self) -> tuple[str, ...]:
        """Every input name this model is sent, for the check against its published schema."""
        names = [self.prompt_input, self.first_image_input, self.last_image_input,
                 self.duration_input, self.resolution_input, self.aspect_input, *self.fixed_inputs]
        return tuple(dict.fromkeys(n for n in names if n))

    def clip_estimate(self, duration_s: float) -> float:
        """The expected cost in USD of one clip of ``duration_s``."""
        if self.price_unit == "run":
            return self.price_usd
        if self.price_unit == "compute_second":
            return self.price_usd * self.typical_runtime_s
        return self.price_usd * duration_s


_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="google/veo-3.1", label="Veo 3.1", provider="replicate",
        first_image_input="image", last_image_input="last_frame",
        durations=(4.0, 6.0, 8.0), default_duration=8.0,
        resolutions=("720p", "1080p"), default_resolution="1080p", aspects=("16:9", "9:16"),
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.20, typical_runtime_s=150.0, aspect_input="aspect_ratio",
        notes="Google's best quality; no audio is generated (generate_audio=false)."),
    ModelSpec(
        id="google/veo-3.1-fast", label="Veo 3.1 Fast", provider="replicate",
        first_image_input="image", last_image_input="last_frame",
        durations=(4.0, 6.0, 8.0), default_duration=8.0,
        resolutions=("720p", "1080p"), default_resolution="720p", aspects=("16:9", "9:16"),
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.10, typical_runtime_s=75.0, aspect_input="aspect_ratio",
        notes="Faster and cheaper Veo 3.1; no audio is generated."),
    ModelSpec(
        id="minimax/hailuo-02", label="Hailuo 02", provider="replicate",
        first_image_input="first_frame_image", last_image_input="last_frame_image",
        durations=(6.0, 10.0), default_duration=6.0,
        resolutions=("512p", "768p", "1080p"), default_resolution="768p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.08, typical_runtime_s=240.0,
        durations_by_resolution={"512p": (6.0,), "1080p": (6.0,)},
        notes="6 or 10 s, 10 s only at 768p; the aspect follows the first frame."),
    ModelSpec(
        id="kwaivgi/kling-v2.1", label="Kling 2.1 (pro)", provider="replicate",
        first_image_input="start_image", last_image_input="end_image",
        durations=(5.0, 10.0), default_duration=5.0,
        resolutions=("1080p",), default_resolution="1080p", aspects=ASPECTS,
        fixed_inputs={"mode": "pro"}, prompt_required=True,
        price_unit="second", price_usd=0.09, typical_runtime_s=300.0, resolution_input=None,
        notes="Pro mode (1080p), the only mode that takes an end frame; the aspect follows the first frame."),
    ModelSpec(
        id=LOCAL_MODEL_ID, label="Local transition (offline)", provider="local",
        first_image_input="first", last_image_input="last",
        durations=(2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0), default_duration=6.0,
        resolutions=("480p", "720p", "1080p"), default_resolution="720p", aspects=ASPECTS,
        prompt_required=False, price_unit="run", price_usd=0.0, typical_runtime_s=3.0,
        prompt_input="", duration_input=None, resolution_input=None,
        notes="Rendered on this computer with FFmpeg: a slow zoom on the first image, crossfading onto the "
              "second. No key, no network, no cost."),
)


def catalog(settings: Settings) -> list[ModelSpec]:
    """Every model, with the user's price overrides (``settings.model_prices``) applied."""
    prices = settings.model_prices or {}
    return [dataclasses.replace(m, price_usd=float(prices[m.id])) if m.id in prices and m.provider != "local"
            else m for m in _MODELS]


def get_model(model_id: str, settings: Settings) -> ModelSpec:
    """The model with ``model_id``; raises ``GenerationError`` for an unknown id."""
    for model in catalog(settings):
        if model.id == model_id.strip():
            return model
    known = ", ".join(m.id for m in _MODELS)
    raise GenerationError(f"unknown model {model_id!r}; the models are: {known}")


@dataclass(frozen=True, slots=True)
class Snapped:
    """The values a model will actually use, and what was changed to get there (sentences for people)."""

    duration_s: float
    resolution: str
    aspect: str
    adjustments: tuple[str, ...]


def fmt_seconds(value: float) -> str:
    return f"{value:g} s"


def _resolution_height(resolution: str) -> int:
    """720 for "720p"; "4k" → 2160."""
    digits = "".join(c for c in resolution if c.isdigit())
    if not digits:
        return 0
    return int(digits) * 540 if resolution.strip().lower().endswith("k") else int(digits)


def _nearest(value: float, allowed: tuple[float, ...]) -> float:
    """The allowed value closest to ``value``; a tie goes to the longer one."""
    return min(allowed, key=lambda d: (abs(d - value), -d))


def snap(model: ModelSpec, duration_s: float | None, resolution: str | None, aspect: str) -> Snapped:
    """Fit the asked duration, resolution and aspect to what ``model`` takes, saying what changed."""
    notes: list[str] = []
    if aspect not in model.aspects:
        chosen_aspect = model.aspects[0]
        notes.append(f"{model.label} makes {_either(model.aspects)} clips: {aspect} → {chosen_aspect}")
    else:
        chosen_aspect = aspect
    if resolution is None or not resolution.strip():
        chosen_res = model.default_resolution
        explicit_res = False
    elif resolution in model.resolutions:
        chosen_res, explicit_res = resolution, True
    else:
        wanted = _resolution_height(resolution)
        chosen_res = min(model.resolutions, key=lambda r: (abs(_resolution_height(r) - wanted), r))
        explicit_res = True
        notes.append(f"{model.label} makes {_either(model.resolutions)}: {resolution} → {chosen_res}")
    duration = model.default_duration if duration_s is None else float(duration_s)
    if duration_s is not None and duration not in model.durations_at(chosen_res) and not explicit_res:
        # The resolution was not asked for: prefer one at which the asked duration is possible.
        for candidate in (model.default_resolution, *model.resolutions):
            if duration in model.durations_at(candidate):
                if candidate != chosen_res:
                    notes.append(f"{model.label} makes {fmt_seconds(duration)} clips only at {candidate}: "
                                 f"{chosen_res} → {candidate}")
                chosen_res = candidate
                break
    allowed = model.durations_at(chosen_res)
    if duration not in allowed:
        snapped = _nearest(duration, allowed)
        if duration in model.durations:
            notes.append(f"{model.label} makes {fmt_seconds(duration)} clips only at "
                         f"{_where(model, duration)}: {fmt_seconds(duration)} → {fmt_seconds(snapped)}")
        else:
            takes = _either(f"{d:g}" for d in allowed)
            notes.append(f"{model.label} takes {takes} s: {fmt_seconds(duration)} → {fmt_seconds(snapped)}")
        duration = snapped
    return Snapped(duration, chosen_res, chosen_aspect, tuple(notes))


def _where(model: ModelSpec, duration: float) -> str:
    return _either(r for r in model.resolutions if duration in model.durations_at(r))


def _either(values: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    items = list(values)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def frame_size(resolution: str, aspect: str) -> tuple[int, int]:
    """Width and height for a resolution name (its short side: 720p → 720) and an aspect (even numbers)."""
    short = _resolution_height(resolution) or 720
    across, down = (int(part) for part in aspect.split(":"))
    if across >= down:
        return _even(short * across / down), _even(short)
    return _even(short), _even(short * down / across)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
