"""Atomic writes: the target changes only when the whole write succeeded; leftovers are cleaned at start-up."""

from __future__ import annotations

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


def test_stale_temporaries_of_an_interrupted_run_are_removed(tmp_path: Path) -> None:
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / ".abc.jpg.x1y2.part").write_bytes(b"partial")
    (tmp_path / "ab" / "abc.jpg").write_bytes(b"complete")
    assert remove_stale_temp_files(tmp_path) == 1
    assert [p.name for p in (tmp_path / "ab").iterdir()] == ["abc.jpg"]
