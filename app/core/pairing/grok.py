"""The Grok client: the ``openai`` SDK pointed at xAI (or any OpenAI-compatible vision server), with our own
retry policy, time limits and user-facing errors.

The SDK's built-in retries are switched off (``max_retries=0``) so that one policy decides: a 429 or a 5xx is
retried up to ``MAX_ATTEMPTS`` times, waiting what ``Retry-After`` (or ``retry-after-ms``) asks, else an
exponential backoff; each wait is reported so the page can say so. A timeout is not retried (it already cost the
user ``xai_timeout_s``), nor is an unreachable host: both become a clear ``PairingError``. Each request has a
deadline for the whole exchange too, so an answer that trickles in cannot hold it.

``complete_structured`` asks for a strict ``json_schema`` reply; a server that refuses strict schemas (a 400
about the response format, as llama.cpp, older vLLM and others answer) is asked again for a ``json_object``,
with the schema in the instructions; the caller validates and repairs the reply either way, and the returned
``Completion.mode`` says which was used.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from app.core.pairing.errors import PairingError
from app.core.pairing.schema import JSON_OBJECT, JSON_SCHEMA, response_format
from app.logging_setup import redact

if TYPE_CHECKING:  # imported where a client is made: the package takes about 0.35 s to import, which every
    import openai  # command (`clients`, `jobs`…) and the window's start would otherwise pay

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0
TEMPERATURE = 0.5
NO_KEY = "no-key"  # what is sent to a server that needs no key (the SDK insists on one; such servers ignore it)
_FORMAT_REFUSAL = re.compile(r"response_format|json_schema|json schema|schema", re.IGNORECASE)

RetryReport = Callable[[float, str], None]  # (seconds to wait, why)


@dataclass(frozen=True, slots=True)
class Completion:
    """The text of Grok's answer, the tokens it cost, the reply format it was asked for, and the server's id of
    the request (what the ledger records it under; empty when the server gave none)."""

    text: str | None
    prompt_tokens: int
    completion_tokens: int
    mode: str = JSON_SCHEMA  # JSON_SCHEMA (strict) or JSON_OBJECT (validated and repaired afterwards)
    request_id: str = ""


class SchemaRefused(PairingError):
    """The server refused a strict ``json_schema`` response format (it may take a ``json_object``)."""


def json_object_messages(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """``messages`` plus the instruction a ``json_object`` reply needs: one JSON object of ``schema``'s shape."""
    rule = ("Answer with one JSON object and nothing else (no prose, no code fence). It must follow this JSON "
            f"schema exactly: {json.dumps(schema, separators=(',', ':'))}")
    return [*messages, {"role": "system", "content": rule}]


def retry_after_seconds(headers: Any) -> float | None:
    """The wait a 429/503 asks for: ``retry-after-ms``, or ``Retry-After`` in seconds or as an HTTP date."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / divisor)
        except ValueError:
            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(0.0, email.utils.mktime_tz(parsed) - time.time())
    return None


def _api_message(exc: openai.APIStatusError) -> str:
    """The error text of an xAI answer (the SDK hands over its ``error`` member: a string or an object)."""
    body: Any = exc.body
    if isinstance(body, dict):
        body = body.get("message") or body.get("error") or body.get("detail")
    text = body.strip() if isinstance(body, str) else ""
    return redact(text.splitlines()[0][:300]) if text else ""


def _sentence(text: str) -> str:
    """``text`` to open a sentence: "the vision server" → "The vision server" ("xAI" stays as it is)."""
    return "T" + text[1:] if text.startswith("the ") else text


class GrokClient:
    """One connection to xAI's Chat Completions, or an OpenAI-compatible server's; ``async with`` closes it.

    ``service`` and ``assistant`` name who answers in messages ("xAI" and "Grok", or "the vision server" and the
    model's name); ``api_key`` None is for a server that needs none.
    """

    def __init__(self, *, base_url: str, api_key: str | None, model: str, timeout_s: float,
                 connect_timeout_s: float = 10.0, service: str = "xAI", assistant: str = "Grok",
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        import openai

        self.base_url = base_url
        self.model = model
        self.timeout_s = timeout_s
        self.connect_timeout_s = min(connect_timeout_s, timeout_s)
        self.service = service
        self.assistant = assistant
        self._sleep = sleep
        timeout = openai.Timeout(timeout_s, connect=self.connect_timeout_s)
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or NO_KEY, timeout=timeout,
                                          max_retries=0)

    async def __aenter__(self) -> GrokClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.close()

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    async def complete_structured(self, messages: list[dict[str, Any]], name: str, schema: dict[str, Any],
                                  on_retry: RetryReport | None = None) -> Completion:
        """Ask for a reply of ``schema``'s shape: a strict ``json_schema`` where the server takes one, else a
        ``json_object`` (see the module's docstring); ``Completion.mode`` says which."""
        try:
            return await self.complete(messages, response_format(name, schema), on_retry)
        except SchemaRefused as exc:
            log.info("%s refuses strict JSON schemas (%s); asking for a JSON object instead", self.host, exc)
        completion = await self.complete(json_object_messages(messages, schema), {"type": JSON_OBJECT}, on_retry)
        return dataclasses.replace(completion, mode=JSON_OBJECT)

    async def complete(self, messages: list[dict[str, Any]], response_format: dict[str, Any],
                       on_retry: RetryReport | None = None) -> Completion:
        """Send one chat completion (retrying 429/5xx); returns its text and usage, or raises ``PairingError``
        (``SchemaRefused`` when a strict ``json_schema`` format was refused)."""
        import openai

        attempt = 0
        service, offline = _sentence(self.service), "The local pairer works without a connection."
        while True:
            attempt += 1
            try:
                async with asyncio.timeout(self.connect_timeout_s + self.timeout_s):
                    response = await self._client.chat.completions.create(
                        model=self.model, messages=messages, response_format=response_format,  # type: ignore
                        temperature=TEMPERATURE)
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                wait = self._retry_wait(exc, attempt)
                reason = (f"{service} is limiting requests (HTTP 429)" if exc.status_code == 429
                          else f"{service} server error (HTTP {exc.status_code})")
                log.info("%s; attempt %d of %d, waiting %.1f s", reason, attempt, MAX_ATTEMPTS, wait)
                if on_retry:
                    on_retry(wait, reason)
                await self._sleep(wait)
                continue
            except (openai.APITimeoutError, TimeoutError) as exc:
                if "Connect" in type(exc.__cause__).__name__:
                    raise PairingError(f"Cannot reach {self.service} at {self.host} (no connection within "
                                       f"{self.connect_timeout_s:g} s). Are you offline? {offline}") from None
                raise PairingError(f"{self.assistant} did not answer within {self.timeout_s:g} s. Try again, ask "
                                   "for fewer images, or use the local pairer.") from None
            except openai.APIConnectionError as exc:
                cause = redact(str(exc.__cause__ or exc).strip()) or "connection failed"
                raise PairingError(f"Cannot reach {self.service} at {self.host} ({cause}). Are you offline? "
                                   f"{offline}") from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise PairingError(f"{service} refused the API key (HTTP {exc.status_code}). Check the key in "
                                   "Settings, or use the local pairer.") from None
            except openai.APIStatusError as exc:
                detail = _api_message(exc)
                message = (f"{service} rejected the request (HTTP {exc.status_code})"
                           f"{': ' + detail if detail else ''}.")
                if response_format.get("type") == JSON_SCHEMA and exc.status_code in (400, 422) \
                        and _FORMAT_REFUSAL.search(detail):
                    raise SchemaRefused(message) from None
                raise PairingError(message) from None
            usage = response.usage
            text = response.choices[0].message.content if response.choices else None
            return Completion(text, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0,
                              request_id=response.id or "")

    def _retry_wait(self, exc: openai.APIStatusError, attempt: int) -> float:
        """How long to wait before the next attempt; raises ``PairingError`` when giving up."""
        asked = retry_after_seconds(exc.response.headers)
        what = "is limiting requests (HTTP 429)" if exc.status_code == 429 else f"answered HTTP {exc.status_code}"
        service = _sentence(self.service)
        if asked is not None and asked > MAX_RETRY_AFTER_S:
            minutes = max(1, round(asked / 60))
            raise PairingError(f"{service} {what} and asks to wait about {minutes} minute"
                               f"{'s' if minutes > 1 else ''}. Try again later, or use the local pairer.")
        if attempt >= MAX_ATTEMPTS:
            raise PairingError(f"{service} {what} {MAX_ATTEMPTS} times in a row. Try again in a minute, "
                               "or use the local pairer.")
        if asked is not None:
            return asked
        return min(MAX_BACKOFF_S, INITIAL_BACKOFF_S * 2 ** (attempt - 1)) * (1 - 0.25 * random.random())
