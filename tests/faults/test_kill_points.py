"""SIGKILL at named points of ``generate`` and ``combine`` (``PAIRFRAME_KILL_AT``), through the real launcher,
the fake Replicate and the bundled FFmpeg. After each: no FFmpeg runs on as an orphan, ``resume`` finishes the
clips, nothing is created (paid for) twice, the interrupted combine is undone, ``combine`` makes the ad, and no
partial file is left anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.faultpoints import ENVIRONMENT_VARIABLE
from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.helpers.combine_media import add_job, make_clip
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.processes import orphans_after, partials

ROOT = Path(__file__).resolve().parents[2]
MODEL = "google/veo-3.1-fast"
pytestmark = [pytest.mark.timeout(240), pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                             reason="reads /proc; children die with their parent "
                                                                    "through Linux's PR_SET_PDEATHSIG")]


def _env(fake: FakeReplicate | None = None, kill_at: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    env.pop(ENVIRONMENT_VARIABLE, None)
    if fake is not None:
        env.update(REPLICATE_API_TOKEN=TOKEN, REPLICATE_BASE_URL=fake.url)
    if kill_at is not None:
        env[ENVIRONMENT_VARIABLE] = kill_at
    return env


def _cli(data: Path, *args: str, fake: FakeReplicate | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args],
                          capture_output=True, text=True, timeout=150, env=_env(fake), cwd=ROOT,
                          stdin=subprocess.DEVNULL)


def _killed_at(point: str, data: Path, *args: str, fake: FakeReplicate | None = None) -> str:
    """Run a command that kills itself at ``point``; returns its standard error."""
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), *args],
                            capture_output=True, text=True, timeout=150, env=_env(fake, point), cwd=ROOT,
                            stdin=subprocess.DEVNULL)
    assert result.returncode == -signal.SIGKILL, f"it was not killed at {point}: {result.stderr[-2000:]}"
    return result.stderr


def _job(data: Path, job_id: int = 1) -> dict:
    shown = _cli(data, "job", str(job_id), "--json")
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def _library(tmp_path: Path, pairs: int) -> Path:
    data = tmp_path / "library"

    async def seed() -> None:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            await seed_campaign(services, tmp_path / "images", pairs=pairs)
            services.settings.update(poll_interval_s=0.05, poll_interval_max_s=0.2, replicate_create_timeout_s=2.0)
        finally:
            await services.aclose()
    asyncio.run(seed())
    return data


def _assert_nothing_left(tmp_path: Path) -> None:
    assert orphans_after(str(tmp_path)) == [], "a process of the killed run is still running"
    assert partials(tmp_path) == [], "partial files are left behind"


# ---- combine ----------------------------------------------------------------------------------------------------
@pytest.mark.slow
async def test_combine_killed_mid_encode_leaves_no_ffmpeg_and_resume_undoes_it(services, library_dir,
                                                                                tmp_path) -> None:
    files = [make_clip(tmp_path / "clips" / f"c{i}.mp4", size=(1280, 720), duration=5.0, freq=300 + 100 * i)
             for i in range(3)]
    job_id = await add_job(services, files)
    out = tmp_path / "out" / "ad.mp4"
    out.parent.mkdir()
    _killed_at("mid-combine", library_dir, "combine", str(job_id), "--transition", "crossfade", "-o", str(out))
    assert orphans_after(str(out.parent)) == [], "FFmpeg went on encoding after its parent was killed"
    [partial] = partials(out.parent)
    assert partial.name.startswith(".ad.") and partial.name.endswith(".part.mp4")
    assert _job(library_dir, job_id)["status"] == "combining"  # what the killed run left

    resumed = _cli(library_dir, "resume", str(job_id), "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "succeeded"
    assert _job(library_dir, job_id)["status"] == "succeeded"
    assert partials(out.parent) == []  # the dead combine's partial went with it

    combined = _cli(library_dir, "combine", str(job_id), "-o", str(out))
    assert combined.returncode == 0, combined.stderr
    assert out.is_file() and _job(library_dir, job_id)["output"] == str(out)
    _assert_nothing_left(tmp_path)


async def test_a_new_combine_sweeps_the_partial_a_killed_one_left_beside_its_output(services, library_dir,
                                                                                      tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / "clips" / f"c{i}.mp4") for i in range(2)])
    other = await add_job(services, [make_clip(tmp_path / "clips" / "d.mp4")])
    out = tmp_path / "out" / "ad.mp4"
    out.parent.mkdir()
    _killed_at("mid-combine", library_dir, "combine", str(job_id), "--transition", "fade", "-o", str(out))
    assert len(partials(out.parent)) == 1
    combined = _cli(library_dir, "combine", str(other), "-o", str(out))  # another job, the same output path
    assert combined.returncode == 0, combined.stderr
    assert partials(out.parent) == [] and out.is_file()


@pytest.mark.slow
async def test_a_killed_export_of_formats_leaves_partials_the_next_one_sweeps(services, library_dir,
                                                                             tmp_path) -> None:
    files = [make_clip(tmp_path / "clips" / f"c{i}.mp4", size=(1280, 720), duration=4.0) for i in range(2)]
    job_id = await add_job(services, files)
    out = tmp_path / "formats"
    out.mkdir()
    _killed_at("mid-combine", library_dir, "combine", str(job_id), "--formats", "16:9,9:16", "-o", str(out))
    assert orphans_after(str(out)) == [], "FFmpeg went on encoding after its parent was killed"
    assert len(partials(out)) == 2 and not [p for p in out.iterdir() if not p.name.startswith(".")]
    assert _job(library_dir, job_id)["status"] == "combining"

    combined = _cli(library_dir, "combine", str(job_id), "--formats", "16:9,9:16", "--draft", "-o", str(out))
    assert combined.returncode == 0, combined.stderr  # a draft leaves the job (and the partials) alone
    assert len(partials(out)) == 2
    combined = _cli(library_dir, "combine", str(job_id), "--formats", "16:9,9:16", "-o", str(out))
    assert combined.returncode == 0, combined.stderr
    assert partials(out) == [] and sorted(p.name for p in out.iterdir()) == sorted(
        f"Spring-{slug}.{ext}" for slug in ("16x9", "9x16") for ext in ("json", "mp4", "srt"))
    assert _job(library_dir, job_id)["status"] == "succeeded"


# ---- generate ---------------------------------------------------------------------------------------------------
REPLICATE_POINTS = ["after-submission-record", "after-create", "mid-download"]


@pytest.mark.slow
@pytest.mark.parametrize("point", REPLICATE_POINTS)
def test_generate_killed_at_a_point_then_resume_pays_nothing_twice(point: str, tmp_path: Path,
                                                                    fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 0.3
    data = _library(tmp_path, pairs=2)
    out = tmp_path / "out" / "ad.mp4"
    _killed_at(point, data, "generate", "--campaign", "Spring", "--model", MODEL, "--duration", "4", "--yes",
               "-o", str(out), fake=fake_replicate)
    assert orphans_after(str(tmp_path)) == []
    made_before = fake_replicate.create_count

    resumed = _cli(data, "resume", "1", "--json", fake=fake_replicate)
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    assert [c["status"] for c in document["clips"]] == ["succeeded", "succeeded"]
    assert all(c["attempts"] == 1 and Path(c["file"]).is_file() for c in document["clips"])
    assert fake_replicate.create_count == 2 and not fake_replicate.duplicates()
    assert sorted(c["prediction_id"] for c in document["clips"]) == sorted(fake_replicate.predictions)
    if point == "after-submission-record":  # that create never left: resume made it
        assert made_before <= 1
    combined = _cli(data, "combine", "1", "-o", str(out))
    assert combined.returncode == 0, combined.stderr
    assert fake_replicate.create_count == 2
    _assert_nothing_left(tmp_path)


LOCAL_POINTS = {  # point → clips, resolution, seconds: a render long enough that an orphan would be seen going on
    "mid-render": (1, "1080p", "8"),
    "mid-combine": (2, "480p", "2"),
}


@pytest.mark.slow
@pytest.mark.parametrize("point", sorted(LOCAL_POINTS))
def test_generate_with_the_local_model_killed_mid_ffmpeg_leaves_no_ffmpeg_and_resumes(point: str,
                                                                                      tmp_path: Path) -> None:
    pairs, resolution, seconds = LOCAL_POINTS[point]
    data = _library(tmp_path, pairs=pairs)
    out = tmp_path / "out" / "ad.mp4"
    _killed_at(point, data, "generate", "--campaign", "Spring", "--model", "local", "--duration", seconds,
               "--resolution", resolution, "--transition", "crossfade", "--yes", "-o", str(out))
    assert orphans_after(str(tmp_path)) == [], "FFmpeg went on after its parent was killed"
    resumed = _cli(data, "resume", "1", "--json")
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    assert document["status"] == "succeeded"  # not left "combining"
    assert [c["status"] for c in document["clips"]] == ["succeeded"] * pairs
    combined = _cli(data, "combine", "1", "-o", str(out))
    assert combined.returncode == 0, combined.stderr
    assert out.is_file()
    _assert_nothing_left(tmp_path)
