"""One clip on Replicate: upload the frames, create once, poll, download, verify — never paying twice.

Before a create is sent the clip is committed as ``submitting`` with a fresh token and the exact input; the
prediction id is committed the moment the create returns. A create is repeated only when it certainly created
nothing (429, connection refused). After an ambiguous failure, and on resume of a clip that has a submission
but no id, the prediction is looked up by its exact input instead of being created again. On resume, a lookup
made once any create sent before the stop has had its time to land, and that finds nothing, proves that
nothing was created: the clip goes back to pending and is created now.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import random
import re
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.config import Settings
from app.core import faultpoints
from app.core.atomic import partial_file, publish
from app.core.generation.catalog import ModelSpec, frame_size
from app.core.generation.cost import clip_charge
from app.core.generation.errors import ClipCanceled, ClipFailed, ClipInterrupted, GenerationError
from app.core.generation.frames import ensure_frame
from app.core.generation.providers.base import ClipHooks, ClipRequest, ClipResult, Submission
from app.core.generation.providers.replicate_api import (
    Ambiguous,
    NotSent,
    OutputGone,
    Rejected,
    RemotePrediction,
    ReplicateAPI,
    ReplicateTimeouts,
    Throttled,
    Transient,
)
from app.core.generation.schema_snapshots import mismatch_text, verify
from app.core.media.ffmpeg import FFmpegError
from app.core.media.probe import MediaInfo, verify_video
from app.core.money.charges import Charge

log = logging.getLogger(__name__)

DEFAULT_PROMPT = "A smooth, natural camera move from the first frame to the last frame."
CLOCK_SKEW = timedelta(minutes=2)
THROTTLE_GIVE_UP_S = 600.0
LOST_CONTACT_S = 900.0
LOOKUP_TRIES = 4
SEND_TRIES = 6
DOWNLOAD_TRIES = 4
UPLOAD_REUSE_S = 3600.0  # Files API URLs live 24 h; one uploaded frame serves every clip using it for an hour
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")

# Models whose input names were checked against Replicate's schema in this process: (base URL, model id).
_checked_models: set[tuple[str, str]] = set()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def log_progress(logs: str) -> float | None:
    """The last percentage printed in a prediction's logs, as 0..1 (tqdm lines such as `` 45%|####5 | 45/100``)."""
    found = _PERCENT.findall(logs or "")
    if not found:
        return None
    return max(0.0, min(1.0, float(found[-1]) / 100.0))


def elapsed_progress(prediction: RemotePrediction, typical_runtime_s: float) -> float:
    """Progress guessed from the time since the prediction started, capped at 0.95."""
    since = prediction.started_at or prediction.created_at
    if since is None or typical_runtime_s <= 0:
        return 0.0
    return max(0.0, min(0.95, (utcnow() - since).total_seconds() / typical_runtime_s))


def build_input(model: ModelSpec, prompt: str, first_url: str, last_url: str, duration_s: float,
                resolution: str, aspect: str) -> dict[str, Any]:
    """The input object for ``model``: its own names, its fixed extras, integral durations as integers."""
    values: dict[str, Any] = {model.prompt_input: prompt.strip() or DEFAULT_PROMPT,
                              model.first_image_input: first_url, model.last_image_input: last_url}
    if model.duration_input:
        values[model.duration_input] = int(duration_s) if float(duration_s).is_integer() else duration_s
    if model.resolution_input:
        values[model.resolution_input] = model.resolution_values.get(resolution, resolution)
    if model.aspect_input:
        values[model.aspect_input] = aspect
    values.update(model.fixed_inputs)
    return values


# Checking a video decodes it (CPU-bound): one check per core at a time, each on a worker thread's own loop, since
# starting many FFmpeg processes back to back on the app's loop stalls it for hundreds of milliseconds.
_checkers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="pairframe-verify")


def _verify_off_loop(path: Path) -> MediaInfo:
    return asyncio.run(verify_video(path))


async def _wait_or_cancel(cancel: asyncio.Event, delay: float) -> bool:
    """Sleep ``delay`` seconds; True at once when ``cancel`` is set."""
    if cancel.is_set():
        return True
    try:
        await asyncio.wait_for(cancel.wait(), timeout=max(0.0, delay))
    except TimeoutError:
        return False
    return True


class ReplicateProvider:
    """Makes clips with Replicate's hosted models."""

    def __init__(self, api: ReplicateAPI, settings: Callable[[], Settings]) -> None:
        """``api``'s requests take their time limits from ``settings`` from now on (read as each one starts)."""
        self.api = api
        self._settings = settings
        api.timeouts = lambda: ReplicateTimeouts.from_settings(settings())
        self._uploads: dict[Path, tuple[float, asyncio.Future[str]]] = {}

    async def aclose(self) -> None:
        await self.api.aclose()

    # ---- the schema check --------------------------------------------------------------------------------
    async def check_model(self, model: ModelSpec) -> None:
        """Compare the catalog's input names with the model's published schema (once per model per process)."""
        key = (self.api.base_url, model.id)
        if key in _checked_models:
            return
        try:
            data = await self.api.model_schema(model.id)
        except Rejected as exc:
            if exc.status in (401, 403):
                raise GenerationError(f"Replicate refused the API token (HTTP {exc.status}); check it with "
                                      "`keys status` or set a new one") from None
            if exc.status == 404:
                raise GenerationError(f"Replicate has no model {model.id}; pick another model") from None
            raise GenerationError(f"could not check {model.label} on Replicate: {exc.detail}") from None
        except Transient as exc:
            raise GenerationError(f"could not check {model.label} on Replicate: {exc}") from None
        if data is None:
            log.warning("Replicate publishes no input schema for %s; its input names were not checked", model.id)
            _checked_models.add(key)
            return
        schemas, properties = data
        if problems := verify(model, schemas):
            takes = any(p.missing for p in problems)
            tail = f" (it takes: {', '.join(sorted(properties))})" if takes else ""
            raise GenerationError(f"{mismatch_text(model, problems, 'on Replicate')}{tail}. Nothing was sent; the "
                                  "model catalog needs updating.")
        _checked_models.add(key)

    # ---- one clip ----------------------------------------------------------------------------------------
    async def run(self, request: ClipRequest, hooks: ClipHooks, cancel: asyncio.Event) -> ClipResult:
        if request.prediction_id:
            prediction_id = request.prediction_id
        elif request.submission is not None:
            prediction_id = await self._reattach(request, request.submission, hooks, cancel)
        else:
            prediction_id = await self._submit(request, hooks, cancel)
        if cancel.is_set():
            await self._cancel_quietly(prediction_id)
            raise ClipCanceled()
        final = await self._poll(prediction_id, request, hooks, cancel)
        return await self._finish(final, request, hooks, cancel)

    async def cancel(self, prediction_id: str) -> None:
        try:
            await self.api.cancel(prediction_id)
        except (Transient, Rejected, Throttled, NotSent, Ambiguous) as exc:
            raise GenerationError(f"Replicate did not take the cancel of {prediction_id}: {exc}") from None

    async def _cancel_quietly(self, prediction_id: str) -> None:
        try:
            await self.api.cancel(prediction_id)
        except Exception as exc:
            log.warning("cancel of prediction %s failed: %s", prediction_id, exc)

    def _backoff(self, attempt: int) -> float:
        settings = self._settings()
        return min(settings.poll_interval_max_s, settings.poll_interval_s * (2 ** attempt))

    async def _uploaded_url(self, path: Path, cancel: asyncio.Event) -> str:
        """The Files API URL of ``path``, uploaded once and shared by the clips that use it for an hour."""
        loop = asyncio.get_running_loop()
        known = self._uploads.get(path)
        if known is not None:
            made, task = known
            failed = task.done() and (task.cancelled() or task.exception() is not None)
            if loop.time() - made < UPLOAD_REUSE_S and not failed:
                return await asyncio.shield(task)
        task = asyncio.ensure_future(self._upload(path))  # shared: one clip's cancel must not stop it
        self._uploads[path] = (loop.time(), task)
        url = await asyncio.shield(task)
        if cancel.is_set():
            raise ClipCanceled()
        return url

    async def _upload(self, path: Path) -> str:
        for attempt in range(SEND_TRIES):
            try:
                return await self.api.upload(path)
            except Rejected as exc:
                raise ClipFailed(f"Replicate refused the frame upload: {exc.detail}") from None
            except Throttled as exc:
                delay = exc.retry_after_s if exc.retry_after_s is not None else self._backoff(attempt)
            except (NotSent, Transient) as exc:
                if attempt == SEND_TRIES - 1:
                    raise ClipFailed(f"uploading the frames failed: {exc}") from None
                delay = self._backoff(attempt)
            await asyncio.sleep(delay)
        raise ClipFailed("uploading the frames failed: Replicate kept limiting requests")

    async def _submit(self, request: ClipRequest, hooks: ClipHooks, cancel: asyncio.Event) -> str:
        model = request.model
        width, height = frame_size(request.resolution, request.aspect)
        frames = await asyncio.gather(*(ensure_frame(source, request.inputs_dir, width, height)
                                        for source in (request.first_image, request.last_image)))
        first_url, last_url = await asyncio.gather(*(self._uploaded_url(frame, cancel) for frame in frames))
        inputs = build_input(model, request.prompt, first_url, last_url, request.duration_s, request.resolution,
                             request.aspect)
        if cancel.is_set():
            raise ClipCanceled()
        submission = Submission(secrets.token_hex(16), inputs, utcnow())
        await hooks.submitting(submission)
        faultpoints.reached("after-submission-record")
        loop = asyncio.get_running_loop()
        started = loop.time()
        attempt = 0
        while True:
            try:
                created = await self.api.create(model.id, inputs)
            except Throttled as exc:
                delay = exc.retry_after_s if exc.retry_after_s is not None else self._backoff(attempt)
                if loop.time() - started > THROTTLE_GIVE_UP_S:
                    raise ClipFailed("Replicate kept limiting requests for 10 minutes; nothing was created. "
                                     "Retry the clip later.") from None
            except NotSent as exc:
                delay = self._backoff(attempt)
                if attempt >= SEND_TRIES:
                    raise ClipFailed(f"{exc}; nothing was created. Retry the clip when Replicate is reachable.") \
                        from None
            except Rejected as exc:
                if exc.status in (401, 403):
                    raise ClipFailed(f"Replicate refused the API token (HTTP {exc.status})") from None
                raise ClipFailed(f"Replicate refused the clip (HTTP {exc.status}): {exc.detail}") from None
            except Ambiguous as exc:
                return await self._recover(request, submission, hooks, str(exc))
            else:
                faultpoints.reached("after-create")
                await hooks.created(created.id)
                return created.id
            attempt += 1
            if await _wait_or_cancel(cancel, delay):
                raise ClipCanceled()

    async def _recover(self, request: ClipRequest, submission: Submission, hooks: ClipHooks, reason: str) -> str:
        """Find the prediction a create without an answer may have made; never create another."""
        if (found := await self._find(request, submission)) is not None:
            log.info("clip %s: found prediction %s after an unclear create (%s)", request.clip_id, found, reason)
            await hooks.created(found)
            return found
        raise ClipFailed(f"{reason}, and the clip is not among your recent predictions on Replicate, so it was not "
                         "created. Retry the clip.")

    async def _reattach(self, request: ClipRequest, submission: Submission, hooks: ClipHooks,
                        cancel: asyncio.Event) -> str:
        """The app stopped between a submission record and the prediction id's commit: find the prediction, or
        prove there is none and create it now (the clip goes back to pending first)."""
        try:
            found = await self._find(request, submission, tries=1)
        except ClipInterrupted:  # no answer yet: the full lookup below decides
            found = None
        if found is None:  # a create sent just before the stop may still be landing: look again once it has
            landed_by = submission.submitted_at + timedelta(seconds=self._settings().replicate_create_timeout_s)
            if await _wait_or_cancel(cancel, (landed_by - utcnow()).total_seconds()):
                raise ClipCanceled()
            found = await self._find(request, submission)
        if found is not None:
            log.info("clip %s: found prediction %s the app had not saved before it stopped", request.clip_id, found)
            await hooks.created(found)
            return found
        log.info("clip %s: the create recorded before the app stopped never reached Replicate; creating it now",
                 request.clip_id)
        await hooks.not_created()
        return await self._submit(request, hooks, cancel)

    async def _find(self, request: ClipRequest, submission: Submission, tries: int = LOOKUP_TRIES) -> str | None:
        """The id of the prediction made with ``submission``'s exact frames and prompt, or None when Replicate's
        list does not have it (``tries`` lookups). Raises ``ClipInterrupted`` when no lookup was answered: nothing
        is known then, and nothing may be created."""
        model = request.model
        keys = (model.first_image_input, model.last_image_input, model.prompt_input)
        expected = {k: submission.input[k] for k in keys if k in submission.input}
        since = submission.submitted_at - CLOCK_SKEW
        answered = False
        for attempt in range(tries):
            try:
                found = await self.api.find(model.id, expected, since)
            except Rejected as exc:
                raise ClipFailed(f"looking for the clip's prediction failed: {exc.detail}") from None
            except Transient as exc:
                log.info("prediction lookup for clip %s failed (%s); trying again", request.clip_id, exc)
                found = None
            else:
                answered = True
            if found is not None:
                return found.id
            if attempt < tries - 1:
                await asyncio.sleep(self._backoff(attempt))
        if not answered:
            raise ClipInterrupted("Replicate did not answer the lookup of the clip's prediction; resume the job "
                                  "later (nothing is created twice)")
        return None

    async def _poll(self, prediction_id: str, request: ClipRequest, hooks: ClipHooks,
                    cancel: asyncio.Event) -> RemotePrediction:
        settings = self._settings()
        interval = settings.poll_interval_s
        failing_since: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                prediction = await self.api.get(prediction_id)
            except Rejected as exc:
                if exc.status == 404:
                    raise ClipFailed(f"Replicate no longer knows prediction {prediction_id}") from None
                raise ClipInterrupted(f"Replicate refused to show prediction {prediction_id} "
                                      f"(HTTP {exc.status}); resume the job once the key works") from None
            except Transient as exc:
                failing_since = failing_since if failing_since is not None else loop.time()
                if loop.time() - failing_since > LOST_CONTACT_S:
                    raise ClipInterrupted(f"no answer from Replicate for 15 minutes ({exc}); resume the job "
                                          "later") from None
                delay = exc.retry_after_s if exc.retry_after_s is not None else interval
                interval = min(interval * 1.5, settings.poll_interval_max_s)
            else:
                failing_since = None
                if prediction.is_terminal:
                    return prediction
                progress = log_progress(prediction.logs) if prediction.status == "processing" else None
                hooks.progressed(progress if progress is not None
                                 else elapsed_progress(prediction, request.model.typical_runtime_s))
                delay = interval
                interval = min(interval * 1.5, settings.poll_interval_max_s)
            if await _wait_or_cancel(cancel, delay * random.uniform(0.8, 1.2)):  # jitter: clips started together
                await self._cancel_quietly(prediction_id)                       # do not all poll together
                raise ClipCanceled()

    async def _finish(self, final: RemotePrediction, request: ClipRequest, hooks: ClipHooks,
                      cancel: asyncio.Event) -> ClipResult:
        charge = clip_charge(request.model, final.id, final.status, duration_s=request.duration_s,
                             predict_time_s=final.predict_time_s)
        if final.status == "canceled":
            raise ClipCanceled(charge)
        if final.status == "aborted":
            raise ClipFailed("Replicate aborted the prediction before it started (not billed). Retry the clip.",
                             charge=charge)
        if final.status != "succeeded":
            raise ClipFailed(f"the model failed: {final.error or 'no reason given'}", charge=charge)
        url = final.output_url()
        if url is None:
            raise ClipFailed("the model finished without a video", charge=charge)
        await hooks.downloading(url, charge)
        with partial_file(request.output_path) as temp:
            info = await self._fetch_playable(url, temp, cancel, charge, request.clip_id)
            await asyncio.to_thread(publish, temp, request.output_path)  # a rename can wait on the disk
        return ClipResult(request.output_path, info.duration_s, charge)

    async def _fetch_playable(self, url: str, temp: Path, cancel: asyncio.Event, charge: Charge,
                              clip_id: int) -> MediaInfo:
        """Download the output and check that it decodes. A damaged copy is downloaded again (the URL lives for an
        hour, and a transfer can be what damaged it) before the clip fails: a Retry would be paid for again."""
        for attempt in (1, 2):
            await self._download(url, temp, cancel, charge)
            if cancel.is_set():
                raise ClipCanceled(charge)
            try:
                return await asyncio.get_running_loop().run_in_executor(_checkers, _verify_off_loop, temp)
            except FFmpegError as exc:
                log.warning("clip %s: the downloaded output does not decode (download %d of 2): %s", clip_id,
                            attempt, exc)
        raise ClipFailed("the video Replicate returned is damaged (downloaded twice, neither copy plays). Retry the "
                         "clip to make a new one.", charge=charge)

    async def _download(self, url: str, temp: Path, cancel: asyncio.Event, charge: Charge) -> None:
        if url.startswith("data:"):
            temp.write_bytes(base64.b64decode(url.split(",", 1)[1]))
            return
        for attempt in range(DOWNLOAD_TRIES):
            try:
                await self.api.download(url, temp, cancel)
                return
            except OutputGone:
                raise ClipFailed("the output has expired (Replicate deletes outputs after an hour)",
                                 charge=charge) from None
            except Transient as exc:
                if attempt == DOWNLOAD_TRIES - 1:
                    raise ClipFailed(f"the output could not be downloaded: {exc}", charge=charge) from None
                delay = exc.retry_after_s if exc.retry_after_s is not None else self._backoff(attempt)
            if await _wait_or_cancel(cancel, delay):
                raise ClipCanceled(charge)
