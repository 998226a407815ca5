"""Checks an API key against its service with one cheap authenticated request; the key never enters a message."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from app.config import Settings
from app.core.pairing.endpoint import normalise_base_url
from app.core.pairing.errors import PairingError
from app.core.secrets import KeyFormatError, KeyName, clean_key


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """The answer of a key check: ``ok`` when the service accepted the key; ``message`` says what happened."""

    ok: bool
    message: str


def check_url(name: KeyName, settings: Settings) -> str:
    """The endpoint that tells whether ``name``'s key is accepted (Replicate's account, a model list); raises
    ``PairingError`` when the vision server's address is missing or wrong."""
    if name is KeyName.REPLICATE:
        return settings.replicate_base_url.rstrip("/") + "/v1/account"
    if name is KeyName.VISION:
        return normalise_base_url(settings.vision_base_url) + "/models"
    return settings.xai_base_url.rstrip("/") + "/models"


async def check_key(name: KeyName, key: str, settings: Settings, *, timeout_s: float = 15.0) -> KeyCheck:
    """Ask the service whether ``key`` is accepted: 200 → ok, 401/403 → refused, no answer → not reachable."""
    try:
        key = clean_key(name, key)
        url = check_url(name, settings)
    except (KeyFormatError, PairingError) as exc:
        return KeyCheck(False, str(exc))
    if not key:
        return KeyCheck(False, f"there is no {name.label} to test")
    host = urlsplit(url).netloc or url
    try:
        timeout = httpx.Timeout(timeout_s, connect=min(timeout_s, settings.connect_timeout_s))
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers={"Authorization": f"Bearer {key}"})
    except httpx.TimeoutException:
        return KeyCheck(False, f"could not reach {host}: no answer within {timeout_s:g} s")
    except httpx.HTTPError as exc:
        reason = str(exc).replace(key, "[redacted]").strip() or type(exc).__name__
        return KeyCheck(False, f"could not reach {host}: {reason}")
    status = response.status_code
    if status in (401, 403):
        return KeyCheck(False, f"{host} refused the key (HTTP {status})")
    if status == 429:
        return KeyCheck(False, f"{host} is limiting requests (HTTP 429); try again in a minute")
    if status != 200:
        return KeyCheck(False, f"{host} answered HTTP {status}; the key could not be checked")
    return KeyCheck(True, _success_message(name, response, settings, host))


def _success_message(name: KeyName, response: httpx.Response, settings: Settings, host: str) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if name is KeyName.REPLICATE:
        account = body.get("username") if isinstance(body, dict) else None
        return f"the key works (account {account})" if account else f"{host} accepted the key"
    models = body.get("data") if isinstance(body, dict) else None
    wanted = settings.vision_model if name is KeyName.VISION else settings.xai_model
    if isinstance(models, list) and wanted:
        ids = {m.get("id") for m in models if isinstance(m, dict)}
        if wanted in ids:
            return f"the key works; {wanted} is available"
        return f"the key works, but the model {wanted} is not offered to it"
    return f"{host} accepted the key"
