"""The one error a pairing action raises: its message is shown to the user as it is (never a key in it)."""

from __future__ import annotations


class PairingError(Exception):
    """Pairing could not be done; the message says why and what to do (no key, offline, bad replies...)."""


NO_KEY_MESSAGE = ("No xAI API key is set, so Grok cannot suggest pairs. Add the key in Settings "
                  "(or XAI_API_KEY), or use the local pairer, which works offline.")
