"""What can go wrong while generating, as exceptions whose messages are written for the user."""

from __future__ import annotations

from app.core.money.charges import Charge


class GenerationError(Exception):
    """A generation request cannot be done as asked; the message says why and what to do."""


class ClipFailed(Exception):
    """One clip ended without a usable video; ``charge`` is what its prediction cost (None: none was made, or
    its end is not known)."""

    def __init__(self, message: str, *, charge: Charge | None = None) -> None:
        super().__init__(message)
        self.charge = charge


class ClipCanceled(Exception):
    """The user canceled the clip; ``charge`` is what its prediction still cost, when that is known."""

    def __init__(self, charge: Charge | None = None) -> None:
        super().__init__("canceled")
        self.charge = charge


class ClipInterrupted(Exception):
    """Tracking stopped (the service lost contact for too long): the clip stays resumable, nothing is lost."""
