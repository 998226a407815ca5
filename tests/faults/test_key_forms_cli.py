"""Keys with a line break, a space or a non-ASCII character, through the real launcher in a subprocess.

Surrounding whitespace (``XAI_API_KEY=$'xai-…\\r'``, a key file ending in a newline) is trimmed and the key works;
a key with such a character inside is refused with a plain message naming where it came from. Neither standard
output, standard error nor the log file ever holds the key, an escaped form of it, or any 12-character piece.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from app.core.secrets import SecretStore
from app.core.services import Services, open_services
from tests.fakes.replicate_server import TOKEN, FakeReplicate, fake_replicate  # noqa: F401
from tests.fakes.xai_server import API_KEY, FakeXai, good
from tests.fakes.xai_server import xai_server as xai_server  # the fixture
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.pairing_data import make_campaign

ROOT = Path(__file__).resolve().parents[2]
PIECE = 12
BAD_INSIDE = {  # a key with this inside → what the message says
    "carriage return": ("r8_Secret0123\r456789abcdefXYZ", "a line break"),
    "line feed": ("r8_Secret0123\n456789abcdefXYZ", "a line break"),
    "space": ("r8_Secret0123 456789abcdefXYZ", "a space"),
    "non-ASCII": ("r8_Secret0123é456789abcdefXYZ", "not plain ASCII"),
}


def _forms(key: str) -> set[str]:
    """The key as it is, trimmed, and as repr, ascii, bytes and percent-encoding write it."""
    forms = set()
    for value in (key, key.strip()):
        forms |= {value, repr(value)[1:-1], ascii(value)[1:-1], repr(value.encode())[2:-1],
                  urllib.parse.quote(value, safe="")}
    return forms


def assert_never_shown(key: str, *texts: str) -> None:
    for form in _forms(key):
        for start in range(len(form) - PIECE + 1):
            piece = form[start:start + PIECE]
            for text in texts:
                assert piece not in text, f"a {PIECE}-character piece of the key was shown: {piece!r}"


def _cli(library: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
         ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.helpers.keyring_memory.MemoryKeyring", **(env or {})}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "--data-dir", str(library), *args], input=stdin,
                          capture_output=True, text=True, timeout=120, env=full, cwd=ROOT)


def _log(library: Path) -> str:
    return "".join(p.read_text(encoding="utf-8", errors="replace") for p in (library / "logs").glob("*.log*"))


@pytest.mark.parametrize("case", sorted(BAD_INSIDE))
def test_keys_set_refuses_a_key_with_a_bad_character_inside_and_shows_none_of_it(case: str, tmp_path: Path) -> None:
    key, words = BAD_INSIDE[case]
    library = tmp_path / "library"
    result = _cli(library, "keys", "set", "replicate", stdin=key + "\n")
    assert result.returncode == 2, result.stderr
    assert words in result.stderr and "Replicate API token" in result.stderr and "Nothing was stored" in result.stderr
    assert "Traceback" not in result.stderr
    assert_never_shown(key, result.stdout, result.stderr, _log(library))


def test_keys_status_says_an_environment_key_is_unusable_without_showing_it(tmp_path: Path) -> None:
    key, _ = BAD_INSIDE["non-ASCII"]
    library = tmp_path / "library"
    result = _cli(library, "keys", "status", env={"REPLICATE_API_TOKEN": key})
    assert result.returncode == 0, result.stderr
    replicate = next(line for line in result.stdout.splitlines() if line.startswith("replicate"))
    assert "environment" in replicate and "unusable" in replicate
    assert "Problem: the Replicate API token in the environment variable REPLICATE_API_TOKEN has a character that " \
           "is not plain ASCII" in result.stdout
    assert_never_shown(key, result.stdout, result.stderr, _log(library))


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", "  "])
def test_keys_set_trims_what_surrounds_a_key(ending: str, tmp_path: Path, isolated_environment: MemoryKeyring,
                                             monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                                             ) -> None:
    from app.cli import main

    key = "r8_TrimmedToken0123456789abc"
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO(" " + key + ending))
    assert main(["--data-dir", str(tmp_path / "library"), "keys", "set", "replicate"]) == 0
    assert isolated_environment.passwords[("pairframe", "replicate")] == key
    assert_never_shown(key, capsys.readouterr().out)


async def test_pair_works_with_an_environment_key_that_ends_in_a_line_break(
        services: Services, library_dir: Path, tmp_path: Path, xai_server: FakeXai) -> None:
    await make_campaign(services, tmp_path / "sources", 4)
    xai_server.script(good(count=1), good(count=1))
    for ending in ("\r", "\n"):
        result = await asyncio.to_thread(_cli, library_dir, "pair", "--campaign", "Summer Launch", "--pairer",
                                         "grok", env={"XAI_API_KEY": API_KEY + ending,
                                                      "XAI_BASE_URL": xai_server.base_url})
        assert result.returncode == 0, result.stderr
        assert "1 pair by grok" in result.stdout
        assert_never_shown(API_KEY + ending, result.stdout, result.stderr, _log(library_dir))
    assert [r.headers["authorization"] for r in xai_server.chat_requests] == [f"Bearer {API_KEY}"] * 2


async def test_pair_refuses_an_environment_key_with_a_bad_character_naming_the_variable(
        services: Services, library_dir: Path, tmp_path: Path, xai_server: FakeXai) -> None:
    await make_campaign(services, tmp_path / "sources", 4)
    key = "xai-fake-key-0123\r\n456789abcdéf"
    result = await asyncio.to_thread(_cli, library_dir, "pair", "--campaign", "Summer Launch", "--pairer", "grok",
                                     env={"XAI_API_KEY": key, "XAI_BASE_URL": xai_server.base_url})
    assert result.returncode == 1
    assert "xAI API key in the environment variable XAI_API_KEY has a line break inside it" in result.stderr
    assert "Traceback" not in result.stderr and xai_server.chat_requests == []
    assert_never_shown(key, result.stdout, result.stderr, _log(library_dir))


def _generation_library(tmp_path: Path) -> Path:
    data = tmp_path / "library"

    async def seed() -> None:
        services = open_services(data, SecretStore(MemoryKeyring()))
        try:
            await seed_campaign(services, tmp_path / "images", pairs=1)
            services.settings.update(poll_interval_s=0.05, poll_interval_max_s=0.2)
        finally:
            await services.aclose()
    asyncio.run(seed())
    return data


def test_generate_works_with_a_token_that_ends_in_a_newline_and_refuses_one_with_an_accent(
        tmp_path: Path, fake_replicate: FakeReplicate) -> None:  # noqa: F811
    library = _generation_library(tmp_path)
    env = {"REPLICATE_BASE_URL": fake_replicate.url}
    good_run = _cli(library, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--duration",
                    "4", "--yes", env={**env, "REPLICATE_API_TOKEN": TOKEN + "\n"})
    assert good_run.returncode == 0, good_run.stderr
    assert fake_replicate.create_count == 1 and fake_replicate.unauthorized == 0
    bad = "r8_fake-test-tokén-0000"
    bad_run = _cli(library, "generate", "--campaign", "Spring", "--model", "google/veo-3.1-fast", "--yes",
                   env={**env, "REPLICATE_API_TOKEN": bad})
    assert bad_run.returncode == 1
    assert "the Replicate API token in the environment variable REPLICATE_API_TOKEN has a character that is not " \
           "plain ASCII" in bad_run.stderr
    assert "Traceback" not in bad_run.stderr and "UnicodeEncodeError" not in bad_run.stderr
    assert fake_replicate.create_count == 1
    for key in (TOKEN + "\n", bad):
        assert_never_shown(key, good_run.stdout, good_run.stderr, bad_run.stdout, bad_run.stderr, _log(library))
