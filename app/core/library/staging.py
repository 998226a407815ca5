"""Staging an input inside the store: a private hidden copy that is read, hashed and validated, then renamed.

Copying first (a kernel-side copy, several times cheaper here than writing the bytes from Python) means the
bytes hashed and decoded are exactly the bytes kept, even if the original changes meanwhile. A staged file is
named ``.stage-*.part``: if the process dies, a later start removes it once it is stale (``remove_stale_temp_files``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from app.core.library.validate import ImportRejected, check_candidate, check_size, os_reason


def new_stage_file(folder: Path, prefix: str = ".stage-") -> Path:
    """A fresh, empty, hidden ``.part`` file in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=folder)
    os.close(fd)
    return Path(name)


def stage_copy(source: Path, folder: Path, max_bytes: int) -> Path:
    """Copy the candidate file ``source`` into a staged file in ``folder`` after the size checks.

    Raises ImportRejected (nothing is left behind) when the file is empty, too large or unreadable.
    """
    check_candidate(source, max_bytes)
    staged = new_stage_file(folder)
    try:
        shutil.copyfile(source, staged)
        check_size(staged.stat().st_size, max_bytes)  # it may have changed since it was checked
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise ImportRejected(os_reason(exc)) from None
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    return staged


def keep_staged(staged: Path, target: Path) -> Path:
    """Move the staged file to ``target`` durably and atomically; if ``target`` exists (same hash, same
    bytes) the staged copy is dropped instead."""
    if target.is_file():
        staged.unlink(missing_ok=True)
        return target
    with staged.open("rb+") as handle:
        os.fsync(handle.fileno())
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    return target
