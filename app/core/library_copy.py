"""Copy a whole library into another place: a local folder into a team library (PostgreSQL + a shared store), or
back. The source is only read (its SQLite file is opened read-only); nothing of it changes.

Rows are copied table by table in the order of their foreign keys, in chunks of one transaction each, keeping
their ids; a chunk's rows already in the target are left out, so a copy interrupted at any moment is finished by
running it again. File paths the jobs recorded inside the library become relative to the target's shared folder.
The store's originals are copied under a temporary name, hashed on the way and renamed; the jobs' and exports'
files likewise. At the end every table's row count is compared and every stored file's hash checked.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, func, select, text, tuple_

from app.core.atomic import atomic_write_text, atomic_writer
from app.core.db.engine import (
    DatabaseUnavailable,
    current_revision,
    head_revision,
    make_engine,
    make_server_engine,
    migrate,
)
from app.core.db.location import LibraryLocation
from app.core.db.models import Base
from app.core.library.brand import BRAND_FOLDER

log = logging.getLogger(__name__)

SKIPPED_TABLES = frozenset({"change_log", "job_leases"})  # what live processes leave: not part of a library
CHUNK_ROWS = 2000
MARKER = ".pairframe-copy.json"  # in the target's shared folder: which source it is a copy of, and whether done
_READ = 1024 * 1024
_PATH_COLUMNS = {"clips": ("file_path",), "jobs": ("output_path",)}


class CopyError(Exception):
    """The copy cannot be done or did not verify; the message says why (the source is unchanged)."""


@dataclass(slots=True)
class Side:
    """One end of a copy: its database and the folder its store, jobs and exports live in."""

    engine: Engine
    share: Path
    label: str

    @property
    def store(self) -> Path:
        return self.share / "store"


@dataclass(slots=True)
class CopyReport:
    """What a copy did and found: rows per table (in the target), what was added now, files, problems."""

    target: str
    rows: dict[str, int] = field(default_factory=dict)
    rows_added: int = 0
    files_copied: int = 0
    files_present: int = 0
    files_verified: int = 0
    problems: list[str] = field(default_factory=list)


def open_source(location: LibraryLocation, password: str | None) -> Side:
    """The library to copy from, opened for reading only; its schema must be this version's (open it once first)."""
    if location.server is None:
        path = location.data_dir / "library.sqlite3"
        if not path.is_file():
            raise CopyError(f"there is no library in {location.data_dir}")
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        side = Side(engine, location.data_dir, str(path))
    else:
        assert location.store is not None
        side = Side(make_server_engine(location.server, password), location.store, location.server.display())
    revision = _revision(side)
    if revision != head_revision():
        side.engine.dispose()
        raise CopyError(f"the library to copy has schema {revision}, this version uses {head_revision()}: open it "
                        "once with this version (which upgrades it), then copy")
    return side


def open_target(location: LibraryLocation, password: str | None) -> Side:
    """The library to copy into: created (and its schema built) when new."""
    if location.server is None:
        location.data_dir.mkdir(parents=True, exist_ok=True)
        path = location.data_dir / "library.sqlite3"
        engine = make_engine(path)
        side = Side(engine, location.data_dir, str(path))
        migrate(engine, path, location.data_dir / "backups")
    else:
        assert location.store is not None
        engine = make_server_engine(location.server, password)
        side = Side(engine, location.store, location.server.display())
        migrate(engine, None, location.data_dir / "backups", server=location.server, password=password)
    return side


def _revision(side: Side) -> str | None:
    try:
        return current_revision(side.engine)
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot read {side.label}: {str(exc).splitlines()[0]}") from None


def copied_tables() -> list[Table]:
    """The library's tables in foreign-key order, without what only live processes use."""
    return [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]


def copy_library(source: Side, target: Side, progress: Callable[[str], None] = lambda _m: None) -> CopyReport:
    """Copy ``source`` into ``target`` (empty, or an unfinished copy of the same source), then verify it."""
    if source.share.resolve() == target.share.resolve() or source.label == target.label:
        raise CopyError("the source and the target are the same library")
    marker = target.share / MARKER
    _check_target(source, target, marker)
    target.share.mkdir(parents=True, exist_ok=True)
    atomic_write_text(marker, json.dumps({"source": source.label, "complete": False}))
    report = CopyReport(target.label)
    for table in copied_tables():
        added = _copy_rows(source, target, table)
        report.rows_added += added
        progress(f"{table.name}: {added} row(s) copied")
    _advance_sequences(target)
    _copy_store(source, target, report, progress)
    for folder in ("jobs", "exports", BRAND_FOLDER):
        _copy_tree(source.share / folder, target.share / folder, report)
    _verify(source, target, report, progress)
    if report.problems:
        raise CopyError("the copy did not verify: " + "; ".join(report.problems[:10])
                        + (f" (and {len(report.problems) - 10} more)" if len(report.problems) > 10 else ""))
    atomic_write_text(marker, json.dumps({"source": source.label, "complete": True}))
    return report


def _check_target(source: Side, target: Side, marker: Path) -> None:
    """Refuse a target that already holds another library (or this one, completely copied: nothing to do twice
    is fine, so that is allowed too)."""
    with target.engine.connect() as connection:
        used = any(connection.scalar(select(func.count()).select_from(t)) for t in copied_tables())
    if not used:
        return
    try:
        previous = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        previous = {}
    if previous.get("source") != source.label:
        raise CopyError(f"{target.label} already holds a library: copy into an empty database or folder")


def _copy_rows(source: Side, target: Side, table: Table) -> int:
    """Copy ``table``'s rows the target lacks, chunk by chunk (one transaction each); returns how many."""
    keys = list(table.primary_key.columns)
    added = 0
    with source.engine.connect() as reader:
        result = reader.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
            select(table).order_by(*keys))
        for chunk in result.mappings().partitions(CHUNK_ROWS):
            rows = [_relative_paths(table.name, dict(r), source.share) for r in chunk]
            with target.engine.begin() as writer:
                ids = [tuple(r[k.name] for k in keys) for r in rows]
                key = tuple_(*[table.c[k.name] for k in keys]) if len(keys) > 1 else table.c[keys[0].name]
                wanted = ids if len(keys) > 1 else [i[0] for i in ids]
                present = {tuple(r) for r in writer.execute(select(*[table.c[k.name] for k in keys])
                                                            .where(key.in_(wanted)))}
                fresh = [r for r, i in zip(rows, ids, strict=True) if i not in present]
                if fresh:
                    writer.execute(table.insert(), fresh)
                added += len(fresh)
    return added


def _relative_paths(table: str, row: dict[str, Any], share: Path) -> dict[str, Any]:
    """File paths a job recorded inside the source library, made relative to it (the target resolves them)."""
    for column in _PATH_COLUMNS.get(table, ()):
        value = row.get(column)
        if value and os.path.isabs(value):
            with contextlib.suppress(ValueError):  # outside the library (a music file, say): kept as it is
                row[column] = Path(value).relative_to(share).as_posix()
    return row


def _advance_sequences(target: Side) -> None:
    """On PostgreSQL, move each id sequence past the copied ids (SQLite takes the next after the largest)."""
    if target.engine.dialect.name != "postgresql":
        return
    with target.engine.begin() as connection:
        for table in copied_tables():
            keys = list(table.primary_key.columns)
            if len(keys) != 1 or not keys[0].autoincrement or table.name == "alembic_version":
                continue
            name = keys[0].name
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{name}'), "
                f"COALESCE((SELECT max({name}) FROM {table.name}), 0) + 1, false)"))


def _stored_files(side: Side) -> list[tuple[str, str]]:
    from app.core.db.models import Asset

    with side.engine.connect() as connection:
        return sorted({(sha, fmt.lower()) for sha, fmt in connection.execute(select(Asset.sha256, Asset.format))})


def _store_path(root: Path, sha: str, fmt: str) -> Path:
    return root / sha[:2] / f"{sha}.{fmt}"


def _copy_store(source: Side, target: Side, report: CopyReport, progress: Callable[[str], None]) -> None:
    files = _stored_files(source)
    for number, (sha, fmt) in enumerate(files, start=1):
        origin, copy = _store_path(source.store, sha, fmt), _store_path(target.store, sha, fmt)
        if copy.is_file():
            report.files_present += 1
        elif not origin.is_file():
            report.problems.append(f"the original {origin} is missing from the source's store")
        else:
            digest = _copy_file(origin, copy)
            if digest != sha:
                copy.unlink(missing_ok=True)
                report.problems.append(f"the original {origin} is damaged (its content does not match its name)")
            else:
                report.files_copied += 1
        if number % 500 == 0:
            progress(f"store: {number} of {len(files)} file(s)")


def _copy_file(origin: Path, copy: Path) -> str:
    """Copy under a temporary name, renamed when complete; returns the sha256 of what was read."""
    digest = hashlib.sha256()
    with origin.open("rb") as src, atomic_writer(copy) as dst:
        while chunk := src.read(_READ):
            digest.update(chunk)
            dst.write(chunk)
    return digest.hexdigest()


def _walk(folder: Path) -> Iterator[Path]:
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.endswith(".part"):
                yield path


def _copy_tree(origin: Path, copy: Path, report: CopyReport) -> None:
    for path in _walk(origin):
        target = copy / path.relative_to(origin)
        if target.is_file() and target.stat().st_size == path.stat().st_size:
            report.files_present += 1
            continue
        _copy_file(path, target)
        report.files_copied += 1


def _hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_READ):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(source: Side, target: Side, report: CopyReport, progress: Callable[[str], None]) -> None:
    """Row counts equal table by table; every stored original's hash equal to its name; job and export files equal."""
    progress("verifying")
    with source.engine.connect() as src, target.engine.connect() as dst:
        for table in copied_tables():
            have = dst.scalar(select(func.count()).select_from(table)) or 0
            want = src.scalar(select(func.count()).select_from(table)) or 0
            report.rows[table.name] = have
            if have != want:
                report.problems.append(f"{table.name} has {have} row(s), the source {want}")
    for sha, fmt in _stored_files(source):
        path = _store_path(target.store, sha, fmt)
        if not path.is_file():
            if _store_path(source.store, sha, fmt).is_file():
                report.problems.append(f"{path} is missing")
            continue
        if _hash(path) != sha:
            report.problems.append(f"{path} is damaged (its content does not match its name)")
        else:
            report.files_verified += 1
    for folder in ("jobs", "exports", BRAND_FOLDER):
        for path in _walk(source.share / folder):
            copy = target.share / folder / path.relative_to(source.share / folder)
            if not copy.is_file() or _hash(copy) != _hash(path):
                report.problems.append(f"{copy} differs from {path}")
            else:
                report.files_verified += 1


__all__ = ["CopyError", "CopyReport", "Side", "copy_library", "open_source", "open_target"]
