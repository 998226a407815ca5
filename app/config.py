"""Every setting declared once with its type and default; the library folder's paths.

Settings live in ``settings.json`` inside the library folder (written atomically). Keys never do: they are in
the OS keyring (``app.core.secrets``). Environment variables override a few settings for automation and tests.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import logging
import os
import socket
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from app.core.atomic import atomic_write_text
from app.core.changes import ChangeHub, Changes
from app.core.db.location import POSTGRES_SCHEMES, LibraryLocation, LocationError, team_location

log = logging.getLogger(__name__)

APP_NAME = "Pairframe"
DATA_DIR_ENV = "PAIRFRAME_DATA_DIR"
LIBRARY_ENV = "PAIRFRAME_LIBRARY"
STORE_ENV = "PAIRFRAME_STORE"
XAI_BASE_URL_ENV = "XAI_BASE_URL"
REPLICATE_BASE_URL_ENV = "REPLICATE_BASE_URL"


def default_data_dir() -> Path:
    """The per-user library folder chosen by platformdirs."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def resolve_data_dir(cli_value: str | None) -> Path:
    """``--data-dir`` wins, then ``PAIRFRAME_DATA_DIR``, then the platform default."""
    raw = cli_value or os.environ.get(DATA_DIR_ENV)
    return Path(raw).expanduser().resolve() if raw else default_data_dir()


@dataclass(frozen=True, slots=True)
class LibraryPaths:
    """Where everything of one library lives (DESIGN.md §3).

    ``root`` is this workstation's folder (settings, logs, backups, caches; the SQLite file of a local library).
    A team library's ``shared`` folder (a mount every workstation sees) holds the store, the jobs and the exports;
    its thumbnails and previews are cached locally under ``cache/<cache_key>/``. A local library keeps it all in
    ``root``.
    """

    root: Path
    shared: Path | None = None
    cache_key: str = ""

    @property
    def share(self) -> Path:
        """The folder the database's relative file paths start from (the store's parent)."""
        return self.shared or self.root

    @property
    def database(self) -> Path:
        return self.root / "library.sqlite3"

    @property
    def settings(self) -> Path:
        return self.root / "settings.json"

    @property
    def store(self) -> Path:
        return self.share / "store"

    @property
    def cache(self) -> Path:
        return self.root / "cache" / self.cache_key if self.cache_key else self.root / "cache"

    @property
    def thumbs(self) -> Path:
        return self.cache / "thumbs"

    @property
    def previews(self) -> Path:
        return self.cache / "previews"

    @property
    def jobs(self) -> Path:
        return self.share / "jobs"

    @property
    def exports(self) -> Path:
        return self.share / "exports"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def trash(self) -> Path:
        """Originals of deleted assets, kept for a while so a delete can be undone."""
        return self.root / "trash"

    def job_dir(self, job_id: int) -> Path:
        return self.jobs / str(job_id)

    def file(self, stored: str) -> Path:
        """The file a stored path names (relative ones are inside the shared folder; ``stored`` of it undone)."""
        return self.share / stored

    def stored(self, path: Path) -> str:
        """How the database records a file the library made: a team library's paths relative to its shared folder
        (mounted at different places on different workstations), a local library's as they are."""
        if self.shared is not None:
            try:
                return path.relative_to(self.shared).as_posix()
            except ValueError:
                pass
        return str(path)

    def ensure(self) -> LibraryPaths:
        """Create the folders; returns self."""
        for folder in (self.root, self.store, self.thumbs, self.previews, self.jobs, self.exports, self.logs):
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LocationError(f"cannot use the folder {folder}: {exc.strerror or exc} (is the share "
                                    "mounted and writable?)") from None
        return self


def _preset_entries(value: Any) -> dict[str, dict[str, Any]]:
    """Saved quality presets in their stored shape; raises TypeError on any other shape."""
    if not isinstance(value, dict):
        raise TypeError(value)
    result: dict[str, dict[str, Any]] = {}
    for name, entry in value.items():
        if not isinstance(name, str) or not name.strip() or not isinstance(entry, dict):
            raise TypeError(value)
        model, resolution = entry.get("model"), entry.get("resolution")
        duration, transition = entry.get("duration_s"), entry.get("transition", "cut")
        number = isinstance(duration, int | float) and not isinstance(duration, bool)
        if not isinstance(model, str) or not model.strip() or not isinstance(transition, str) \
                or not (resolution is None or isinstance(resolution, str)) or not (duration is None or number):
            raise TypeError(value)
        result[name.strip()] = {"model": model.strip(), "resolution": resolution or None,
                                "duration_s": None if duration is None else float(duration), "transition": transition}
    return result


@dataclass(slots=True)
class Settings:
    """User settings. Add a field here (with a default) and it is loaded, saved and shown in the CLI."""

    # Grok pairing
    xai_base_url: str = "https://api.x.ai/v1"
    xai_model: str = "grok-4-1-fast-non-reasoning"
    xai_timeout_s: float = 90.0
    xai_price_input_per_mtok: float = 0.20
    xai_price_output_per_mtok: float = 0.50
    pairing_max_images: int = 40
    pairing_min_rating: int = 0
    pairing_preview_px: int = 768
    # Where pairing runs: xAI's Grok, or any OpenAI-compatible vision server (its key: keyring name "vision")
    pairing_provider: str = "xai"  # xai | openai-compatible
    vision_base_url: str = ""  # e.g. http://127.0.0.1:11434/v1 (Ollama), http://127.0.0.1:1234/v1 (LM Studio)
    vision_model: str = ""  # e.g. llava:13b, qwen2.5-vl-7b-instruct
    # Replicate generation
    replicate_base_url: str = "https://api.replicate.com"
    poll_interval_s: float = 2.0
    poll_interval_max_s: float = 10.0
    model_prices: dict[str, float] = field(default_factory=dict)  # model id → USD per price unit override
    # Where the library lives: empty for the local folder; a PostgreSQL URL (no password) and a shared store folder
    # for a team library (PAIRFRAME_LIBRARY / PAIRFRAME_STORE and --library / --store win)
    team_library_url: str = ""
    team_store: str = ""
    user_name: str = ""  # who this workstation's imports, ratings and jobs are recorded as (empty: user@host)
    # Jobs shared by several processes (a second window, a terminal, a colleague's workstation)
    job_lease_s: float = 30.0  # a job's worker renews its lease every third of this; others take over past it
    watch_interval_s: float = 1.0  # how often a process watching a job another one works reads its progress
    # Time limits of requests, in seconds (the answer of xAI or a vision server: xai_timeout_s)
    connect_timeout_s: float = 10.0  # opening a connection to Replicate, xAI or a vision server
    replicate_create_timeout_s: float = 60.0  # Replicate's answer to a create or a frame upload
    replicate_poll_timeout_s: float = 30.0  # its answer to a status, list, model or cancel request
    replicate_download_timeout_s: float = 60.0  # the longest silence while an output downloads
    # Import limits
    import_max_bytes: int = 200 * 1024 * 1024
    import_max_pixels: int = 150_000_000
    url_timeout_s: float = 20.0
    url_max_bytes: int = 50 * 1024 * 1024
    thumbnail_px: int = 256
    # Combine
    crossfade_s: float = 0.5
    music_volume: float = 0.8
    music_fade_s: float = 1.5
    clip_audio: str = "keep"  # keep | mix | drop (mix: under the music)
    output_fps: int = 30
    # Quality control of clips (thresholds: QcThresholds field → value; missing ones keep their defaults)
    qc_after_download: bool = True  # check each clip as soon as its video is stored
    qc_thresholds: dict[str, float] = field(default_factory=dict)
    # Models and quality presets
    generate_audio: bool = False  # let models that can add sound do so (they may cost more)
    # name → {"model", "resolution" (None: the model's default), "duration_s" (None: its default), "transition"}
    quality_presets: dict[str, dict[str, Any]] = field(default_factory=dict,
                                                       metadata={"coerce": _preset_entries})

    @classmethod
    def load(cls, path: Path) -> Settings:
        """Read the saved settings, ignoring unknown keys and values of the wrong type (with a log line each)."""
        settings = cls()
        if path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                log.warning("settings file %s unreadable (%s); using defaults", path, exc)
                data = {}
            if isinstance(data, dict):
                settings = settings.updated(data, strict=False)
        return settings

    def updated(self, values: dict[str, Any], *, strict: bool = True) -> Settings:
        """A copy with ``values`` applied; raises ValueError on unknown keys or wrong types when strict."""
        known = {f.name: f for f in fields(self)}
        result = dataclasses.replace(self)
        for key, value in values.items():
            if key not in known:
                if strict:
                    raise ValueError(f"unknown setting: {key}")
                log.warning("ignoring unknown setting %r", key)
                continue
            default = getattr(Settings(), key)
            coerce = known[key].metadata.get("coerce")
            try:
                coerced = coerce(value) if coerce else _coerce(value, type(default))
            except (TypeError, ValueError):
                if strict:
                    raise ValueError(f"setting {key} expects {type(default).__name__}, got {value!r}") from None
                log.warning("ignoring setting %s=%r of the wrong type", key, value)
                continue
            setattr(result, key, coerced)
        return result

    def with_environment(self) -> Settings:
        """Apply the base-URL environment overrides (gateways, proxies, tests)."""
        result = dataclasses.replace(self)
        if url := os.environ.get(XAI_BASE_URL_ENV):
            result.xai_base_url = url
        if url := os.environ.get(REPLICATE_BASE_URL_ENV):
            result.replicate_base_url = url
        return result

    def save(self, path: Path) -> None:
        """Write the settings atomically."""
        atomic_write_text(path, json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True))


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        raise TypeError(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is dict and isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    if kind is str and isinstance(value, str):
        return value
    raise TypeError(value)


class SettingsStore:
    """The settings of one library: what is saved, plus the environment's overrides on top (never saved)."""

    def __init__(self, path: Path, changes: ChangeHub | None = None) -> None:
        self._path = path
        self._saved = Settings.load(path)
        self._changes = changes

    @property
    def current(self) -> Settings:
        """The settings in force: the saved ones with ``XAI_BASE_URL`` / ``REPLICATE_BASE_URL`` applied."""
        return self._saved.with_environment()

    @property
    def saved(self) -> Settings:
        return self._saved

    def update(self, **values: Any) -> Settings:
        """Validate, apply and save ``values`` atomically (announced as a settings change); returns the settings in
        force."""
        self._saved = self._saved.updated(values)
        self._saved.save(self._path)
        if self._changes is not None:
            self._changes.publish(Changes(settings=True))
        return self.current


def resolve_location(data_dir: Path, cli_library: str | None = None, cli_store: str | None = None) -> tuple[
        LibraryLocation, str | None]:
    """The library to open: ``--library``/``--store`` win, then ``PAIRFRAME_LIBRARY``/``PAIRFRAME_STORE``, then
    the team library saved in the folder's settings, else the local library in ``data_dir``.

    Returns the location and a password the URL carried (not saved anywhere; the caller may keep it in the keyring).
    Raises ``LocationError`` for a URL or store that cannot be used.
    """
    url = cli_library or os.environ.get(LIBRARY_ENV) or ""
    store = cli_store or os.environ.get(STORE_ENV) or ""
    if not url and (cli_store or os.environ.get(STORE_ENV)) and not Settings.load(data_dir / "settings.json"
                                                                                  ).team_library_url:
        raise LocationError("--store (PAIRFRAME_STORE) belongs to a team library: give --library "
                            "postgresql://… (PAIRFRAME_LIBRARY) too")
    if not url:
        saved = Settings.load(data_dir / "settings.json")
        url, store = saved.team_library_url, store or saved.team_store
    if not url.strip() or url.strip() in ("local", str(data_dir)):
        return LibraryLocation(data_dir), None
    if not url.startswith(POSTGRES_SCHEMES):
        return LibraryLocation(Path(url).expanduser().resolve()), None
    return team_location(data_dir, url, store)


def library_paths(location: LibraryLocation) -> LibraryPaths:
    """The folders of ``location``."""
    if location.server is None:
        return LibraryPaths(location.data_dir)
    return LibraryPaths(location.data_dir, location.store, location.server.slug())


def actor_name(settings: Settings) -> str:
    """Who this workstation's writes are recorded as: the name set in Settings, else ``user@host``."""
    if settings.user_name.strip():
        return settings.user_name.strip()[:200]
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container), no login
        user = f"uid{os.getuid()}" if hasattr(os, "getuid") else "someone"
    return f"{user}@{socket.gethostname()}"[:200]
