"""The image-to-video models the app knows, with each model's input names, limits and price.

One data table (``_MODELS``): input names and duration rules differ per model, and one model's rules are never
applied to another. Models that take only a first frame are listed (so a request for one gets a plain answer) but
never offered for a pair: their clip could not end on the pair's last image. Each entry is checked against the
model's published input schema (``schema_snapshots``): offline against the stored snapshot, and against the live
schema before any create. ``unverified`` names the facts that rest on a single or possibly old source. Prices are
approximate and the user can override them (``Settings.model_prices``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.config import Settings
from app.core.generation.errors import GenerationError
from app.core.generation.schema_snapshots import SnapshotStore, mismatch_text, takes_last_frame, verify

LOCAL_MODEL_ID = "local"
ASPECTS = ("16:9", "9:16", "1:1")
PRICE_UNITS = ("second", "compute_second", "run")  # per second of output video, per second of compute, per clip
SCHEMA_FACTS = ("input names", "durations", "resolutions", "aspects")  # unverified facts a schema check covers


@dataclass(frozen=True)
class ModelSpec:
    """One image-to-video model; ``pairs`` is False for a model that takes only a first frame."""

    id: str
    label: str
    provider: str  # "replicate" | "local"
    first_image_input: str
    last_image_input: str  # "" for a first-frame-only model
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
    # The value sent for a resolution when the model names it otherwise (Kling O1: 1080p is ``mode: pro``).
    resolution_values: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # The boolean fixed input that switches generated sound on (sent false unless the user wants audio).
    audio_input: str | None = None
    audio_price_usd: float | None = None  # the price with audio, where it differs and is known
    # Facts that rest on a single or possibly old source (empty: the model's published API page).
    unverified: tuple[str, ...] = ()

    @property
    def is_local(self) -> bool:
        return self.provider == "local"

    @property
    def pairs(self) -> bool:
        """Whether the model takes a last frame, so that its clip can end on the pair's last image."""
        return bool(self.last_image_input)

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


def _first_frame_only(model_id: str, label: str, first_input: str, price_usd: float, notes: str,
                      unverified: tuple[str, ...] = ("price",)) -> ModelSpec:
    """A model listed so that asking for it gets a plain answer, never offered for a pair."""
    return ModelSpec(
        id=model_id, label=label, provider="replicate", first_image_input=first_input, last_image_input="",
        durations=(), default_duration=0.0, resolutions=(), default_resolution="", aspects=(),
        price_usd=price_usd, duration_input=None, resolution_input=None, unverified=unverified,
        notes=f"First frame only, not for pairs: its clip could not end on the pair's last image. {notes}".strip())


_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        id="google/veo-3.1", label="Veo 3.1", provider="replicate",
        first_image_input="image", last_image_input="last_frame",
        durations=(4.0, 6.0, 8.0), default_duration=8.0,
        resolutions=("720p", "1080p"), default_resolution="1080p", aspects=("16:9", "9:16"),
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.20, typical_runtime_s=150.0, aspect_input="aspect_ratio",
        audio_input="generate_audio", audio_price_usd=0.40,
        notes="Google's best quality; no audio is generated (generate_audio=false) unless audio is wanted."),
    ModelSpec(
        id="google/veo-3.1-fast", label="Veo 3.1 Fast", provider="replicate",
        first_image_input="image", last_image_input="last_frame",
        durations=(4.0, 6.0, 8.0), default_duration=8.0,
        resolutions=("720p", "1080p"), default_resolution="720p", aspects=("16:9", "9:16"),
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.10, typical_runtime_s=75.0, aspect_input="aspect_ratio",
        audio_input="generate_audio", unverified=("durations",),
        notes="Faster and cheaper Veo 3.1; no audio is generated unless audio is wanted."),
    ModelSpec(
        id="minimax/hailuo-02", label="Hailuo 02", provider="replicate",
        first_image_input="first_frame_image", last_image_input="last_frame_image",
        durations=(6.0, 10.0), default_duration=6.0,
        resolutions=("512p", "768p", "1080p"), default_resolution="768p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.08, typical_runtime_s=240.0,
        durations_by_resolution={"512p": (6.0,), "1080p": (6.0,)}, unverified=("price",),
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
        id="kwaivgi/kling-o1", label="Kling O1", provider="replicate",
        first_image_input="start_image", last_image_input="end_image",
        durations=(5.0, 10.0), default_duration=5.0,
        resolutions=("720p", "1080p"), default_resolution="1080p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.10, typical_runtime_s=300.0,
        resolution_input="mode", resolution_values={"720p": "std", "1080p": "pro"},
        unverified=("price", "resolution of each mode"),
        notes="Mode std (720p) or pro (1080p, the model's default); the aspect follows the first frame; "
              "frames are sent as JPEG under 10 MB."),
    ModelSpec(
        id="bytedance/seedance-2.0", label="Seedance 2.0", provider="replicate",
        first_image_input="image", last_image_input="last_frame_image",
        durations=tuple(float(d) for d in range(4, 16)), default_duration=5.0,
        resolutions=("720p",), default_resolution="720p", aspects=ASPECTS,
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.10, typical_runtime_s=180.0, aspect_input="aspect_ratio",
        audio_input="generate_audio", unverified=("input names", "durations", "resolutions", "aspects", "price"),
        notes="Up to 15 s; no audio is generated (generate_audio=false) unless audio is wanted."),
    ModelSpec(
        id="bytedance/seedance-2.0-fast", label="Seedance 2.0 Fast", provider="replicate",
        first_image_input="image", last_image_input="last_frame_image",
        durations=tuple(float(d) for d in range(4, 16)), default_duration=5.0,
        resolutions=("720p",), default_resolution="720p", aspects=ASPECTS,
        fixed_inputs={"generate_audio": False}, prompt_required=True,
        price_unit="second", price_usd=0.05, typical_runtime_s=90.0, aspect_input="aspect_ratio",
        audio_input="generate_audio", unverified=("input names", "durations", "resolutions", "aspects", "price"),
        notes="Faster, cheaper Seedance 2.0; up to 15 s; no audio unless audio is wanted."),
    ModelSpec(
        id="pixverse/pixverse-v4", label="PixVerse v4", provider="replicate",
        first_image_input="image", last_image_input="last_frame_image",
        durations=(5.0, 8.0), default_duration=5.0,
        resolutions=("360p", "540p", "720p", "1080p"), default_resolution="720p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.06, typical_runtime_s=90.0,
        resolution_input="quality", aspect_input="aspect_ratio", durations_by_resolution={"1080p": (5.0,)},
        unverified=("input names", "durations", "resolutions", "aspects", "price"),
        notes="5 or 8 s, no 8 s at 1080p; sound effects stay off (their default)."),
    ModelSpec(
        id="luma/ray-flash-2-720p", label="Ray Flash 2 (720p)", provider="replicate",
        first_image_input="start_image", last_image_input="end_image",
        durations=(5.0, 9.0), default_duration=5.0,
        resolutions=("720p",), default_resolution="720p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.03, typical_runtime_s=60.0,
        resolution_input=None, unverified=("input names", "durations", "price"),
        notes="Luma's fast model, 5 or 9 s at 720p; the aspect follows the frames."),
    ModelSpec(
        id="luma/ray", label="Ray (Dream Machine)", provider="replicate",
        first_image_input="start_image_url", last_image_input="end_image_url",
        durations=(5.0, 9.0), default_duration=5.0,
        resolutions=("720p",), default_resolution="720p", aspects=ASPECTS,
        prompt_required=True, price_unit="second", price_usd=0.09, typical_runtime_s=120.0,
        resolution_input=None, unverified=("input names", "durations", "resolutions", "price"),
        notes="Luma Ray, 5 or 9 s; the frames are passed as URLs; the aspect follows the frames."),
    ModelSpec(
        id=LOCAL_MODEL_ID, label="Local transition (offline)", provider="local",
        first_image_input="first", last_image_input="last",
        durations=(2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0), default_duration=6.0,
        resolutions=("480p", "720p", "1080p"), default_resolution="720p", aspects=ASPECTS,
        prompt_required=False, price_unit="run", price_usd=0.0, typical_runtime_s=3.0,
        prompt_input="", duration_input=None, resolution_input=None,
        notes="Rendered on this computer with FFmpeg: a slow zoom on the first image, crossfading onto the "
              "second. No key, no network, no cost."),
    _first_frame_only("minimax/hailuo-2.3", "Hailuo 2.3", "first_frame_image", 0.08, ""),
    _first_frame_only("wan-video/wan-2.5-i2v", "Wan 2.5 (image to video)", "image", 0.10,
                      "It also takes an optional audio track."),
    _first_frame_only("kwaivgi/kling-v2.5-turbo-pro", "Kling 2.5 Turbo Pro", "start_image", 0.07, "", ()),
    _first_frame_only("kwaivgi/kling-v2.6", "Kling 2.6", "start_image", 0.07, "With audio about $0.14/s.", ()),
    _first_frame_only("google/veo-3", "Veo 3", "image", 0.40, "For first→last transitions use Veo 3.1."),
    _first_frame_only("google/veo-3-fast", "Veo 3 Fast", "image", 0.15, "For first→last transitions use Veo 3.1."),
)


def _for_user(model: ModelSpec, settings: Settings) -> ModelSpec:
    """``model`` with the user's choices applied: audio when wanted (and its price), then their price override."""
    if model.is_local:
        return model
    if settings.generate_audio and model.audio_input:
        model = dataclasses.replace(model, fixed_inputs={**model.fixed_inputs, model.audio_input: True},
                                    price_usd=model.audio_price_usd or model.price_usd)
    prices = settings.model_prices or {}
    return dataclasses.replace(model, price_usd=float(prices[model.id])) if model.id in prices else model


def all_models(settings: Settings) -> list[ModelSpec]:
    """Every model the app knows, first-frame-only ones included, with the user's choices applied."""
    return [_for_user(m, settings) for m in _MODELS]


def catalog(settings: Settings, snapshots: SnapshotStore | None = None) -> list[ModelSpec]:
    """The models offered for pairs, with the user's choices applied.

    With ``snapshots`` (a library's), a model whose stored schema no longer fits its entry (a missing last-frame
    input above all) is left out; without, the packaged snapshots hold and every pair model is offered.
    """
    return [m for m in all_models(settings) if m.pairs and (snapshots is None or offered(m, snapshots))]


def offered(model: ModelSpec, snapshots: SnapshotStore) -> bool:
    """Whether ``model`` makes pairs and fits the schema stored for it (the local model has none)."""
    if model.is_local:
        return True
    snapshot = snapshots.get(model.id)
    return takes_last_frame(model, snapshot) and (snapshot is None or not verify(model, snapshot.schemas))


def get_model(model_id: str, settings: Settings, snapshots: SnapshotStore | None = None) -> ModelSpec:
    """The pair model with ``model_id``; raises ``GenerationError`` for an unknown id, a first-frame-only model, or
    (with a library's ``snapshots``) a model whose refreshed schema no longer fits its entry."""
    wanted = model_id.strip()
    model = next((m for m in all_models(settings) if m.id == wanted), None)
    if model is None:
        known = ", ".join(m.id for m in _MODELS if m.pairs)
        raise GenerationError(f"unknown model {model_id!r}; the models are: {known}")
    if not model.pairs:
        raise GenerationError(f"{model.label} ({model.id}) takes only a first frame: its clips could not end on "
                              "the pair's last image, so it is not offered for pairs. Choose another model "
                              "(see `models`).")
    if snapshots is not None and not model.is_local:
        check_snapshot(model, snapshots)
    return model


def check_snapshot(model: ModelSpec, snapshots: SnapshotStore) -> None:
    """Refuse ``model`` in plain words when its stored schema no longer fits the catalog's entry."""
    snapshot = snapshots.get(model.id)
    if snapshot is None:
        return
    where = f"in its schema from {snapshot.describe()}"
    if not takes_last_frame(model, snapshot):
        raise GenerationError(f"{model.label} ({model.id}) no longer takes a last frame ({model.last_image_input}) "
                              f"{where}, so it is not offered for pairs. Choose another model (see `models`).")
    if problems := verify(model, snapshot.schemas):
        raise GenerationError(f"{mismatch_text(model, problems, where)}. Nothing was sent; the model catalog needs "
                              "updating, or choose another model.")


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
        notes.append(f"{model.label} makes {either(model.aspects)} clips: {aspect} → {chosen_aspect}")
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
        notes.append(f"{model.label} makes {either(model.resolutions)}: {resolution} → {chosen_res}")
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
            notes.append(f"{model.label} takes {durations_text(allowed)}: {fmt_seconds(duration)} → "
                         f"{fmt_seconds(snapped)}")
        duration = snapped
    return Snapped(duration, chosen_res, chosen_aspect, tuple(notes))


def _where(model: ModelSpec, duration: float) -> str:
    return either(r for r in model.resolutions if duration in model.durations_at(r))


def durations_text(values: Iterable[float]) -> str:
    """Allowed clip lengths as people write them: runs of three or more whole seconds as a range ("4–15 s",
    "2–6, 8 or 10 s"), the rest listed ("5 or 10 s")."""
    ordered = sorted(set(values))
    parts: list[str] = []
    run: list[float] = []
    for value in [*ordered, None]:
        if value is not None and run and float(value).is_integer() and float(run[-1]).is_integer() \
                and value == run[-1] + 1:
            run.append(value)
            continue
        if len(run) >= 3:
            parts.append(f"{run[0]:g}–{run[-1]:g}")
        else:
            parts.extend(f"{v:g}" for v in run)
        run = [value] if value is not None else []
    return f"{either(parts)} s"


def either(values: Iterable[str]) -> str:
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
