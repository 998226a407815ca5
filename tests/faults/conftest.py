"""What the fault tests share: the CLI as a real subprocess, a library made in-process, and a small disk."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.services import open_services

ROOT = Path(__file__).resolve().parents[2]


def cli(library: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``main.py --data-dir library ARGS`` and return what it did."""
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), *args],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def cli_import_json(library: Path, *sources: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``import --campaign Spring --json SOURCES``: the process and its JSON report."""
    result = cli(library, "import", "--campaign", "Spring", "--json", *sources)
    assert "Traceback" not in result.stderr, result.stderr
    return result, json.loads(result.stdout)


def make_library(folder: Path) -> Path:
    """A library with client Acme and its campaign Spring (made in-process: only the commands under test run
    as subprocesses)."""
    async def make() -> None:
        services = open_services(folder)
        try:
            client = (await services.library.create_client("Acme")).value
            await services.library.create_campaign(client.id, "Spring")
        finally:
            await services.aclose()

    asyncio.run(make())
    return folder


@pytest.fixture
def library(tmp_path: Path) -> Path:
    return make_library(tmp_path / "library")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """``mount(size)``: a fresh tmpfs of ``size`` bytes (root on Linux only; otherwise the test is skipped with
    the reason). ``mount`` again on the same folder resizes it; everything is unmounted after the test."""
    mounted: list[Path] = []

    def mount(size: int) -> Path:
        point = tmp_path / "disk"
        if not sys.platform.startswith("linux") or shutil.which("mount") is None:
            pytest.skip("a small file system is made with Linux's mount -t tmpfs")
        if os.geteuid() != 0:
            pytest.skip("mounting a small file system (tmpfs) needs root")
        options = f"size={size}" + (",remount" if point in mounted else "")
        point.mkdir(exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small file system here: {done.stderr.strip() or done.returncode}")
        if point not in mounted:
            mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def fill(disk: Path, leave: int) -> Path:
    """Fill ``disk`` with a file until only about ``leave`` bytes are free; returns the file."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with filler.open("wb") as handle:
        handle.truncate(0)
        block = b"\0" * (1024 * 1024)
        remaining = max(0, free - leave)
        while remaining > 0:
            written = handle.write(block[:min(len(block), remaining)])
            remaining -= written
    return filler
