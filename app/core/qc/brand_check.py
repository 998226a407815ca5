"""The brand check: a few small frames of a clip shown to an OpenAI-compatible vision model with the brand's rules.

The endpoint is a small value (``VisionEndpoint``: base URL, model, key, timeout, prices), so the same code talks
to xAI's Grok and to a local server (Ollama, LM Studio, vLLM). The reply must follow a strict JSON schema; a server
that refuses strict schemas is asked once more for a plain JSON object with the schema spelled out in the prompt.
Every reply is validated and repaired (``brand_reply``); one that cannot be used is asked for once more. 429 and
5xx answers are retried a few times, honouring ``Retry-After``; timeouts and refusals are not. Nothing raises: a
check that could not be done comes back with ``error`` saying why in plain words (never with the key in it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.config import Settings
from app.core.domain import CampaignInfo, ClientInfo
from app.core.media.ffmpeg import FFmpegError
from app.core.pairing.grok import retry_after_seconds
from app.core.pairing.previews import data_uri
from app.core.pairing.validate import MalformedReply
from app.core.qc.brand_reply import BRAND_SCHEMA, BrandCheck, BrandReply, response_format, validate_brand_reply
from app.core.qc.frames import SampledFrame, sample_frames, sample_times
from app.logging_setup import redact

if TYPE_CHECKING:  # imported where a client is made: the package takes about 0.35 s to import, which every
    import openai  # command (`clients`, `jobs`…) and the window's start would otherwise pay

log = logging.getLogger(__name__)

DEFAULT_SAMPLES = 4
SAMPLE_PX = 512  # long side of the frames sent; "low" detail keeps them cheap
IMAGE_DETAIL = "low"
MAX_ATTEMPTS = 3
MAX_RETRY_AFTER_S = 30.0
INITIAL_BACKOFF_S = 1.0
CONNECT_TIMEOUT_S = 10.0
TEMPERATURE = 0.0

SYSTEM_BRAND = """You are the brand reviewer of an advertising agency. You check frames sampled from one short
AI-generated video clip before it goes into a client's ad. Look at every frame and report each problem a viewer
would notice:
- text_on_screen: any text, captions, subtitles, watermarks or lettering that the brand did not ask for (the
  product's own printed label is not an issue unless it is garbled);
- logo_distorted: the brand's logo or the product's label warped, misspelt, melted or duplicated;
- competitor_product: another brand's product, cup, logo or packaging in shot;
- off_brand_colours: colours that clash with the brand colours or dominate instead of them;
- restriction_broken: anything the brand's restrictions forbid;
- off_tone: a mood at odds with the brand's tone;
- visual_glitch: deformed people, hands or objects, smeared or melting shapes;
- other: any other problem that would stop the clip from being used.
severity is "fail" for text on screen, a distorted logo, a competitor's product or a broken restriction, and "warn"
for the rest. time_s is the time of the frame that shows the issue, exactly as labelled. verdict is "pass" when
there is no issue, otherwise the worst severity. Judge only what is visible; do not invent issues."""


@dataclass(frozen=True, slots=True)
class VisionEndpoint:
    """Where the brand check is sent: any OpenAI-compatible Chat Completions server with vision."""

    base_url: str
    model: str
    api_key: str = field(repr=False)
    timeout_s: float = 60.0
    input_usd_per_mtok: float = 0.0
    output_usd_per_mtok: float = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, api_key: str) -> VisionEndpoint:
        """xAI's Grok as the settings name it (base URL, model, timeout, prices): the default endpoint."""
        return cls(settings.xai_base_url, settings.xai_model, api_key, settings.xai_timeout_s,
                   settings.xai_price_input_per_mtok, settings.xai_price_output_per_mtok)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_usd_per_mtok + completion_tokens * self.output_usd_per_mtok) / 1e6


@dataclass(frozen=True, slots=True)
class BrandBrief:
    """The rules a clip is checked against: the client's colours, tone and restrictions, the campaign's messages."""

    client_name: str = ""
    campaign_name: str = ""
    brand_colors: tuple[str, ...] = ()
    tone: str = ""
    restrictions: str = ""
    key_messages: tuple[str, ...] = ()

    @classmethod
    def from_library(cls, campaign: CampaignInfo, client: ClientInfo | None) -> BrandBrief:
        return cls(client.name if client else campaign.client_name, campaign.name,
                   tuple(client.brand_colors) if client else (), client.tone if client else "",
                   client.restrictions if client else "", tuple(campaign.key_messages))

    def text(self, prompt: str = "") -> str:
        """The brief as the text block the model reads (``prompt``: what the clip was asked to show)."""
        lines = [f"Client: {self.client_name}" if self.client_name else "",
                 f"Campaign: {self.campaign_name}" if self.campaign_name else "",
                 f"Brand colours: {', '.join(self.brand_colors)}" if self.brand_colors else "",
                 f"Tone: {self.tone}" if self.tone.strip() else "",
                 f"Restrictions: {self.restrictions}" if self.restrictions.strip() else ""]
        messages = [m.strip() for m in self.key_messages if m.strip()]
        if messages:
            lines.append("Key messages:\n" + "\n".join(f"- {m}" for m in messages))
        if prompt.strip():
            lines.append(f"The clip was asked to show: {prompt.strip()}")
        return "\n".join(line for line in lines if line)


def build_messages(brief: BrandBrief, frames: Sequence[SampledFrame], prompt: str = "",
                   plain_json: bool = False) -> list[dict[str, Any]]:
    """The Chat Completions messages: the rules, the task, then each frame after a label with its time."""
    times = ", ".join(f"{frame.time_s:g}" for frame in frames)
    task = (f"Brand rules:\n{brief.text(prompt) or '(none given)'}\n\n"
            f"Task: check the {len(frames)} frames below, sampled at {times} seconds, and report every issue.")
    if plain_json:
        task += ("\nAnswer with one JSON object only, following this JSON schema:\n"
                 + json.dumps(BRAND_SCHEMA, separators=(",", ":")))
    parts: list[dict[str, Any]] = [{"type": "text", "text": task}]
    for frame in frames:
        parts.append({"type": "text", "text": f"Frame at {frame.time_s:g} s"})
        parts.append({"type": "image_url", "image_url": {"url": data_uri(frame.jpeg), "detail": IMAGE_DETAIL}})
    return [{"role": "system", "content": SYSTEM_BRAND}, {"role": "user", "content": parts}]


def _schema_refused(exc: openai.BadRequestError) -> bool:
    text = f"{exc.message} {exc.body}".lower()
    return "response_format" in text or "json_schema" in text or "schema" in text


def _api_message(exc: openai.APIStatusError) -> str:
    body: Any = exc.body
    if isinstance(body, dict):
        body = body.get("message") or body.get("error") or body.get("detail")
    text = body.strip() if isinstance(body, str) else ""
    return redact(text.splitlines()[0][:300]) if text else ""


@dataclass(slots=True)
class _Usage:
    """What the answers of one check cost so far."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    response_ids: list[str] = field(default_factory=list)

    def cost(self, endpoint: VisionEndpoint) -> float:
        return endpoint.cost(self.prompt_tokens, self.completion_tokens)


class _Failed(Exception):
    """The check cannot be done; the message is the plain-words reason."""


class BrandChecker:
    """One connection to a vision endpoint, for any number of clips; ``async with`` closes it."""

    def __init__(self, endpoint: VisionEndpoint, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        import openai

        self.endpoint = endpoint
        self._sleep = sleep
        timeout = openai.Timeout(endpoint.timeout_s, connect=min(CONNECT_TIMEOUT_S, endpoint.timeout_s))
        self._client = openai.AsyncOpenAI(base_url=endpoint.base_url, api_key=endpoint.api_key or "none",
                                          timeout=timeout, max_retries=0)

    async def __aenter__(self) -> BrandChecker:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self._client.close()

    async def check_clip(self, clip: Path, brief: BrandBrief, *, duration_s: float, prompt: str = "",
                         samples: int = DEFAULT_SAMPLES, max_px: int = SAMPLE_PX) -> BrandCheck:
        """Sample ``samples`` frames of ``clip`` (spread over ``duration_s``) and check them."""
        try:
            frames = await sample_frames(clip, sample_times(duration_s, samples), max_px=max_px)
        except FFmpegError as exc:
            return BrandCheck(None, model=self.endpoint.model, error=f"no frames could be taken ({exc})")
        return await self.check_frames(frames, brief, prompt=prompt)

    async def check_frames(self, frames: Sequence[SampledFrame], brief: BrandBrief, *,
                           prompt: str = "") -> BrandCheck:
        """Send ``frames`` with the brief; the validated verdict, issues, repairs, tokens and cost."""
        times = tuple(frame.time_s for frame in frames)
        usage = _Usage()
        try:
            if not frames:
                raise _Failed("the clip gave no frames to check")
            reply, notes = await self._ask(frames, brief, prompt, usage)
        except _Failed as exc:
            return BrandCheck(None, frame_times=times, model=self.endpoint.model, prompt_tokens=usage.prompt_tokens,
                              completion_tokens=usage.completion_tokens, cost_usd=usage.cost(self.endpoint),
                              error=str(exc), response_ids=tuple(usage.response_ids))
        return BrandCheck(reply.verdict, reply.summary, reply.issues, (*notes, *reply.repairs), times,
                          self.endpoint.model, usage.prompt_tokens, usage.completion_tokens,
                          usage.cost(self.endpoint), response_ids=tuple(usage.response_ids))

    async def _ask(self, frames: Sequence[SampledFrame], brief: BrandBrief, prompt: str,
                   usage: _Usage) -> tuple[BrandReply, list[str]]:
        """Ask until a reply is usable: once more after an unusable one, or without a strict schema if refused."""
        import openai

        times = [frame.time_s for frame in frames]
        notes: list[str] = []
        plain_json = False
        asked_again = False
        while True:
            try:
                text = await self._complete(build_messages(brief, frames, prompt, plain_json), plain_json, usage)
            except openai.BadRequestError as exc:
                if plain_json or not _schema_refused(exc):
                    detail = _api_message(exc)
                    raise _Failed(f"{self.endpoint.host} rejected the request (HTTP 400)"
                                  f"{': ' + detail if detail else ''}") from None
                plain_json = True
                notes.append(f"{self.endpoint.host} does not take a strict JSON schema: asked for plain JSON")
                continue
            try:
                return validate_brand_reply(text, times), notes
            except MalformedReply as exc:
                if asked_again:
                    raise _Failed(f"the model's reply could not be used twice ({exc})") from None
                asked_again = True
                notes.append(f"the first reply could not be used ({exc}): asked again")

    async def _complete(self, messages: list[dict[str, Any]], plain_json: bool, usage: _Usage) -> str | None:
        """One chat completion, retrying 429 and 5xx; adds what it cost to ``usage``."""
        import openai

        host = self.endpoint.host
        fmt = {"type": "json_object"} if plain_json else response_format()
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._client.chat.completions.create(
                    model=self.endpoint.model, messages=messages, response_format=fmt,  # type: ignore[arg-type]
                    temperature=TEMPERATURE)
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                asked = retry_after_seconds(exc.response.headers)
                what = "is limiting requests (HTTP 429)" if exc.status_code == 429 else \
                    f"answered HTTP {exc.status_code}"
                if attempt >= MAX_ATTEMPTS or (asked is not None and asked > MAX_RETRY_AFTER_S):
                    raise _Failed(f"{host} {what}; try the brand check again later") from None
                backoff = INITIAL_BACKOFF_S * 2 ** (attempt - 1) * (1 - 0.25 * random.random())
                wait = asked if asked is not None else backoff
                log.info("brand check: %s %s; waiting %.1f s", host, what, wait)
                await self._sleep(wait)
                continue
            except openai.APITimeoutError:
                raise _Failed(f"{host} did not answer within {self.endpoint.timeout_s:g} s") from None
            except openai.APIConnectionError as exc:
                cause = redact(str(exc.__cause__ or exc).strip()) or "connection failed"
                raise _Failed(f"cannot reach {host} ({cause})") from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise _Failed(f"{host} refused the API key (HTTP {exc.status_code})") from None
            except openai.BadRequestError:
                raise
            except openai.APIStatusError as exc:
                detail = _api_message(exc)
                raise _Failed(f"{host} rejected the request (HTTP {exc.status_code})"
                              f"{': ' + detail if detail else ''}") from None
            usage.response_ids.append(response.id)
            if response.usage:
                usage.prompt_tokens += response.usage.prompt_tokens
                usage.completion_tokens += response.usage.completion_tokens
            return response.choices[0].message.content if response.choices else None
