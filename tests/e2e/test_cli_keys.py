"""``keys set`` / ``keys status`` through the real launcher: stdin in, never echoed, honest about where it went."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.helpers.keyring_memory import MemoryKeyring

ROOT = Path(__file__).resolve().parents[2]
SECRET = "r8_cli-secret-token-7319"


def _run(*args: str, stdin: str = "", backend: str | None = None,
         env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **(env_extra or {})}
    if backend:
        env["PYTHON_KEYRING_BACKEND"] = backend
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env=env, cwd=ROOT)


def test_without_a_secure_keyring_set_fails_and_says_nothing_was_saved() -> None:
    result = _run("keys", "set", "replicate", stdin=SECRET + "\n", backend="keyring.backends.fail.Keyring")
    assert result.returncode == 1
    assert "no secure keyring" in result.stderr and "nothing was saved" in result.stderr
    assert SECRET not in result.stdout + result.stderr


def test_an_empty_standard_input_is_bad_usage() -> None:
    result = _run("keys", "set", "xai", stdin="  \n", backend="tests.helpers.keyring_memory.MemoryKeyring")
    assert result.returncode == 2
    assert "no xAI API key on standard input" in result.stderr


def test_a_secure_keyring_takes_the_key() -> None:
    result = _run("keys", "set", "xai", stdin=SECRET, backend="tests.helpers.keyring_memory.MemoryKeyring")
    assert result.returncode == 0, result.stderr
    assert "Stored the xAI API key in the OS keyring (MemoryKeyring)" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_status_shows_the_environment_key_masked() -> None:
    result = _run("keys", "status", backend="keyring.backends.fail.Keyring",
                  env_extra={"REPLICATE_API_TOKEN": SECRET})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    replicate = next(line for line in lines if line.startswith("replicate"))
    assert "environment" in replicate and "••••••••7319" in replicate
    xai = next(line for line in lines if line.startswith("xai"))
    assert "not set" in xai
    assert "not a secure OS keyring" in result.stdout
    assert SECRET not in result.stdout + result.stderr


def test_set_then_status_round_trip_in_process(isolated_environment: MemoryKeyring,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"\n  {SECRET}  \n"))
    assert main(["keys", "set", "replicate"]) == 0
    assert isolated_environment.passwords[("pairframe", "replicate")] == SECRET
    monkeypatch.setenv("XAI_API_KEY", "xai-from-env-0001")
    assert main(["keys", "status"]) == 0
    out = capsys.readouterr().out
    assert "OS keyring" in out and "••••••••7319" in out
    assert "environment" in out and "••••••••0001" in out
    assert SECRET not in out and "xai-from-env-0001" not in out


def test_set_notes_when_the_environment_wins(isolated_environment: MemoryKeyring, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XAI_API_KEY", "xai-from-env-0002")
    monkeypatch.setattr(sys, "stdin", io.StringIO(SECRET))
    assert main(["keys", "set", "xai"]) == 0
    assert "XAI_API_KEY is set in the environment and wins" in capsys.readouterr().out
