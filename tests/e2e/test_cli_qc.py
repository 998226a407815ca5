"""Quality control through the real launcher against the fake Replicate serving crafted clips: ``generate`` checks
every clip as it arrives, ``job --json`` and ``qc JOB --json`` show each verdict with its reasons, and
``retry JOB --failed-qc`` shows its estimate, then makes exactly one new prediction per failed clip with QC's
requirements folded into its prompt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.test_cli_generate import ROOT, _cli, _env, _library
from tests.fakes.replicate_server import FakeReplicate, fake_replicate  # noqa: F401
from tests.fakes.xai_server import API_KEY, FakeBrandXai
from tests.fakes.xai_server import brand_xai_server as brand_xai_server  # the fixture
from tests.helpers.qc_clips import crafted_outputs

pytestmark = pytest.mark.timeout(240)
MODEL = ("--model", "pixverse/pixverse-v4", "--resolution", "360p", "--duration", "5")


def _reasons(clip: dict) -> list[tuple[str, str]]:
    return [(r["check"], r["verdict"]) for r in clip["qc"]["reasons"]]


@pytest.mark.slow
def test_generate_checks_each_clip_and_retry_failed_qc_makes_only_the_failures_again(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.output_for = crafted_outputs(tmp_path / "crafted", duration_s=5.0)
    data = _library(tmp_path, pairs=4, prompts=["one glides", "WRONG two", "FROZEN three", "BLACK four"])

    generated = _cli(data, "generate", "--campaign", "Spring", *MODEL, "--yes", "--json", fake=fake_replicate)
    assert generated.returncode == 0, generated.stderr  # QC informs; it does not fail the job
    assert "QC: 1 pass · 3 fail" in generated.stderr
    document = json.loads(generated.stdout)
    assert document["qc"] == {"pass": 1, "warn": 0, "fail": 3, "unchecked": 0}
    clips = document["clips"]
    assert [c["qc"]["verdict"] for c in clips] == ["pass", "fail", "fail", "fail"]
    assert clips[0]["qc"]["reasons"] == [] and clips[0]["qc"]["first_similarity"] > 0.8
    assert ("first_frame", "fail") in _reasons(clips[1])
    assert ("seam", "fail") in _reasons(clips[1])  # the chain: clip 2 does not start where clip 1 ends
    assert ("frozen", "fail") in _reasons(clips[2])
    assert ("black", "fail") in _reasons(clips[3])
    assert any("black" in r["text"] for r in clips[3]["qc"]["reasons"])
    assert fake_replicate.create_count == 4
    shown = _cli(data, "job", "1")
    assert "QC: 1 pass · 3 fail" in shown.stdout

    checked = _cli(data, "qc", "1", "--json", fake=fake_replicate)
    assert checked.returncode == 1 and "retry 1 --failed-qc" in checked.stderr  # a failed clip: exit 1
    again = json.loads(checked.stdout)
    assert again["summary"] == {"pass": 1, "warn": 0, "fail": 3, "unchecked": 0}
    assert [c["qc"]["verdict"] for c in again["clips"]] == ["pass", "fail", "fail", "fail"]
    assert [(s["between"], s["verdict"]) for s in again["seams"]] == [([0, 1], "fail"), ([1, 2], "pass"),
                                                                     ([2, 3], "fail")]
    assert fake_replicate.create_count == 4  # checking again pays for nothing

    unconfirmed = _cli(data, "retry", "1", "--failed-qc", fake=fake_replicate)
    assert unconfirmed.returncode == 1 and "Estimate: $0.90" in unconfirmed.stderr  # 3 × 5 s × $0.06
    assert "Clips that failed QC: 2, 3, 4" in unconfirmed.stderr
    assert fake_replicate.create_count == 4

    retried = _cli(data, "retry", "1", "--failed-qc", "--yes", "--json", fake=fake_replicate)
    assert retried.returncode == 0, retried.stderr
    assert fake_replicate.create_count == 7 and not fake_replicate.duplicates()
    new = [fake_replicate.predictions[pid].input["prompt"] for pid in fake_replicate.order[4:]]
    assert sorted(new) == sorted([
        "WRONG two. Requirements: the clip must start exactly on the first image.",
        "FROZEN three. Requirements: keep the camera or the subject moving the whole time, with no still stretches.",
        "BLACK four. Requirements: the clip must start exactly on the first image; the clip must end exactly on "
        "the last image; no black frames or fades to black."])
    final = json.loads(retried.stdout)
    assert [c["qc"]["verdict"] for c in final["clips"]] == ["pass"] * 4
    assert [c["attempts"] for c in final["clips"]] == [1, 2, 2, 2]

    nothing = _cli(data, "retry", "1", "--failed-qc", "--yes", fake=fake_replicate)
    assert nothing.returncode == 1 and "has no clip that failed QC" in nothing.stderr
    assert fake_replicate.create_count == 7


def test_generate_without_qc_stores_no_verdict(tmp_path: Path) -> None:
    data = _library(tmp_path, pairs=1)
    result = _cli(data, "generate", "--campaign", "Spring", "--duration", "2", "--resolution", "480p", "--yes",
                  "--json", "--no-qc")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["clips"][0]["qc"] is None and document["qc"]["unchecked"] == 1
    assert "QC:" not in result.stderr


def test_qc_brand_asks_the_vision_model_and_records_each_answer_once(
        tmp_path: Path, brand_xai_server: FakeBrandXai) -> None:
    data = _library(tmp_path, pairs=1)
    made = _cli(data, "generate", "--campaign", "Spring", "--duration", "2", "--resolution", "480p", "--yes")
    assert made.returncode == 0, made.stderr
    env = {"XAI_BASE_URL": brand_xai_server.base_url, "XAI_API_KEY": API_KEY}

    checked = subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data), "qc", "1", "--brand",
                              "--json"], capture_output=True, text=True, timeout=120, env={**_env(), **env},
                             cwd=ROOT, stdin=subprocess.DEVNULL)
    assert checked.returncode == 0, checked.stderr
    assert brand_xai_server.problems == [] and len(brand_xai_server.chat_requests) == 1
    [clip] = json.loads(checked.stdout)["clips"]
    brand = clip["qc"]["brand"]
    assert brand["verdict"] == "pass" and len(brand["response_ids"]) == 1 and brand["cost_usd"] > 0

    job = json.loads(_cli(data, "job", "1", "--json").stdout)
    assert job["actual_cost_usd"] == pytest.approx(brand["cost_usd"])  # the local clip is free: only the check
    again = _cli(data, "qc", "1", "--json")  # the campaign does not ask for a brand check: none is paid for
    assert again.returncode == 0 and json.loads(again.stdout)["clips"][0]["qc"]["brand"] is None
    assert len(brand_xai_server.chat_requests) == 1
    assert json.loads(_cli(data, "job", "1", "--json").stdout)["actual_cost_usd"] == pytest.approx(brand["cost_usd"])
