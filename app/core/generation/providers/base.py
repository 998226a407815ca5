"""What the orchestrator and every provider share: the request for one clip, its hooks, its result."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from app.core.generation.catalog import ModelSpec
from app.core.money.charges import Charge


@dataclass(frozen=True, slots=True)
class Submission:
    """What was committed just before a create was sent: enough to find the prediction again after a crash."""

    token: str
    input: Mapping[str, Any]  # the exact input sent (prompt, uploaded image URLs, ...)
    submitted_at: datetime  # naive UTC, like every timestamp in the database


@dataclass(frozen=True, slots=True)
class ClipRequest:
    """One clip to make (or to re-attach to, when ``prediction_id`` or ``submission`` is set)."""

    clip_id: int
    job_id: int
    position: int
    model: ModelSpec
    prompt: str
    first_image: Path  # the originals in the store
    last_image: Path
    duration_s: float
    resolution: str
    aspect: str
    inputs_dir: Path  # jobs/<id>/inputs: the frames resized for the model
    output_path: Path  # jobs/<id>/clips/clip-<position>.mp4
    prediction_id: str | None = None
    submission: Submission | None = None


@dataclass(frozen=True, slots=True)
class ClipResult:
    file_path: Path
    duration_s: float
    charge: Charge | None = None  # what the prediction cost (None: made here, free)


class ClipHooks(Protocol):
    """How a provider reports a clip's life; each call is committed to the database before it returns."""

    async def submitting(self, submission: Submission) -> None:
        """A create is about to be sent (never called by providers that create nothing remotely)."""

    async def created(self, prediction_id: str | None) -> None:
        """The clip is running (remotely under ``prediction_id``, or locally)."""

    async def not_created(self) -> None:
        """The create a submission record announced never made a prediction: the clip is pending again."""

    def progressed(self, fraction: float) -> None:
        """Progress 0..1 (reported at once, saved in the background)."""

    async def downloading(self, output_url: str, charge: Charge) -> None:
        """The prediction succeeded (``charge`` is what it cost) and its output is being fetched."""


class Provider(Protocol):
    """Makes clips. ``run`` raises ``ClipFailed`` / ``ClipCanceled`` (``errors``) or returns the result.

    Setting ``cancel`` asks for a user cancel (the remote prediction is canceled too); cancelling the awaiting
    task only stops tracking, leaving the clip resumable.
    """

    async def check_model(self, model: ModelSpec) -> None: ...

    async def run(self, request: ClipRequest, hooks: ClipHooks, cancel: asyncio.Event) -> ClipResult: ...

    async def cancel(self, prediction_id: str) -> None: ...

    async def aclose(self) -> None: ...
