"""Each model's published input schema, stored with the app and refreshed into the library.

A snapshot is the input part of ``latest_version.openapi_schema`` as ``GET /v1/models/{owner}/{name}`` returns it:
``components.schemas.Input`` plus the schemas it refers to (cog publishes an enum of numbers as a ``$ref``). The
package keeps one per catalog model (``schemas/``); ``models refresh`` writes the live ones into the library's own
``schemas/`` folder, which then wins over the package's. ``verify`` compares a catalog entry with a schema: offline
with a stored snapshot, and with the live schema before any create (``ReplicateProvider.check_model``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from app.core.atomic import atomic_write_text
from app.logging_setup import redact

if TYPE_CHECKING:
    from app.core.generation.catalog import ModelSpec

log = logging.getLogger(__name__)

PACKAGED_DIR = Path(__file__).with_name("schemas")
LIBRARY_FOLDER = "schemas"
REFRESH_TIMEOUT_S = 20.0
REFRESH_CONCURRENCY = 4
REFRESH_TRIES = 3
MAX_RETRY_WAIT_S = 5.0
_REF_PREFIX = "#/components/schemas/"
# Names a model's last-frame input goes by; a first-frame-only model that grows one is worth a look.
LAST_FRAME_NAMES = ("last_frame", "last_frame_image", "end_image", "end_image_url", "tail_image", "last_image")


def library_snapshot_dir(library_root: Path) -> Path:
    """The folder of a library's refreshed snapshots (they win over the package's)."""
    return library_root / LIBRARY_FOLDER


def snapshot_file_name(model_id: str) -> str:
    """``google/veo-3.1`` → ``google__veo-3.1.json``."""
    return model_id.replace("/", "__") + ".json"


@dataclass(frozen=True)
class Snapshot:
    """One model's input schema and where it came from."""

    model_id: str
    schemas: Mapping[str, Any]  # "Input" and the component schemas it refers to
    origin: str  # "packaged" (shipped with the app) | "library" (refreshed from Replicate into this library)
    source: str  # in words: what the facts rest on
    captured_at: str  # ISO date or UTC timestamp
    version_id: str | None = None
    path: Path | None = None

    @property
    def properties(self) -> Mapping[str, Any]:
        props = (self.schemas.get("Input") or {}).get("properties")
        return props if isinstance(props, Mapping) else {}

    @property
    def required(self) -> tuple[str, ...]:
        return tuple((self.schemas.get("Input") or {}).get("required") or ())

    def describe(self) -> str:
        """``the packaged snapshot (…, 2026-11-30)`` / ``this library's snapshot from Replicate (…, version …)``."""
        version = f", version {self.version_id[:12]}" if self.version_id else ""
        where = "the packaged snapshot" if self.origin == "packaged" else "this library's snapshot"
        return f"{where} ({self.source}, {self.captured_at}{version})"

    def to_json(self) -> str:
        return json.dumps({"model": self.model_id, "version_id": self.version_id, "captured_at": self.captured_at,
                           "source": self.source, "schemas": self.schemas}, indent=2, sort_keys=True) + "\n"


def load_snapshot(path: Path, origin: str) -> Snapshot | None:
    """The snapshot in ``path``; None (with a log line) when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("schema snapshot %s unreadable (%s); ignoring it", path, exc)
        return None
    schemas = data.get("schemas") if isinstance(data, Mapping) else None
    if not isinstance(schemas, Mapping) or not isinstance(schemas.get("Input"), Mapping) or not data.get("model"):
        log.warning("schema snapshot %s has no input schema; ignoring it", path)
        return None
    return Snapshot(model_id=str(data["model"]), schemas=schemas, origin=origin, source=str(data.get("source") or ""),
                    captured_at=str(data.get("captured_at") or ""), version_id=data.get("version_id") or None,
                    path=path)


def packaged_snapshots() -> dict[str, Snapshot]:
    """Every snapshot shipped with the app, by model id."""
    found = (load_snapshot(path, "packaged") for path in sorted(PACKAGED_DIR.glob("*.json")))
    return {snapshot.model_id: snapshot for snapshot in found if snapshot is not None}


class SnapshotStore:
    """The snapshots in force for one library: its refreshed ones, else the packaged ones. Reads small files."""

    def __init__(self, library_dir: Path | None = None) -> None:
        self.library_dir = library_dir

    @classmethod
    def for_library(cls, library_root: Path) -> SnapshotStore:
        return cls(library_snapshot_dir(library_root))

    def packaged(self, model_id: str) -> Snapshot | None:
        return load_snapshot(PACKAGED_DIR / snapshot_file_name(model_id), "packaged")

    def library(self, model_id: str) -> Snapshot | None:
        if self.library_dir is None:
            return None
        return load_snapshot(self.library_dir / snapshot_file_name(model_id), "library")

    def get(self, model_id: str) -> Snapshot | None:
        """The library's refreshed snapshot when there is one, else the packaged one."""
        return self.library(model_id) or self.packaged(model_id)

    def save(self, snapshot: Snapshot) -> Path:
        """Write ``snapshot`` into the library's folder atomically; returns its path."""
        if self.library_dir is None:
            raise ValueError("no library folder to save schema snapshots in")
        target = self.library_dir / snapshot_file_name(snapshot.model_id)
        atomic_write_text(target, snapshot.to_json())
        return target


# ---- reading a schema -----------------------------------------------------------------------------------------
def resolved(schemas: Mapping[str, Any], prop: Any) -> dict[str, Any]:
    """One property with its ``$ref`` / ``allOf`` targets merged in (the property's own keys win)."""
    if not isinstance(prop, Mapping):
        return {}
    merged: dict[str, Any] = {}
    refs = [prop.get("$ref")] + [p.get("$ref") for p in prop.get("allOf") or () if isinstance(p, Mapping)]
    for ref in refs:
        if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
            target = schemas.get(ref.removeprefix(_REF_PREFIX))
            if isinstance(target, Mapping):
                merged.update({k: v for k, v in target.items() if k not in ("title", "description")})
    merged.update({k: v for k, v in prop.items() if k not in ("$ref", "allOf")})
    return merged


def _words(values: Iterable[Any]) -> str:
    items = [str(v) for v in values]
    return ", ".join(items[:-1]) + f" or {items[-1]}" if len(items) > 1 else "".join(items)


def rule_words(rule: Mapping[str, Any]) -> str:
    """What a property allows, for people: ``4, 6 or 8``; ``from -1 to 15``; ``any integer``."""
    if isinstance(rule.get("enum"), list):
        return _words(rule["enum"])
    low, high = rule.get("minimum"), rule.get("maximum")
    if low is not None or high is not None:
        return f"from {low if low is not None else '…'} to {high if high is not None else '…'}"
    return f"any {rule['type']}" if rule.get("type") else "any value"


_TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "number": (int, float), "boolean": (bool,),
                                       "string": (str,), "array": (list,), "object": (dict,)}


def value_accepted(rule: Mapping[str, Any], value: Any) -> bool:
    """Whether a resolved property rule takes ``value`` (enum, type, minimum and maximum)."""
    if isinstance(rule.get("enum"), list):  # True == 1 in Python, not in JSON
        return any(value == e and isinstance(value, bool) == isinstance(e, bool) for e in rule["enum"])
    kind = rule.get("type")
    if kind in _TYPES:
        if isinstance(value, bool) and kind != "boolean":
            return False
        if not isinstance(value, _TYPES[kind]) or (kind == "integer" and isinstance(value, float)):
            return False
    if isinstance(value, int | float) and not isinstance(value, bool):
        if rule.get("minimum") is not None and value < rule["minimum"]:
            return False
        if rule.get("maximum") is not None and value > rule["maximum"]:
            return False
    return True


# ---- the catalog against a schema -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Mismatch:
    """A catalog input the schema lacks (``missing``), or catalog values it refuses (``refused``, ``allowed``)."""

    name: str
    missing: bool = False
    refused: tuple[Any, ...] = ()
    allowed: str = ""


def sent_values(model: ModelSpec) -> dict[str, list[Any]]:
    """The values the catalog may send for each input with a rule: durations, resolutions, aspects, fixed inputs."""
    values: dict[str, list[Any]] = {}
    if model.duration_input:
        values[model.duration_input] = [int(d) if float(d).is_integer() else d for d in model.durations]
    if model.resolution_input:
        values[model.resolution_input] = [model.resolution_values.get(r, r) for r in model.resolutions]
    if model.aspect_input:
        values[model.aspect_input] = list(model.aspects)
    for name, value in model.fixed_inputs.items():
        values.setdefault(name, []).append(value)
    return values


def verify(model: ModelSpec, schemas: Mapping[str, Any]) -> list[Mismatch]:
    """Every way ``model``'s catalog entry disagrees with an input schema (empty: it matches)."""
    properties = (schemas.get("Input") or {}).get("properties") or {}
    problems = [Mismatch(name, missing=True) for name in model.input_names() if name not in properties]
    for name, values in sent_values(model).items():
        if name not in properties:
            continue
        rule = resolved(schemas, properties[name])
        refused = tuple(dict.fromkeys(v for v in values if not value_accepted(rule, v)))
        if refused:
            problems.append(Mismatch(name, refused=refused, allowed=rule_words(rule)))
    return problems


def takes_last_frame(model: ModelSpec, snapshot: Snapshot | None) -> bool:
    """Whether ``model`` makes pairs and (when a snapshot is known) its schema still has the last-frame input."""
    if not model.pairs:
        return False
    return snapshot is None or model.last_image_input in snapshot.properties


def mismatch_text(model: ModelSpec, problems: Sequence[Mismatch], where: str) -> str:
    """One plain sentence for people; ``where`` says which schema (``on Replicate``, ``in its refreshed schema``)."""
    missing = [p.name for p in problems if p.missing]
    parts = []
    if missing:
        parts.append(f"{model.label} ({model.id}) {where} no longer takes the input(s) {', '.join(missing)}")
    for p in problems:
        if not p.missing:
            parts.append(f"{model.label} {where} now takes {p.name} {p.allowed}, not "
                         f"{', '.join(str(v) for v in p.refused)}")
    return "; ".join(parts)


# ---- what changed between two snapshots -----------------------------------------------------------------------
def differences(model: ModelSpec | None, old: Snapshot | None, new: Snapshot) -> list[str]:
    """What changed from ``old`` to ``new``, in plain words, and what it means for the catalog's ``model``."""
    notes: list[str] = []
    if old is not None:
        before, after = old.properties, new.properties
        added = [n for n in after if n not in before]
        removed = [n for n in before if n not in after]
        if added:
            notes.append("new input(s): " + ", ".join(f"{n} ({_kind(new.schemas, after[n])})" for n in added))
        if removed:
            notes.append("removed input(s): " + ", ".join(removed))
        for name in (n for n in after if n in before):
            notes += _property_changes(name, resolved(old.schemas, before[name]), resolved(new.schemas, after[name]))
        for name in (n for n in new.required if n not in old.required and n in after):
            notes.append(f"{name} is now required")
        for name in (n for n in old.required if n not in new.required and n in after):
            notes.append(f"{name} is no longer required")
        if old.version_id and new.version_id and old.version_id != new.version_id:
            notes.append(f"new version {new.version_id[:12]} (was {old.version_id[:12]})")
    if model is not None:
        notes += _catalog_consequences(model, new)
    return notes


def _kind(schemas: Mapping[str, Any], prop: Any) -> str:
    rule = resolved(schemas, prop)
    if rule.get("format") == "uri":
        return "file or URL"
    return str(rule.get("type") or "value")


def _property_changes(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    notes = []
    if old.get("type") != new.get("type") and old.get("type") and new.get("type"):
        notes.append(f"{name} is now {new['type']} (was {old['type']})")
    if old.get("enum") != new.get("enum"):
        was = _words(old["enum"]) if isinstance(old.get("enum"), list) else "any value"
        now = _words(new["enum"]) if isinstance(new.get("enum"), list) else "any value"
        notes.append(f"{name} now takes {now} (was {was})")
    if (old.get("minimum"), old.get("maximum")) != (new.get("minimum"), new.get("maximum")):
        notes.append(f"{name} now ranges {rule_words({**new, 'enum': None})} (was {rule_words({**old, 'enum': None})})")
    if old.get("default") != new.get("default"):
        was = old.get("default", "none")
        notes.append(f"{name} default is now {new.get('default', 'none')} (was {was})")
    return notes


def _catalog_consequences(model: ModelSpec, new: Snapshot) -> list[str]:
    if not model.pairs:
        grown = [n for n in LAST_FRAME_NAMES if n in new.properties]
        return [f"it now has a last-frame input ({', '.join(grown)}): it could make pairs once the catalog "
                "knows its rules"] if grown else []
    notes = []
    if model.last_image_input not in new.properties:
        notes.append(f"no last-frame input ({model.last_image_input}) any more: {model.label} is no longer "
                     "offered for pairs")
    others = [p for p in verify(model, new.schemas) if p.name != model.last_image_input]
    if others:
        notes.append(f"the catalog no longer fits it ({mismatch_text(model, others, 'in this schema')}): "
                     f"{model.label} is refused before any create until the catalog is updated")
    return notes


# ---- refreshing from Replicate --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefreshResult:
    """One model's refresh: what changed (empty: nothing), or why it could not be fetched."""

    model_id: str
    changes: tuple[str, ...] = ()
    error: str | None = None
    snapshot: Snapshot | None = None
    offered_for_pairs: bool = False


def snapshot_from_model_info(model_id: str, data: Any, captured_at: str, source: str) -> Snapshot:
    """The input part of a ``GET /v1/models/{owner}/{name}`` answer; raises ``ValueError`` when it has none."""
    try:
        version = data["latest_version"]
        components = version["openapi_schema"]["components"]["schemas"]
        inputs = components["Input"]
    except (KeyError, TypeError):
        raise ValueError(f"Replicate publishes no input schema for {model_id}") from None
    if not isinstance(components, Mapping) or not isinstance(inputs, Mapping):
        raise ValueError(f"Replicate publishes no input schema for {model_id}")
    kept: dict[str, Any] = {"Input": inputs}
    pending = [inputs]
    while pending:  # the component schemas the input refers to, transitively
        for ref in _refs(pending.pop()):
            name = ref.removeprefix(_REF_PREFIX)
            if name not in kept and isinstance(components.get(name), Mapping):
                kept[name] = components[name]
                pending.append(components[name])
    version_id = version.get("id") if isinstance(version, Mapping) else None
    return Snapshot(model_id=model_id, schemas=kept, origin="library", source=source, captured_at=captured_at,
                    version_id=str(version_id) if version_id else None)


def _refs(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith(_REF_PREFIX):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


async def refresh_snapshots(store: SnapshotStore, models: Sequence[ModelSpec], token: str, base_url: str, *,
                            timeout_s: float = REFRESH_TIMEOUT_S) -> list[RefreshResult]:
    """Fetch each model's schema from Replicate, save it in the library, and say what changed (in order)."""
    limit = asyncio.Semaphore(REFRESH_CONCURRENCY)
    timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
    async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=timeout,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def one(model: ModelSpec) -> RefreshResult:
            async with limit:
                return await _refresh_one(client, store, model, base_url)
        return list(await asyncio.gather(*(one(model) for model in models)))


async def _refresh_one(client: httpx.AsyncClient, store: SnapshotStore, model: ModelSpec,
                       base_url: str) -> RefreshResult:
    try:
        data = await _fetch_model(client, model.id)
    except _FetchError as exc:
        return RefreshResult(model.id, error=str(exc))
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    host = httpx.URL(base_url).host or base_url
    try:
        new = snapshot_from_model_info(model.id, data, now, f"Replicate ({host})")
    except ValueError as exc:
        return RefreshResult(model.id, error=str(exc))
    old = await asyncio.to_thread(store.get, model.id)
    changes = differences(model, old, new)
    path = await asyncio.to_thread(store.save, new)
    saved = Snapshot(new.model_id, new.schemas, new.origin, new.source, new.captured_at, new.version_id, path)
    offered = takes_last_frame(model, saved) and not verify(model, saved.schemas)
    return RefreshResult(model.id, tuple(changes), snapshot=saved, offered_for_pairs=offered)


class _FetchError(Exception):
    pass


async def _fetch_model(client: httpx.AsyncClient, model_id: str) -> Any:
    """``GET /v1/models/{owner}/{name}``: a few tries on throttling, 5xx and network failures, each bounded."""
    for attempt in range(REFRESH_TRIES):
        wait = 0.5 * (attempt + 1)
        try:
            response = await client.get(f"/v1/models/{model_id}")
        except httpx.HTTPError as exc:
            failure = f"could not reach Replicate ({type(exc).__name__})"
        else:
            if response.status_code in (401, 403):
                raise _FetchError(f"Replicate refused the API token (HTTP {response.status_code})")
            if response.status_code == 404:
                raise _FetchError(f"Replicate has no model {model_id}")
            if response.status_code < 400:
                try:
                    return response.json()
                except ValueError:
                    raise _FetchError("Replicate sent an unreadable answer") from None
            failure = f"Replicate answered HTTP {response.status_code}"
            if response.status_code < 500 and response.status_code != 429:
                raise _FetchError(f"{failure}: {_detail(response)}")
            wait = _retry_after(response) or wait
        if attempt < REFRESH_TRIES - 1:
            await asyncio.sleep(min(wait, MAX_RETRY_WAIT_S))
    raise _FetchError(failure)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def _detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return ""
    return redact(str(data.get("detail") or data.get("title") or "")) if isinstance(data, Mapping) else ""
