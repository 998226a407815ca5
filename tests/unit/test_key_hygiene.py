"""Keys are trimmed where they enter (environment, keyring, the dialog, ``keys set``), refused when a character
inside them cannot be sent, and redacted from any text in every form a message may write them in."""

from __future__ import annotations

import json
import logging
import re
import urllib.parse
from pathlib import Path

import pytest

from app.config import Settings
from app.core.keycheck import check_key
from app.core.secrets import SERVICE, KeyFormatError, KeyName, KeySource, SecretStore
from app.logging_setup import REDACTED, redact, register_secret
from tests.helpers.keyring_memory import MemoryKeyring
from tests.helpers.logs import app_logging, read_logs

KEY = "xai-HygieneSecret0123456789abcdef"


@pytest.fixture
def env_key(monkeypatch: pytest.MonkeyPatch) -> str:
    raw = KEY + "\r"
    monkeypatch.setenv("XAI_API_KEY", raw)
    return raw


# ---- redaction ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("written", [
    lambda k: f"Illegal header value b'Bearer {k}'".replace("\r", "\\r"),  # h11's message: the bytes repr
    lambda k: repr(f"Bearer {k}"),
    lambda k: repr(f"Bearer {k}".encode()),
    lambda k: json.dumps({"auth": f"Bearer {k}"}),
    lambda k: "https://gw.example/v1?key=" + urllib.parse.quote(k, safe=""),
    lambda k: "https://gw.example/v1?key=" + re.sub("%0D", "%0d", urllib.parse.quote(k, safe="")),
])
def test_an_environment_key_is_redacted_in_its_escaped_forms(env_key: str, written) -> None:  # type: ignore[no-untyped-def]
    text = written(env_key)
    assert KEY[:12] in text  # the test writes the key
    cleaned = redact(text)
    assert REDACTED in cleaned and KEY[4:16] not in cleaned and KEY[-12:] not in cleaned


@pytest.mark.parametrize("key", ["r8_Tokén0123456789abcdef", "r8_Token 0123456789\nabcdef", "r8_Tok\x00en0123456789ab"])
def test_keys_with_odd_characters_are_redacted_as_repr_ascii_bytes_and_json_write_them(key: str) -> None:
    register_secret(key)
    for text in (repr(key), ascii(key), repr(key.encode("utf-8")), json.dumps(key), key.encode(
            "unicode_escape").decode(), urllib.parse.quote(key), urllib.parse.quote_plus(key)):
        cleaned = redact(f"error: {text} (more)")
        assert cleaned.startswith("error: ") and cleaned.endswith(" (more)")
        assert REDACTED in cleaned and "0123456789" not in cleaned, cleaned


def test_any_piece_of_twelve_characters_is_redacted_and_shorter_ones_are_left() -> None:
    register_secret("r8_PieceToken0123456789abcdefXYZ")
    assert redact("cut: PieceToken01 here") == f"cut: {REDACTED} here"  # 12 characters from the middle
    assert redact("tail: 23456789abcdefXYZ!") == f"tail: {REDACTED}!"
    assert redact("short: PieceToken0 here") == "short: PieceToken0 here"  # 11: could be anything
    assert redact("two: PieceToken01 and 89abcdefXYZ") == f"two: {REDACTED} and 89abcdefXYZ"
    assert redact("nothing of it here") == "nothing of it here"


def test_log_records_and_tracebacks_lose_the_key_in_every_form(env_key: str, tmp_path: Path) -> None:
    log = logging.getLogger("app.tests.hygiene")
    with app_logging(tmp_path / "logs"):
        try:
            raise ValueError(f"Illegal header value {('Bearer ' + env_key).encode()!r}")
        except ValueError:
            log.exception("sending failed for %r", env_key)
        logged = read_logs(tmp_path / "logs")
    assert "sending failed for" in logged and "Illegal header value" in logged
    for start in range(len(KEY) - 11):
        assert KEY[start:start + 12] not in logged


# ---- where keys enter -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n", " ", "\t", "\u00a0"])
def test_an_environment_key_is_trimmed(ending: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", " " + KEY + ending)
    store = SecretStore(MemoryKeyring())
    assert store.get(KeyName.REPLICATE) == KEY
    status = store.status(KeyName.REPLICATE)
    assert (status.source, status.masked, status.problem) == (KeySource.ENVIRONMENT, "••••••••cdef", "")


def test_a_whitespace_only_environment_key_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    SecretStore(backend).set(KeyName.XAI, KEY)
    monkeypatch.setenv("XAI_API_KEY", " \n")
    assert SecretStore(backend).get(KeyName.XAI) == KEY


@pytest.mark.parametrize(("inside", "words"), [("\r", "a line break"), ("\n", "a line break"), (" ", "a space"),
                                               ("\t", "a tab"), ("\x07", "a control character"),
                                               ("é", "not plain ASCII"), ("\u2019", "not plain ASCII")])
def test_an_environment_key_with_a_bad_character_inside_is_refused_naming_the_variable(
        inside: str, words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    key = KEY[:16] + inside + KEY[16:]
    monkeypatch.setenv("XAI_API_KEY", key)
    store = SecretStore(MemoryKeyring())
    with pytest.raises(KeyFormatError) as caught:
        store.get(KeyName.XAI)
    message = str(caught.value)
    assert "environment variable XAI_API_KEY" in message and words in message
    assert KEY[:12] not in message and KEY[-12:] not in message
    status = store.status(KeyName.XAI)
    assert status.source is KeySource.ENVIRONMENT and status.masked == "" and status.problem == message


def test_a_damaged_key_in_the_keyring_is_refused_and_the_message_says_so() -> None:
    backend = MemoryKeyring()
    backend.passwords[(SERVICE, "replicate")] = "r8_Stored\n0123456789abcdef\n"
    with pytest.raises(KeyFormatError, match="stored in the OS keyring has a line break"):
        SecretStore(backend).get(KeyName.REPLICATE)


@pytest.mark.parametrize("inside", ["\r", "\n", " ", "é"])
def test_storing_a_key_with_a_bad_character_inside_stores_nothing(inside: str) -> None:
    backend = MemoryKeyring()
    with pytest.raises(KeyFormatError, match="Copy it again"):
        SecretStore(backend).set(KeyName.XAI, KEY[:10] + inside + KEY[10:])
    assert backend.passwords == {}


async def test_the_key_check_refuses_a_bad_key_before_sending_it() -> None:
    result = await check_key(KeyName.REPLICATE, KEY[:10] + "é" + KEY[10:], Settings(replicate_base_url="http://x"))
    assert not result.ok and "not plain ASCII" in result.message and KEY[:12] not in result.message
