"""SIGKILL in the middle of ``generate --ab`` (real subprocess, fake Replicate, the real client): ``resume`` makes
exactly one prediction per pair and model, never a second."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.fakes.replicate_server import FakeReplicate, fake_replicate  # noqa: F401
from tests.faults.test_kill_points import _assert_nothing_left, _cli, _killed_at, _library

pytestmark = [pytest.mark.timeout(240), pytest.mark.skipif(not sys.platform.startswith("linux"),
                                                             reason="reads /proc for orphans")]


@pytest.mark.slow
@pytest.mark.parametrize("point", ["after-submission-record", "after-create"])
def test_generate_ab_killed_then_resumed_makes_one_prediction_per_pair_and_model(
        point: str, tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.processing_s = 0.3
    data = _library(tmp_path, pairs=2)
    _killed_at(point, data, "generate", "--campaign", "Spring", "--ab", "google/veo-3.1-fast,minimax/hailuo-02",
               "--duration", "6", "--yes", "-o", str(tmp_path / "ad.mp4"), fake=fake_replicate)
    assert fake_replicate.create_count <= 4

    resumed = _cli(data, "resume", "1", "--json", fake=fake_replicate)
    assert resumed.returncode == 0, resumed.stderr
    clips = json.loads(resumed.stdout)["clips"]
    assert [c["status"] for c in clips] == ["succeeded"] * 4 and all(c["attempts"] == 1 for c in clips)
    assert fake_replicate.create_count == 4 and not fake_replicate.duplicates()
    assert sorted(c["prediction_id"] for c in clips) == sorted(fake_replicate.predictions)
    assert sorted(p.model for p in fake_replicate.predictions.values()) == \
        ["google/veo-3.1-fast"] * 2 + ["minimax/hailuo-02"] * 2
    again = _cli(data, "resume", "1", "--json", fake=fake_replicate)
    assert again.returncode == 0 and fake_replicate.create_count == 4
    _assert_nothing_left(tmp_path)
