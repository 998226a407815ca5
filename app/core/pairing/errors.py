"""The one error a pairing action raises: its message is shown to the user as it is (never a key in it)."""

from __future__ import annotations


class PairingError(Exception):
    """Pairing could not be done; the message says why and what to do (no key, offline, bad replies...)."""


NO_KEY_MESSAGE = ("No xAI API key is set, so Grok cannot suggest pairs. Add the key in Settings "
                  "(or XAI_API_KEY), or use the local pairer, which works offline.")


class PromptConflict(PairingError):
    """Someone else saved a pair's prompt since it was read: nothing was saved; merge and save again."""

    def __init__(self, pair_id: int, position: int, theirs: str, mine: str, version: int, by: str) -> None:
        who = by or "someone else"
        super().__init__(f"{who} changed the prompt of pair {position + 1} while you were editing it: your list was "
                         "not saved. Merge the two prompts and save again.")
        self.pair_id, self.position, self.theirs, self.mine, self.version, self.by = (
            pair_id, position, theirs, mine, version, by)
