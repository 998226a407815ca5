"""``retry JOB [CLIP...] [--model M] [--prompt P]`` through the real launcher against the fake Replicate: the CLI twin
of a clip card's Retry, with exit status 0 (every retried clip succeeded), 1 (the work failed) and 2 (bad usage)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli_generate import _cli, _library
from tests.fakes.replicate_server import FakeReplicate, fake_replicate  # noqa: F401

pytestmark = pytest.mark.timeout(180)


def _clips(data: Path) -> list[dict]:
    return json.loads(_cli(data, "job", "1", "--json").stdout)["clips"]


@pytest.mark.slow
def test_retry_makes_failed_clips_again_with_exit_codes_for_each_outcome(tmp_path: Path,
                                                                        fake_replicate: FakeReplicate) -> None:  # noqa: F811
    fake_replicate.scenario.outcome = lambda values: "failed" if "FAIL" in values["prompt"] else "succeeded"
    data = _library(tmp_path, prompts=["one", "FAIL two", "FAIL three"])
    generated = _cli(data, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--yes",
                     fake=fake_replicate)
    assert generated.returncode == 1 and fake_replicate.create_count == 3

    for args, words in ((["9"], "there is no clip 9"), (["--prompt", "x"], "--prompt is for one clip"),
                        (["2", "--model", "acme/nothing"], "unknown model 'acme/nothing'")):
        usage = _cli(data, "retry", "1", *args, fake=fake_replicate)
        assert usage.returncode == 2 and words in usage.stderr, usage.stderr
    refused = _cli(data, "retry", "1", "1", fake=fake_replicate)
    assert refused.returncode == 1 and "clip 1 is succeeded" in refused.stderr
    assert fake_replicate.create_count == 3  # nothing was sent for any of these

    still_failing = _cli(data, "retry", "1", "3", fake=fake_replicate)
    assert still_failing.returncode == 1 and "clip 3 failed: the model failed" in still_failing.stderr

    fixed = _cli(data, "retry", "1", "2", "--prompt", "two, gently", "--json", fake=fake_replicate)
    assert fixed.returncode == 0, fixed.stderr
    clip = json.loads(fixed.stdout)["clips"][1]
    assert clip["status"] == "succeeded" and clip["attempts"] == 2 and Path(clip["file"]).is_file()
    assert "clip 2/3: succeeded" in fixed.stderr

    rest = _cli(data, "retry", "1", "--model", "minimax/hailuo-02", fake=fake_replicate)  # every one left: clip 3
    assert rest.returncode == 1  # its prompt still fails
    assert [(c["status"], c["model"]) for c in _clips(data)][2] == ("failed", "minimax/hailuo-02")
    assert fake_replicate.create_count == 6  # one create per retried clip (a retry is paid for on purpose)
    done = _cli(data, "retry", "1", "3", "--prompt", "three", fake=fake_replicate)
    assert done.returncode == 0, done.stderr
    assert [c["status"] for c in _clips(data)] == ["succeeded"] * 3
    nothing = _cli(data, "retry", "1", fake=fake_replicate)
    assert nothing.returncode == 1 and "has no failed, canceled or interrupted clip to retry" in nothing.stderr
