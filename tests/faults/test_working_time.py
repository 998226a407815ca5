"""Working time, through the real launcher: a job killed mid-run, left closed for a while, then resumed, counts only
the seconds a process worked it — neither the time the app was closed nor the time the job sat interrupted."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.fakes.replicate_server import FakeReplicate, fake_replicate  # noqa: F401
from tests.faults.test_kill_points import MODEL, _cli, _job, _killed_at, _library

CLOSED_S = 4.0  # how long the app stays closed between the kill and the resume


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_working_time_leaves_out_the_time_the_app_was_closed(tmp_path: Path,
                                                             fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 1.0
    data = _library(tmp_path, pairs=3)
    started = time.monotonic()
    _killed_at("mid-download", data, "generate", "--campaign", "Spring", "--model", MODEL, "--duration", "4",
               "--yes", fake=fake_replicate)
    killed = time.monotonic()

    before = _job(data)
    time.sleep(1.5)
    after = _job(data)
    assert after["working_s"] == before["working_s"], "the job's time kept running while nobody worked it"
    assert [c["working_s"] for c in after["clips"]] == [c["working_s"] for c in before["clips"]]
    time.sleep(max(0.0, CLOSED_S - (time.monotonic() - killed)))

    resuming = time.monotonic()
    resumed = _cli(data, "resume", "1", "--json", fake=fake_replicate)
    done = time.monotonic()
    assert resumed.returncode == 0, resumed.stderr
    document = json.loads(resumed.stdout)
    worked = (killed - started) + (done - resuming)  # wall time of the two runs, process start-up included
    assert 0 < document["working_s"] <= worked
    clips = [c["working_s"] for c in document["clips"]]
    assert all(0 < spent <= worked for spent in clips), clips
    assert max(clips) - min(clips) < CLOSED_S, f"a resumed clip counted the time the app was closed: {clips}"
    assert _job(data)["working_s"] == document["working_s"]  # and it stopped when the work ended
