"""``models``, ``models refresh`` and ``presets``: the model catalog, its schema checks, and quality presets.

None of them opens the library's database: they read (and ``models refresh`` / ``presets save`` write) only the
library folder's settings and schema snapshots, so they work before a library exists.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from app.commands.common import CommandError, print_json, print_table
from app.config import LibraryPaths, Settings, SettingsStore, resolve_data_dir
from app.core.generation.catalog import SCHEMA_FACTS, ModelSpec, all_models, offered
from app.core.generation.cost import usd
from app.core.generation.errors import GenerationError
from app.core.generation.presets import Preset, PresetEstimate, delete_preset, estimate_presets, save_preset
from app.core.generation.schema_snapshots import (
    RefreshResult,
    Snapshot,
    SnapshotStore,
    mismatch_text,
    refresh_snapshots,
    takes_last_frame,
    verify,
)
from app.core.secrets import KeyName, SecretStore


def _library(args: argparse.Namespace) -> tuple[LibraryPaths, Settings, SnapshotStore]:
    """The library folder's paths, settings in force and schema snapshots (without opening its database)."""
    paths = LibraryPaths(resolve_data_dir(getattr(args, "data_dir", None)))
    settings = Settings.load(paths.settings) if paths.settings.is_file() else Settings()
    return paths, settings.with_environment(), SnapshotStore.for_library(paths.root)


def price_text(model: ModelSpec) -> str:
    """``$0.2/s of video``, ``free``."""
    if model.is_local:
        return "free"
    unit = {"second": "/s of video", "compute_second": "/s of compute", "run": "/clip"}[model.price_unit]
    return f"${model.price_usd:g}{unit}"


def durations_text(durations: tuple[float, ...]) -> str:
    """``4, 6, 8``; a run of three or more whole seconds in a row as ``4–15``."""
    runs: list[list[float]] = []
    for value in durations:
        if runs and float(value).is_integer() and value - runs[-1][-1] == 1:
            runs[-1].append(value)
        else:
            runs.append([value])
    parts = [f"{run[0]:g}–{run[-1]:g}" if len(run) > 2 else ", ".join(f"{v:g}" for v in run) for run in runs]
    return ", ".join(parts) or "-"


# ---- models -----------------------------------------------------------------------------------------------------
def schema_check(model: ModelSpec, snapshot: Snapshot | None) -> dict[str, Any]:
    """What the model's catalog entry was verified against, and the result."""
    if model.is_local:
        return {"against": None, "matches": True, "problems": [], "summary": "no schema: rendered on this computer"}
    if snapshot is None:
        return {"against": None, "matches": False, "problems": ["no stored schema"],
                "summary": "no stored schema: only the live check before a create applies"}
    problems = verify(model, snapshot.schemas)
    texts = [mismatch_text(model, [p], f"in {snapshot.describe()}") for p in problems]
    if model.pairs and not takes_last_frame(model, snapshot):
        summary = f"no last-frame input in {snapshot.describe()}: not offered for pairs"
    elif problems:
        summary = "does not match " + snapshot.describe() + ": " + "; ".join(
            p.name + (" is missing" if p.missing else f" takes {p.allowed}") for p in problems)
    else:
        summary = f"input names and values match {snapshot.describe()}"
    return {"against": {"origin": snapshot.origin, "source": snapshot.source, "captured_at": snapshot.captured_at,
                        "version_id": snapshot.version_id, "path": str(snapshot.path) if snapshot.path else None},
            "matches": not problems, "problems": texts, "summary": summary}


def unverified_text(model: ModelSpec) -> str:
    """What rests on a single source, and how each part is covered (empty when nothing does)."""
    checked = [fact for fact in model.unverified if fact in SCHEMA_FACTS]
    other = [fact for fact in model.unverified if fact not in SCHEMA_FACTS]
    text = ""
    if checked:
        text += f"; unverified {', '.join(checked)}: checked against Replicate's live schema before any create"
    if other:
        text += f"; unverified {', '.join(other)}: compare with the model's page on Replicate"
    return text


def _model_doc(model: ModelSpec, snapshots: SnapshotStore) -> dict[str, Any]:
    snapshot = None if model.is_local else snapshots.get(model.id)
    return {"id": model.id, "label": model.label, "provider": model.provider, "pairs": model.pairs,
            "offered_for_pairs": model.pairs and offered(model, snapshots),
            "durations": list(model.durations), "default_duration": model.default_duration,
            "resolutions": list(model.resolutions), "default_resolution": model.default_resolution,
            "aspects": list(model.aspects),
            "durations_by_resolution": {k: list(v) for k, v in model.durations_by_resolution.items()},
            "first_image_input": model.first_image_input, "last_image_input": model.last_image_input or None,
            "fixed_inputs": dict(model.fixed_inputs), "resolution_input": model.resolution_input,
            "resolution_values": dict(model.resolution_values), "prompt_required": model.prompt_required,
            "price_usd": model.price_usd, "price_unit": model.price_unit,
            "typical_runtime_s": model.typical_runtime_s, "notes": model.notes,
            "unverified": list(model.unverified), "schema_check": schema_check(model, snapshot)}


def _pairs_cell(doc: dict[str, Any]) -> str:
    if not doc["pairs"]:
        return "no: first frame only"
    return "yes" if doc["offered_for_pairs"] else "no: schema changed"


async def cmd_models(args: argparse.Namespace) -> int:
    """The catalog with input limits, prices and what each entry was verified against."""
    _, settings, snapshots = _library(args)
    models = all_models(settings)
    docs = await asyncio.to_thread(lambda: [_model_doc(m, snapshots) for m in models])
    if args.json:
        print_json(docs)
        return 0
    rows = [[m.id, m.label, f"{m.first_image_input} → {m.last_image_input}" if m.pairs else m.first_image_input,
             durations_text(m.durations), ", ".join(m.resolutions) or "-",
             ", ".join(m.aspects) or "-", price_text(m), _pairs_cell(doc)] for m, doc in zip(models, docs, strict=True)]
    print_table(rows, ["id", "name", "first → last input", "durations (s)", "resolutions", "aspects", "price",
                       "pairs"])
    print()
    for model in models:
        if model.notes:
            print(f"{model.id}: {model.notes}")
    print("\nSchema checks (the inputs the app sends, against each model's stored schema):")
    for model, doc in zip(models, docs, strict=True):
        print(f"  {model.id}: {doc['schema_check']['summary']}{unverified_text(model)}")
    return 0


# ---- models refresh ---------------------------------------------------------------------------------------------
def _refresh_doc(result: RefreshResult) -> dict[str, Any]:
    snapshot = result.snapshot
    return {"id": result.model_id, "refreshed": result.error is None, "error": result.error,
            "changes": list(result.changes), "offered_for_pairs": result.offered_for_pairs,
            "version_id": snapshot.version_id if snapshot else None,
            "path": str(snapshot.path) if snapshot and snapshot.path else None}


async def cmd_models_refresh(args: argparse.Namespace) -> int:
    """Fetch every model's input schema from Replicate into this library; say what changed in plain words."""
    _, settings, snapshots = _library(args)
    token = await asyncio.to_thread(SecretStore().get, KeyName.REPLICATE)
    if not token:
        raise CommandError("refreshing the models' schemas needs a Replicate API token: `keys set replicate` "
                           "or REPLICATE_API_TOKEN")
    models = [m for m in all_models(settings) if not m.is_local]
    results = await refresh_snapshots(snapshots, models, token, settings.replicate_base_url)
    failed = [r for r in results if r.error]
    if args.json:
        print_json([_refresh_doc(r) for r in results])
    else:
        for result in results:
            if result.error:
                print(f"{result.model_id}: not refreshed: {result.error}")
            elif result.changes:
                print(f"{result.model_id}: changed")
                for change in result.changes:
                    print(f"  - {change}")
            else:
                print(f"{result.model_id}: unchanged")
        changed = sum(1 for r in results if r.changes and not r.error)
        print(f"\n{len(results) - len(failed)} schema(s) saved in {snapshots.library_dir}; {changed} changed, "
              f"{len(failed)} not refreshed.")
    if failed:
        reasons = sorted({r.error or "" for r in failed})
        raise CommandError(f"{len(failed)} model(s) could not be refreshed: {'; '.join(reasons)}")
    return 0


# ---- presets ----------------------------------------------------------------------------------------------------
def _preset_doc(item: PresetEstimate) -> dict[str, Any]:
    preset = item.preset
    return {"name": preset.name, "builtin": preset.builtin, "description": preset.description,
            "model": preset.model_id, "resolution": preset.resolution, "duration_s": preset.duration_s,
            "transition": preset.transition, "pairs": item.pair_count,
            "uses": None if item.problem else {"duration_s": item.duration_s, "resolution": item.resolution},
            "estimate_usd": None if item.problem else item.estimate_usd, "adjustments": list(item.adjustments),
            "problem": item.problem}


async def cmd_presets(args: argparse.Namespace) -> int:
    """Every quality preset with its mapping and its estimate for ``--pairs`` pairs."""
    if args.pairs < 1:
        raise CommandError("--pairs must be at least 1")
    _, settings, snapshots = _library(args)
    items = await asyncio.to_thread(estimate_presets, settings, args.pairs, "16:9", snapshots)
    if args.json:
        print_json([_preset_doc(item) for item in items])
        return 0
    rows = [[i.preset.name, "built in" if i.preset.builtin else "saved", i.preset.model_id,
             i.resolution or "-", f"{i.duration_s:g} s" if i.duration_s else "-", i.preset.transition,
             "unavailable" if i.problem else usd(i.estimate_usd)] for i in items]
    print_table(rows, ["preset", "kind", "model", "resolution", "clip", "transition",
                       f"estimate ({args.pairs} pair{'s' if args.pairs != 1 else ''})"])
    for item in items:
        notes = [item.preset.description] if item.preset.description else []
        notes += [f"adjusted: {a}" for a in item.adjustments] + ([item.problem] if item.problem else [])
        for note in notes:
            print(f"{item.preset.name}: {note}")
    return 0


async def cmd_presets_save(args: argparse.Namespace) -> int:
    """Save (or replace) one of the user's presets in the library's settings."""
    paths, _, snapshots = _library(args)
    store = SettingsStore(paths.settings)
    preset = Preset(args.name, args.model, args.resolution, args.duration, args.transition)
    try:
        saved = await asyncio.to_thread(save_preset, store, preset, snapshots)
    except (GenerationError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(f"Saved the preset {saved.name}: {saved.model_id}, {saved.resolution or 'default resolution'}, "
          f"{f'{saved.duration_s:g} s' if saved.duration_s else 'default length'}, {saved.transition}.")
    return 0


async def cmd_presets_delete(args: argparse.Namespace) -> int:
    """Remove one of the user's presets."""
    paths, _, _ = _library(args)
    try:
        removed = await asyncio.to_thread(delete_preset, SettingsStore(paths.settings), args.name)
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    print(f"Removed the preset {removed}.")
    return 0
