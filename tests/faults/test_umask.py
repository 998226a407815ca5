"""Final files follow the user's umask; temporary files are private. Real processes started under umask 022 and
027 make job clips (the local model), the combined ad, and an export with its manifest."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.faults.test_kill_points import ROOT, _env, _killed_at, _library
from tests.helpers.processes import partials

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")

EXPORT = """
import asyncio, sys
from pathlib import Path
from app.core.services import open_services

async def main():
    services = open_services(Path(sys.argv[1]))
    try:
        print(await services.generation.export(1, Path(sys.argv[2])))
    finally:
        await services.aclose()
asyncio.run(main())
"""


def _run(mask: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=150, env=_env(),
                          cwd=ROOT, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.umask(mask))


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_clips_ads_exports_and_manifests_follow_the_umask(mask: int, tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=2)
    out = tmp_path / "out" / "ad.mp4"
    made = _run(mask, str(ROOT / "main.py"), "--data-dir", str(data), "generate", "--campaign", "Spring",
                "--model", "local", "--duration", "2", "--resolution", "480p", "--yes", "-o", str(out))
    assert made.returncode == 0, made.stderr
    exported = _run(mask, "-c", EXPORT, str(data), str(tmp_path / "delivery" / "spring.mp4"))
    assert exported.returncode == 0, exported.stderr
    finals = [*sorted((data / "jobs" / "1" / "clips").glob("*.mp4")), out, tmp_path / "delivery" / "spring.mp4",
              Path(exported.stdout.strip())]
    assert len(finals) == 5 and finals[-1].suffix == ".json"
    assert {f.name: oct(_mode(f)) for f in finals} == {f.name: oct(0o666 & ~mask) for f in finals}


def test_a_partial_file_is_private(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=1)
    out = tmp_path / "out" / "ad.mp4"
    _killed_at("mid-render", data, "generate", "--campaign", "Spring", "--model", "local", "--duration", "2",
               "--resolution", "480p", "--yes", "-o", str(out))
    [partial] = partials(data / "jobs")
    assert _mode(partial) == 0o600
