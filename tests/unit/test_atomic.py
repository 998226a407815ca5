"""Atomic writes: the target changes only when the whole write succeeded; leftovers are cleaned at start-up."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.core.atomic import (
    atomic_write_bytes,
    atomic_writer,
    partial_file,
    publish,
    remove_abandoned_partials,
    remove_stale_temp_files,
)


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


def test_a_partial_is_private_and_no_sweep_removes_it_while_it_is_written(tmp_path: Path) -> None:
    target = tmp_path / "out" / "ad.mp4"
    with partial_file(target) as partial:
        assert partial.parent == target.parent and partial.name.startswith(".ad.")
        assert partial.name.endswith(".part.mp4") and stat.S_IMODE(partial.stat().st_mode) == 0o600
        partial.write_bytes(b"being written")
        assert remove_abandoned_partials(target) == 0 and remove_stale_temp_files(tmp_path) == 0
        publish(partial, target)
    assert [p.name for p in target.parent.iterdir()] == ["ad.mp4"]


@pytest.mark.skipif(sys.platform == "win32", reason="a lock held by another process (Windows keeps no handle open)")
def test_the_partial_of_a_killed_process_goes_at_once_and_other_fresh_temporaries_stay(tmp_path: Path) -> None:
    target = tmp_path / "ad.mp4"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(target)], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[2])
    try:
        partial = Path(holder.stdout.readline().strip())  # type: ignore[union-attr]
        assert partial.is_file() and remove_abandoned_partials(target) == 0  # held by a live process
    finally:
        holder.kill()
        holder.wait(timeout=10)
    fresh = tmp_path / ".notes.txt.k3j.part"  # an atomic write's temporary: only an old one is removed
    fresh.write_bytes(b"in progress elsewhere")
    assert remove_stale_temp_files(tmp_path) == 1
    assert not partial.exists() and fresh.exists()
    (tmp_path / ".ad.x1y2.part.mp4").write_bytes(b"left")
    assert remove_abandoned_partials(target) == 1 and sorted(p.name for p in tmp_path.iterdir()) == [fresh.name]


HOLD = """
import sys, time
from pathlib import Path
from app.core.atomic import partial_file
with partial_file(Path(sys.argv[1])) as partial:
    print(partial, flush=True)
    time.sleep(60)
"""
