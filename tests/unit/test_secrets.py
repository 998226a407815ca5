"""SecretStore: the OS keyring when secure, this session only otherwise, the environment always wins."""

from __future__ import annotations

import keyring.backends.fail
import pytest
from keyring.errors import KeyringError

from app.core.secrets import SERVICE, KeyName, KeySource, SecretStore, mask
from app.logging_setup import redact
from tests.helpers.keyring_memory import MemoryKeyring


class _RefusingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("locked")

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("locked")


def test_mask_shows_only_the_last_four_characters() -> None:
    assert mask("") == ""
    assert mask("short") == "•••••"
    assert mask("r8_abcdefgh1234") == "••••••••1234"


def test_a_secure_keyring_stores_reads_and_deletes_keys() -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    assert store.is_secure()
    assert store.status(KeyName.REPLICATE).source is KeySource.NONE
    assert store.set(KeyName.REPLICATE, "  r8_secret-token-1234\n") is KeySource.KEYRING
    assert backend.passwords[(SERVICE, "replicate")] == "r8_secret-token-1234"
    assert SecretStore(backend).get(KeyName.REPLICATE) == "r8_secret-token-1234"  # another store sees it
    status = store.status(KeyName.REPLICATE)
    assert (status.source, status.masked) == (KeySource.KEYRING, "••••••••1234")
    assert store.get(KeyName.XAI) is None
    store.delete(KeyName.REPLICATE)
    assert store.get(KeyName.REPLICATE) is None
    store.delete(KeyName.REPLICATE)  # deleting a missing key is not an error


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        SecretStore(MemoryKeyring()).set(KeyName.XAI, "   ")


def test_without_a_secure_keyring_keys_live_for_this_session_only() -> None:
    store = SecretStore(keyring.backends.fail.Keyring())
    assert not store.is_secure()
    assert store.set(KeyName.XAI, "xai-session-key-5678") is KeySource.SESSION
    assert store.get(KeyName.XAI) == "xai-session-key-5678"
    assert store.status(KeyName.XAI).source is KeySource.SESSION
    assert SecretStore(keyring.backends.fail.Keyring()).get(KeyName.XAI) is None  # nothing was persisted
    store.delete(KeyName.XAI)
    assert store.get(KeyName.XAI) is None


def test_a_keyring_that_refuses_falls_back_to_the_session() -> None:
    store = SecretStore(_RefusingKeyring())
    assert store.set(KeyName.REPLICATE, "r8_refused-token-0000") is KeySource.SESSION
    assert store.get(KeyName.REPLICATE) == "r8_refused-token-0000"
    assert SecretStore(_RefusingKeyring()).get(KeyName.REPLICATE) is None


def test_the_environment_wins_over_the_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = MemoryKeyring()
    store = SecretStore(backend)
    store.set(KeyName.XAI, "xai-stored-key-1111")
    monkeypatch.setenv("XAI_API_KEY", "xai-env-key-2222")
    assert store.get(KeyName.XAI) == "xai-env-key-2222"
    status = store.status(KeyName.XAI)
    assert (status.source, status.masked) == (KeySource.ENVIRONMENT, "••••••••2222")
    monkeypatch.delenv("XAI_API_KEY")
    assert store.get(KeyName.XAI) == "xai-stored-key-1111"


def test_keys_read_from_the_store_are_redacted_from_logs() -> None:
    store = SecretStore(MemoryKeyring())
    store.set(KeyName.REPLICATE, "r8_never-log-me-4242")
    assert redact("token r8_never-log-me-4242 failed") == "token [redacted] failed"
