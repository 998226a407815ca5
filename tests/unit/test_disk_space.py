"""Telling a full disk apart: ENOSPC, EDQUOT and SQLite's "database or disk is full", however wrapped."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from app.core.disk_space import NoSpaceError, ensure_room, is_no_space, no_space_message, space_checked


def test_no_space_is_recognised_however_it_is_wrapped() -> None:
    full = sqlite3.OperationalError("database or disk is full")
    assert is_no_space(OSError(errno.ENOSPC, "No space left on device"))
    assert is_no_space(OSError(errno.EDQUOT, "Disk quota exceeded"))
    assert is_no_space(full)
    assert is_no_space(OperationalError("INSERT ...", {}, full))
    try:
        try:
            raise full
        except sqlite3.Error as inner:
            raise RuntimeError("commit failed") from inner
    except RuntimeError as outer:
        assert is_no_space(outer)
    assert not is_no_space(OSError(errno.EIO, "Input/output error"))
    assert not is_no_space(sqlite3.OperationalError("database is locked"))
    assert not is_no_space(ValueError("no"))


def test_a_disk_io_error_counts_only_when_the_disk_is_nearly_full(tmp_path: Path) -> None:
    io_error = sqlite3.OperationalError("disk I/O error")
    assert not is_no_space(io_error)
    assert not is_no_space(io_error, tmp_path)  # this test's disk has room


def test_a_write_that_would_not_fit_is_refused_before_it_starts(tmp_path: Path) -> None:
    ensure_room(tmp_path, 1024)
    with pytest.raises(NoSpaceError) as raised:
        ensure_room(tmp_path, 1 << 62)
    assert raised.value.folder == tmp_path
    assert str(raised.value).startswith(f"not enough disk space in {tmp_path}: this needs about ")
    assert no_space_message(tmp_path / "not yet made").startswith(f"not enough disk space in {tmp_path}/not yet made")


def test_enospc_inside_a_checked_write_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(NoSpaceError) as raised, space_checked(tmp_path, 5000):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert raised.value.folder == tmp_path and raised.value.needed > 5000
    with pytest.raises(PermissionError), space_checked(tmp_path):
        raise PermissionError(errno.EACCES, "Permission denied")
