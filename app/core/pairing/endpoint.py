"""Where a vision model is asked: xAI's Grok, or any OpenAI-compatible server (Ollama, LM Studio, vLLM, ...).

``VisionEndpoint`` is the one value that says it (address, model, key, time limits); pairing builds its client
from it, and any other feature that asks a vision model can do the same. ``probe_endpoint`` asks the server
which models it offers (``GET /v1/models``), for the Settings dialog and for a clear message before pairing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx

from app.config import Settings
from app.core.pairing.errors import NO_KEY_MESSAGE, PairingError
from app.core.secrets import KeyFormatError, KeyName, SecretStore

if TYPE_CHECKING:
    from app.core.pairing.grok import GrokClient

XAI = "xai"
OPENAI_COMPATIBLE = "openai-compatible"
PROVIDERS = (XAI, OPENAI_COMPATIBLE)
PROBE_ANSWER_S = 15.0  # a model list is quick; a server slower than this will not serve pairing well either


def normalise_base_url(url: str) -> str:
    """An OpenAI-compatible base URL as the SDK wants it: ``http(s)://host[:port]/path``, ``/v1`` when no path
    is given. Raises ``PairingError`` for something that is not an http(s) address."""
    text = url.strip()
    if text and "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PairingError(f"{url.strip() or 'an empty address'} is not a web address of a vision server "
                           "(for example http://127.0.0.1:11434/v1)")
    path = parts.path.rstrip("/") or "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


@dataclass(frozen=True, slots=True)
class VisionEndpoint:
    """One vision model on one server, with what it takes to ask it."""

    provider: str  # XAI | OPENAI_COMPATIBLE
    base_url: str  # ends before /chat/completions, e.g. https://api.x.ai/v1
    model: str
    api_key: str | None = field(default=None, repr=False)  # None: the server needs none
    connect_timeout_s: float = 10.0
    answer_timeout_s: float = 90.0
    priced: bool = False  # True: token prices of the settings apply (xAI)

    @property
    def is_xai(self) -> bool:
        return self.provider == XAI

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc or self.base_url

    @property
    def service(self) -> str:
        """Who answers, for messages: "xAI" or "the vision server"."""
        return "xAI" if self.is_xai else "the vision server"

    @property
    def assistant(self) -> str:
        """Who replies, for messages: "Grok" or the model's name."""
        return "Grok" if self.is_xai else self.model

    def describe(self) -> str:
        """One line for notes and logs, e.g. ``llava:13b at 127.0.0.1:11434``."""
        return f"{self.model} at {self.host}"

    def client(self) -> GrokClient:
        """A new client for this endpoint (``async with`` closes it); the openai SDK loads only now."""
        from app.core.pairing.grok import GrokClient

        return GrokClient(base_url=self.base_url, api_key=self.api_key, model=self.model,
                          timeout_s=self.answer_timeout_s, connect_timeout_s=self.connect_timeout_s,
                          service=self.service, assistant=self.assistant)


def endpoint_from_settings(settings: Settings, secrets: SecretStore, *, base_url: str | None = None,
                           model: str | None = None) -> VisionEndpoint:
    """The endpoint in force. ``base_url`` (``pair --endpoint``) means an OpenAI-compatible server; ``model``
    (``--vision-model``) overrides the model. Raises ``PairingError`` when it cannot be used as configured.

    Blocking: it reads the keyring.
    """
    provider = OPENAI_COMPATIBLE if base_url else settings.pairing_provider
    if provider not in PROVIDERS:
        raise PairingError(f"unknown pairing provider {provider!r} in the settings: use {' or '.join(PROVIDERS)}")
    timeouts = {"connect_timeout_s": settings.connect_timeout_s, "answer_timeout_s": settings.xai_timeout_s}
    if provider == XAI:
        key = _key(secrets, KeyName.XAI)
        if not key:
            raise PairingError(NO_KEY_MESSAGE)
        return VisionEndpoint(XAI, settings.xai_base_url.rstrip("/"), (model or settings.xai_model).strip(), key,
                              priced=True, **timeouts)
    address = base_url or settings.vision_base_url
    if not address.strip():
        raise PairingError("No vision server is set: enter its address in Settings → General → Pairing (or use "
                           "--endpoint), or use the local pairer.")
    chosen = (model or settings.vision_model).strip()
    if not chosen:
        raise PairingError("No vision model is named for the vision server: enter it in Settings (or use "
                           "--vision-model).")
    return VisionEndpoint(OPENAI_COMPATIBLE, normalise_base_url(address), chosen, _key(secrets, KeyName.VISION),
                          **timeouts)


def _key(secrets: SecretStore, name: KeyName) -> str | None:
    try:
        return secrets.get(name)
    except KeyFormatError as exc:
        raise PairingError(f"{str(exc)[:1].upper()}{str(exc)[1:]}") from None


@dataclass(frozen=True, slots=True)
class EndpointProbe:
    """What ``GET /v1/models`` found: ``ok`` when the server answered and offers the model."""

    ok: bool
    models: tuple[str, ...]
    message: str


async def probe_endpoint(endpoint: VisionEndpoint) -> EndpointProbe:
    """Ask the server which models it offers and whether ``endpoint.model`` is one of them."""
    url = endpoint.base_url.rstrip("/") + "/models"
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    answer_s = min(PROBE_ANSWER_S, endpoint.answer_timeout_s)
    timeout = httpx.Timeout(answer_s, connect=endpoint.connect_timeout_s)
    where = f"{endpoint.service} at {endpoint.host}"
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers=headers)
    except httpx.ConnectTimeout:
        return EndpointProbe(False, (), f"could not reach {where}: no connection within "
                                        f"{endpoint.connect_timeout_s:g} s")
    except httpx.TimeoutException:
        return EndpointProbe(False, (), f"{where} did not answer within {answer_s:g} s")
    except httpx.HTTPError as exc:
        return EndpointProbe(False, (), f"could not reach {where} ({type(exc).__name__})")
    if response.status_code in (401, 403):
        return EndpointProbe(False, (), f"{where} refused the key (HTTP {response.status_code})"
                             + ("" if endpoint.api_key else ": it needs one"))
    if response.status_code != 200:
        return EndpointProbe(False, (), f"{where} answered HTTP {response.status_code} to the model list; is "
                                        "it an OpenAI-compatible server, and does its address end in /v1?")
    try:
        data = response.json().get("data")
        models = tuple(str(m["id"]) for m in data if isinstance(m, dict) and m.get("id"))
    except (ValueError, AttributeError, TypeError):
        return EndpointProbe(False, (), f"{where} answered, but not with a model list")
    offered = ", ".join(models[:8]) + (f" and {len(models) - 8} more" if len(models) > 8 else "")
    count = f"{len(models)} model{'s' if len(models) != 1 else ''}"
    if endpoint.model in models:
        return EndpointProbe(True, models, f"{where} offers {count}, {endpoint.model} among them")
    if not models:
        return EndpointProbe(False, models, f"{where} answered, but offers no model; load one there first")
    return EndpointProbe(False, models, f"{where} offers {count}, but not {endpoint.model}: it offers {offered}")
