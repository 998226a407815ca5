"""Downloading one image URL to a temporary file, streamed, with a size cap and an overall deadline.

Failures raise ``ImportRejected`` with a short reason: ``HTTP 404``, ``not an image (text/html)``,
``larger than 50 MB``, ``timed out after 20 s``, ``could not connect``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

from app import __version__
from app.core.library.validate import ImportRejected, human_bytes

# Servers that do not know what they are serving: the decoder decides, as for a local file.
_UNTYPED = {"", "application/octet-stream", "binary/octet-stream", "application/binary"}
CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path  # a temporary file the caller deletes
    final_url: str
    content_type: str


def new_client() -> httpx.AsyncClient:
    """The HTTP client for imports: follows redirects, identifies itself."""
    return httpx.AsyncClient(follow_redirects=True, max_redirects=10,
                             headers={"User-Agent": f"Pairframe/{__version__}", "Accept": "image/*,*/*;q=0.5"})


async def download(client: httpx.AsyncClient, url: str, folder: Path, *, max_bytes: int,
                   timeout_s: float) -> Downloaded:
    """Stream ``url`` into a hidden ``.part`` file in ``folder``; the whole transfer must end in ``timeout_s``."""
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".url-", suffix=".part", dir=folder)
    target = Path(name)
    try:
        with os.fdopen(fd, "wb") as sink:
            async with asyncio.timeout(timeout_s):
                result = await _stream(client, url, sink, max_bytes, timeout_s)
        return Downloaded(target, *result)
    except TimeoutError:
        target.unlink(missing_ok=True)
        raise ImportRejected(f"timed out after {timeout_s:g} s") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise


async def _stream(client: httpx.AsyncClient, url: str, sink: BinaryIO, max_bytes: int,
                  timeout_s: float) -> tuple[str, str]:
    too_large = f"larger than {human_bytes(max_bytes)}"
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(timeout_s)) as response:
            if response.status_code != 200:
                phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
                raise ImportRejected(f"HTTP {response.status_code}{phrase}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/") and content_type not in _UNTYPED:
                raise ImportRejected(f"not an image ({content_type})")
            with contextlib.suppress(ValueError):
                if int(response.headers.get("content-length", "")) > max_bytes:
                    raise ImportRejected(too_large)
            received = 0
            async for chunk in response.aiter_bytes(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise ImportRejected(too_large)
                sink.write(chunk)
            if received == 0:
                raise ImportRejected("empty response (0 bytes)")
            return str(response.url), content_type
    except httpx.TimeoutException:
        raise TimeoutError from None
    except httpx.ConnectError:
        raise ImportRejected("could not connect") from None
    except httpx.TooManyRedirects:
        raise ImportRejected("too many redirects") from None
    except httpx.InvalidURL:
        raise ImportRejected("not a valid URL") from None
    except httpx.HTTPError as exc:
        raise ImportRejected(f"download failed ({type(exc).__name__}: {exc})") from None
