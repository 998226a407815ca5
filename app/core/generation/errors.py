"""What can go wrong while generating, as exceptions whose messages are written for the user."""

from __future__ import annotations


class GenerationError(Exception):
    """A generation request cannot be done as asked; the message says why and what to do."""


class ClipFailed(Exception):
    """One clip ended without a usable video; ``cost_usd`` is what the attempt still cost."""

    def __init__(self, message: str, *, cost_usd: float = 0.0) -> None:
        super().__init__(message)
        self.cost_usd = cost_usd


class ClipCanceled(Exception):
    """The user canceled the clip; ``cost_usd`` is what the attempt still cost."""

    def __init__(self, cost_usd: float = 0.0) -> None:
        super().__init__("canceled")
        self.cost_usd = cost_usd


class ClipInterrupted(Exception):
    """Tracking stopped (the service lost contact for too long): the clip stays resumable, nothing is lost."""
