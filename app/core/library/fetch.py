"""Downloading one image URL to a temporary file, streamed, with a size cap and an overall deadline.

Failures raise ``ImportRejected`` with a short reason: ``HTTP 404``, ``not an image (text/html)``,
``larger than 50 MB``, ``timed out after 20 s``, ``could not connect``. Redirects are followed here, one hop at a
time, and every address (the first and each redirect target) must pass ``sources.url_problem`` before anything
connects to it: a server cannot make the import fail by redirecting to a malformed address. A full disk raises
``NoSpaceError``: the download is not at fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

from app import __version__
from app.core.disk_space import ensure_room, space_checked
from app.core.library.sources import url_problem
from app.core.library.validate import ImportRejected, human_bytes
from app.core.off_loop_file import OffLoopFile
from app.core.printable import printable

log = logging.getLogger(__name__)

# Servers that do not know what they are serving: the decoder decides, as for a local file.
_UNTYPED = {"", "application/octet-stream", "binary/octet-stream", "application/binary"}
_REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 10
_BAD_LOCATION = "Invalid URL in location header"
CHUNK = 256 * 1024


@dataclass(frozen=True, slots=True)
class Downloaded:
    path: Path  # a temporary file the caller deletes
    final_url: str
    content_type: str


def new_client() -> httpx.AsyncClient:
    """The HTTP client for imports: identifies itself; redirects are followed by ``download`` itself."""
    return httpx.AsyncClient(follow_redirects=False,
                             headers={"User-Agent": f"Pairframe/{__version__}", "Accept": "image/*,*/*;q=0.5"})


async def download(client: httpx.AsyncClient, url: str, folder: Path, *, max_bytes: int,
                   timeout_s: float) -> Downloaded:
    """Stream ``url`` into a hidden ``.part`` file in ``folder``; the whole transfer must end in ``timeout_s``."""
    ensure_room(folder, 0)
    with space_checked(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".url-", suffix=".part", dir=folder)
    target = Path(name)
    try:
        async with OffLoopFile(lambda: os.fdopen(fd, "wb")) as sink:
            async with asyncio.timeout(timeout_s):
                result = await _follow(client, url, sink, folder, max_bytes, timeout_s)
        return Downloaded(target, *result)
    except TimeoutError:
        target.unlink(missing_ok=True)
        raise ImportRejected(f"timed out after {timeout_s:g} s") from None
    except BaseException:
        target.unlink(missing_ok=True)
        raise


async def _follow(client: httpx.AsyncClient, url: str, sink: OffLoopFile, folder: Path, max_bytes: int,
                  timeout_s: float) -> tuple[str, str]:
    """Request ``url``, following at most MAX_REDIRECTS redirects, each target checked before it is asked."""
    for _ in range(MAX_REDIRECTS + 1):
        location = await _stream(client, url, sink, folder, max_bytes, timeout_s)
        if isinstance(location, tuple):
            return location
        try:
            following = str(httpx.URL(url).join(location))
        except (httpx.InvalidURL, ValueError, UnicodeError):
            following = location
        if problem := url_problem(following):
            raise ImportRejected(f"redirected to a bad address: {problem}")
        url = following
    raise ImportRejected("too many redirects")


async def _stream(client: httpx.AsyncClient, url: str, sink: OffLoopFile, folder: Path, max_bytes: int,
                  timeout_s: float) -> tuple[str, str] | str:
    """Download ``url`` into ``sink``: its final URL and content type, or the ``Location`` it redirects to."""
    too_large = f"larger than {human_bytes(max_bytes)}"
    try:
        async with client.stream("GET", url, timeout=httpx.Timeout(timeout_s)) as response:
            if response.status_code in _REDIRECTS and response.headers.get("location"):
                return response.headers["location"]
            if response.status_code != 200:
                phrase = f" {response.reason_phrase}" if response.reason_phrase else ""
                raise ImportRejected(f"HTTP {response.status_code}{phrase}")
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if not content_type.startswith("image/") and content_type not in _UNTYPED:
                raise ImportRejected(f"not an image ({content_type})")
            declared = None
            with contextlib.suppress(ValueError):
                declared = int(response.headers.get("content-length", ""))
            if declared is not None and declared > max_bytes:
                raise ImportRejected(too_large)
            ensure_room(folder, declared or 0)
            received = 0
            async for chunk in response.aiter_bytes(CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise ImportRejected(too_large)
                with space_checked(folder, max(received, declared or 0)):
                    await sink.write(chunk)
            if received == 0:
                raise ImportRejected("empty response (0 bytes)")
            with space_checked(folder, received):
                await sink.flush()
            return str(response.url), content_type
    except httpx.TimeoutException:
        raise TimeoutError from None
    except httpx.ConnectError:
        raise ImportRejected("could not connect") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        raise ImportRejected("not a valid web address") from None
    except httpx.HTTPError as exc:
        log.info("download of %s failed: %s: %s", printable(url), type(exc).__name__, exc)
        raise ImportRejected(_failure_reason(exc)) from None
    except (ValueError, OverflowError, UnicodeError) as exc:  # an address the checks above let through
        log.warning("download of %s failed on its address", printable(url), exc_info=exc)
        raise ImportRejected("not a valid web address") from None


def _failure_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith(_BAD_LOCATION):
        return "redirected to a bad address: not a valid web address"  # httpx refused the Location itself
    if isinstance(exc, httpx.RemoteProtocolError):
        return "download failed: the server's answer was malformed"
    if isinstance(exc, httpx.DecodingError):
        return "download failed: the server's data could not be decoded"
    if isinstance(exc, httpx.NetworkError):
        return "download failed: the connection broke off"
    return "download failed"
