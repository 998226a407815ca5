"""The Grok client: the ``openai`` SDK pointed at xAI, with our own retry policy and user-facing errors.

The SDK's built-in retries are switched off (``max_retries=0``) so that one policy decides: a 429 or a 5xx is
retried up to ``MAX_ATTEMPTS`` times, waiting what ``Retry-After`` (or ``retry-after-ms``) asks, else an
exponential backoff; each wait is reported so the page can say so. A timeout is not retried (it already cost the
user ``xai_timeout_s``), nor is an unreachable host: both become a clear ``PairingError``.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import openai

from app.core.pairing.errors import PairingError
from app.logging_setup import redact

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
INITIAL_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0
MAX_RETRY_AFTER_S = 60.0
CONNECT_TIMEOUT_S = 10.0  # an unreachable host is reported long before a slow answer would be
TEMPERATURE = 0.5

RetryReport = Callable[[float, str], None]  # (seconds to wait, why)


@dataclass(frozen=True, slots=True)
class Completion:
    """The text of Grok's answer and the tokens it cost."""

    text: str | None
    prompt_tokens: int
    completion_tokens: int


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


class GrokClient:
    """One connection to xAI's Chat Completions; ``async with`` closes it."""

    def __init__(self, *, base_url: str, api_key: str, model: str, timeout_s: float,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.base_url = base_url
        self.model = model
        self.timeout_s = timeout_s
        self._sleep = sleep
        timeout = openai.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
        self._client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, timeout=timeout, max_retries=0)

    async def __aenter__(self) -> GrokClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.close()

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    async def complete(self, messages: list[dict[str, Any]], response_format: dict[str, Any],
                       on_retry: RetryReport | None = None) -> Completion:
        """Send one chat completion (retrying 429/5xx); returns its text and usage, or raises ``PairingError``."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._client.chat.completions.create(
                    model=self.model, messages=messages, response_format=response_format,  # type: ignore[arg-type]
                    temperature=TEMPERATURE)
            except (openai.RateLimitError, openai.InternalServerError) as exc:
                wait = self._retry_wait(exc, attempt)
                reason = ("xAI is limiting requests (HTTP 429)" if exc.status_code == 429
                          else f"xAI server error (HTTP {exc.status_code})")
                log.info("%s; attempt %d of %d, waiting %.1f s", reason, attempt, MAX_ATTEMPTS, wait)
                if on_retry:
                    on_retry(wait, reason)
                await self._sleep(wait)
                continue
            except openai.APITimeoutError as exc:
                if "Connect" in type(exc.__cause__).__name__:
                    raise PairingError(f"Cannot reach xAI at {self.host} (no connection within "
                                       f"{min(CONNECT_TIMEOUT_S, self.timeout_s):g} s). Are you offline? "
                                       "The local pairer works without a connection.") from None
                raise PairingError(f"Grok did not answer within {self.timeout_s:g} s. Try again, ask for fewer "
                                   "images, or use the local pairer.") from None
            except openai.APIConnectionError as exc:
                cause = redact(str(exc.__cause__ or exc).strip()) or "connection failed"
                raise PairingError(f"Cannot reach xAI at {self.host} ({cause}). Are you offline? "
                                   "The local pairer works without a connection.") from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise PairingError(f"xAI refused the API key (HTTP {exc.status_code}). Check the key in Settings, "
                                   "or use the local pairer.") from None
            except openai.APIStatusError as exc:
                detail = _api_message(exc)
                raise PairingError(f"xAI rejected the request (HTTP {exc.status_code})"
                                   f"{': ' + detail if detail else ''}.") from None
            usage = response.usage
            text = response.choices[0].message.content if response.choices else None
            return Completion(text, usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0)

    def _retry_wait(self, exc: openai.APIStatusError, attempt: int) -> float:
        """How long to wait before the next attempt; raises ``PairingError`` when giving up."""
        asked = retry_after_seconds(exc.response.headers)
        what = "is limiting requests (HTTP 429)" if exc.status_code == 429 else f"answered HTTP {exc.status_code}"
        if asked is not None and asked > MAX_RETRY_AFTER_S:
            minutes = max(1, round(asked / 60))
            raise PairingError(f"xAI {what} and asks to wait about {minutes} minute{'s' if minutes > 1 else ''}. "
                               "Try again later, or use the local pairer.")
        if attempt >= MAX_ATTEMPTS:
            raise PairingError(f"xAI {what} {MAX_ATTEMPTS} times in a row. Try again in a minute, "
                               "or use the local pairer.")
        if asked is not None:
            return asked
        return min(MAX_BACKOFF_S, INITIAL_BACKOFF_S * 2 ** (attempt - 1)) * (1 - 0.25 * random.random())
