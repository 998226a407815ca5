"""Atomic writes: the target changes only when the whole write succeeded; leftovers are cleaned at start-up."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.core.atomic import atomic_write_bytes, atomic_writer, remove_stale_temp_files


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "file.bin"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk pulled out")
    assert target.read_bytes() == b"old"
    assert [p.name for p in target.parent.iterdir()] == ["file.bin"]


def test_stale_temporaries_of_an_interrupted_run_are_removed_but_fresh_ones_stay(tmp_path: Path) -> None:
    (tmp_path / "ab").mkdir()
    stale = tmp_path / "ab" / ".abc.jpg.x1y2.part"
    stale.write_bytes(b"partial")
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))
    (tmp_path / "ab" / ".def.jpg.z9.part").write_bytes(b"being written by another process right now")
    (tmp_path / "ab" / "abc.jpg").write_bytes(b"complete")
    assert remove_stale_temp_files(tmp_path) == 1
    assert sorted(p.name for p in (tmp_path / "ab").iterdir()) == [".def.jpg.z9.part", "abc.jpg"]
