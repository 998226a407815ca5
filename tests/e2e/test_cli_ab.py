"""``generate --ab``, ``ab JOB --json``, ``ab pick`` and ``combine`` of an A/B job through the real launcher,
against the fake Replicate server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_generate import _cli, _library
from tests.fakes.replicate_server import FakeReplicate, fake_replicate  # noqa: F401

pytestmark = pytest.mark.timeout(180)
VEO, HAILUO = "google/veo-3.1-fast", "minimax/hailuo-02"


@pytest.mark.slow
def test_generate_ab_then_pick_a_winner_and_combine_the_winners(tmp_path: Path,
                                                                 fake_replicate: FakeReplicate) -> None:  # noqa: F811
    data = _library(tmp_path, pairs=2)
    out = tmp_path / "ad.mp4"
    made = _cli(data, "generate", "--campaign", "Spring", "--ab", f"{VEO},{HAILUO}", "--duration", "6", "--yes",
                "--json", "-o", str(out), fake=fake_replicate)
    assert made.returncode == 0, made.stderr
    assert "A: Veo 3.1 Fast" in made.stderr and "B: Hailuo 02" in made.stderr and "in all" in made.stderr
    assert "No winner picked for pairs 1, 2: variant A used" in made.stderr
    document = json.loads(made.stdout)
    assert len(document["clips"]) == 4 and fake_replicate.create_count == 4 and not fake_replicate.duplicates()
    assert [a["variant"] for a in document["ab"]["ad"]] == ["A", "A"] and out.is_file()

    shown = _cli(data, "ab", "1", "--json")
    assert shown.returncode == 0, shown.stderr
    state = json.loads(shown.stdout)
    assert [(v["variant"], v["model"]) for v in state["variants"]] == [("A", VEO), ("B", HAILUO)]
    assert [(p["pair"], p["winner"], sorted(p["variants"])) for p in state["pairs"]] == \
        [(1, None, ["A", "B"]), (2, None, ["A", "B"])]
    assert state["wins"] == []

    picked = _cli(data, "ab", "pick", "1", "2", HAILUO)  # by model id; 2 or B would do the same
    assert picked.returncode == 0, picked.stderr
    assert "Pair 2 of job 1: variant B (minimax/hailuo-02) wins." in picked.stdout
    state = json.loads(_cli(data, "ab", "1", "--json").stdout)
    assert [p["winner"] for p in state["pairs"]] == [None, "B"]
    assert state["wins"] == [{"model": HAILUO, "wins": 1, "pairs": 1}, {"model": VEO, "wins": 0, "pairs": 1}]

    combined = _cli(data, "combine", "1", "--json", "-o", str(out))
    assert combined.returncode == 0, combined.stderr
    assert json.loads(combined.stdout)["ab"] == [{"pair": 1, "variant": "A", "model": VEO, "picked": False},
                                                 {"pair": 2, "variant": "B", "model": HAILUO, "picked": True}]
    assert "No winner picked for pair 1: variant A used" in combined.stderr
    assert fake_replicate.create_count == 4


def test_ab_refuses_bad_words_plainly(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=1)
    assert _cli(data, "ab", "pick", "1").returncode == 2
    assert _cli(data, "ab", "one").returncode == 2
    missing = _cli(data, "ab", "7")
    assert missing.returncode == 1 and "there is no job 7" in missing.stderr
    three = _cli(data, "generate", "--campaign", "Spring", "--ab", "local", "--yes")
    assert three.returncode == 2 and "two or three model ids" in three.stderr
