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
    VISION = "vision"  # an OpenAI-compatible vision server's key (optional: local servers need none)

    @property
    def env_var(self) -> str:
        return {KeyName.REPLICATE: "REPLICATE_API_TOKEN", KeyName.XAI: "XAI_API_KEY",
                KeyName.VISION: "PAIRFRAME_VISION_API_KEY"}[self]

    @property
    def label(self) -> str:
        return {KeyName.REPLICATE: "Replicate API token", KeyName.XAI: "xAI API key",
                KeyName.VISION: "vision server API key"}[self]


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
    problem: str = ""  # why the key found there cannot be used (never quoting it)


class KeyFormatError(ValueError):
    """A key that cannot be sent as it is (a line break, a space, a non-ASCII character); never quotes the key."""


def _flaw(value: str) -> str | None:
    """What makes ``value`` unusable as a key, in words; None when it is plain printable ASCII."""
    if any(c in "\r\n" for c in value):
        return "a line break"
    if "\t" in value:
        return "a tab"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "a control character"
    if any(c.isspace() for c in value):
        return "a space"
    if not value.isascii():
        return "a character that is not plain ASCII (an accented letter, a typographic quote or dash...)"
    return None


def clean_key(name: KeyName, value: str, *, origin: str = "") -> str:
    """``value`` without surrounding whitespace; raises ``KeyFormatError`` when what is left cannot be a key.

    ``origin`` says where the key came from for the message (the environment variable is named then).
    """
    register_secret(value)
    cleaned = value.strip()
    register_secret(cleaned)
    flaw = _flaw(cleaned)
    if flaw is None:
        return cleaned
    rule = "a key is one line of letters, digits and punctuation"
    if origin == KeySource.ENVIRONMENT:
        raise KeyFormatError(f"the {name.label} in the environment variable {name.env_var} has {flaw} inside it; "
                             f"{rule}. Set {name.env_var} again without it, or unset it.")
    if origin == KeySource.KEYRING:
        raise KeyFormatError(f"the {name.label} stored in the OS keyring has {flaw} inside it; {rule}. "
                             "Store it again (Settings, or `keys set`).")
    raise KeyFormatError(f"the {name.label} has {flaw} inside it; {rule}. Copy it again from the service's "
                         "website.")


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
        self._session_passwords: dict[str, str] = {}

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
        """The key from the environment, the keyring or this session, in that order, trimmed of surrounding
        whitespace; raises ``KeyFormatError`` (naming the variable, never the key) when it cannot be sent."""
        source, value = self._lookup(name)
        return clean_key(name, value, origin=source) if value is not None else None

    def _lookup(self, name: KeyName) -> tuple[KeySource, str | None]:
        value = os.environ.get(name.env_var)
        if value and value.strip():
            return KeySource.ENVIRONMENT, value
        if name in self._session:
            return KeySource.SESSION, self._session[name]
        if not self.is_secure():
            return KeySource.NONE, None
        try:
            value = self.backend.get_password(SERVICE, name.value)
        except KeyringError as exc:
            log.warning("the keyring could not be read (%s)", type(exc).__name__)
            return KeySource.NONE, None
        return (KeySource.KEYRING, value) if value and value.strip() else (KeySource.NONE, None)

    def status(self, name: KeyName) -> KeyStatus:
        """Where ``name``'s key comes from, masked; ``problem`` says why a key found there cannot be used."""
        source, value = self._lookup(name)
        if value is None:
            return KeyStatus(name, KeySource.NONE, "")
        try:
            return KeyStatus(name, source, mask(clean_key(name, value, origin=source)))
        except KeyFormatError as exc:
            return KeyStatus(name, source, "", str(exc))

    def set(self, name: KeyName, value: str) -> KeySource:
        """Store a key (trimmed); returns where it went (the keyring, or this session only).

        Raises ``ValueError`` for an empty key and ``KeyFormatError`` for one that cannot be sent.
        """
        value = clean_key(name, value)
        if not value:
            raise ValueError(f"the {name.label} is empty")
        if self.is_secure():
            try:
                self.backend.set_password(SERVICE, name.value, value)
                self._session.pop(name, None)
                return KeySource.KEYRING
            except KeyringError as exc:
                log.warning("the keyring refused the key (%s); keeping it for this session", type(exc).__name__)
        self._session[name] = value
        return KeySource.SESSION

    # ---- team library database passwords (keyring user "database:user@host:port/db") ------------------------
    def database_password(self, account: str) -> str | None:
        """The stored password of a team library's database (``ServerAddress.account``), if any."""
        if account in self._session_passwords:
            return self._session_passwords[account]
        if not self.is_secure():
            return None
        try:
            value = self.backend.get_password(SERVICE, account)
        except KeyringError as exc:
            log.warning("the keyring could not be read (%s)", type(exc).__name__)
            return None
        register_secret(value)
        return value or None

    def set_database_password(self, account: str, password: str) -> KeySource:
        """Keep a team library's database password in the keyring (or for this session without a secure one)."""
        if not password:
            raise ValueError("the database password is empty")
        register_secret(password)
        if self.is_secure():
            try:
                self.backend.set_password(SERVICE, account, password)
                self._session_passwords.pop(account, None)
                return KeySource.KEYRING
            except KeyringError as exc:
                log.warning("the keyring refused the password (%s); keeping it for this session", type(exc).__name__)
        self._session_passwords[account] = password
        return KeySource.SESSION

    def delete_database_password(self, account: str) -> None:
        self._session_passwords.pop(account, None)
        if not self.is_secure():
            return
        try:
            self.backend.delete_password(SERVICE, account)
        except PasswordDeleteError:
            pass
        except KeyringError as exc:
            log.warning("the keyring could not delete the password (%s)", type(exc).__name__)

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
