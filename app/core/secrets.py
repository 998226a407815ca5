"""API keys in the OS keyring (service ``pairframe``); never in the database, settings, logs or errors.

Environment variables (``REPLICATE_API_TOKEN``, ``XAI_API_KEY``) win, for automation. When no secure OS
store exists, keys are kept in memory for this session only and the UI says so.
"""

from __future__ import annotations

import enum
import logging
import os
from dataclasses import dataclass

import keyring
import keyring.backend
from keyring.errors import KeyringError, PasswordDeleteError

from app.logging_setup import register_secret

log = logging.getLogger(__name__)

SERVICE = "pairframe"


class KeyName(enum.StrEnum):
    REPLICATE = "replicate"
    XAI = "xai"

    @property
    def env_var(self) -> str:
        return {KeyName.REPLICATE: "REPLICATE_API_TOKEN", KeyName.XAI: "XAI_API_KEY"}[self]

    @property
    def label(self) -> str:
        return {KeyName.REPLICATE: "Replicate API token", KeyName.XAI: "xAI API key"}[self]


class KeySource(enum.StrEnum):
    ENVIRONMENT = "environment"
    KEYRING = "keyring"
    SESSION = "session"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class KeyStatus:
    name: KeyName
    source: KeySource
    masked: str


# Backends that keep secrets in plain files or nowhere: treated as "no secure store".
_INSECURE_BACKENDS = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null", "keyring.backends.chainer")


def mask(secret: str) -> str:
    """Show only the last four characters of a secret."""
    if not secret:
        return ""
    return "•" * 8 + secret[-4:] if len(secret) > 8 else "•" * len(secret)


class SecretStore:
    """Reads and writes API keys; falls back to a session-only memory store without a secure keyring."""

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._session: dict[KeyName, str] = {}

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        return self._backend or keyring.get_keyring()

    def is_secure(self) -> bool:
        """True when keys persist in a real OS key store (Secret Service, Keychain, Credential Locker...)."""
        backend = self.backend
        module = type(backend).__module__
        if module.startswith(_INSECURE_BACKENDS):
            if module.startswith("keyring.backends.chainer"):
                return any(not type(b).__module__.startswith(_INSECURE_BACKENDS) for b in backend.backends)
            return False
        try:
            return backend.priority > 0
        except Exception:
            return False

    def backend_name(self) -> str:
        return type(self.backend).__name__

    def get(self, name: KeyName) -> str | None:
        """The key from the environment, the keyring or this session, in that order."""
        value = self._lookup(name)
        register_secret(value)
        return value

    def _lookup(self, name: KeyName) -> str | None:
        if value := os.environ.get(name.env_var):
            return value
        if name in self._session:
            return self._session[name]
        if not self.is_secure():
            return None
        try:
            return self.backend.get_password(SERVICE, name.value)
        except KeyringError as exc:
            log.warning("the keyring could not be read (%s)", type(exc).__name__)
            return None

    def status(self, name: KeyName) -> KeyStatus:
        if value := os.environ.get(name.env_var):
            return KeyStatus(name, KeySource.ENVIRONMENT, mask(value))
        if name in self._session:
            return KeyStatus(name, KeySource.SESSION, mask(self._session[name]))
        value = self.get(name)
        return KeyStatus(name, KeySource.KEYRING if value else KeySource.NONE, mask(value or ""))

    def set(self, name: KeyName, value: str) -> KeySource:
        """Store a key; returns where it went (the keyring, or this session only)."""
        value = value.strip()
        if not value:
            raise ValueError(f"the {name.label} is empty")
        register_secret(value)
        if self.is_secure():
            try:
                self.backend.set_password(SERVICE, name.value, value)
                self._session.pop(name, None)
                return KeySource.KEYRING
            except KeyringError as exc:
                log.warning("the keyring refused the key (%s); keeping it for this session", type(exc).__name__)
        self._session[name] = value
        return KeySource.SESSION

    def delete(self, name: KeyName) -> None:
        self._session.pop(name, None)
        if not self.is_secure():
            return
        try:
            self.backend.delete_password(SERVICE, name.value)
        except PasswordDeleteError:
            pass
        except KeyringError as exc:
            log.warning("the keyring could not delete the key (%s)", type(exc).__name__)
