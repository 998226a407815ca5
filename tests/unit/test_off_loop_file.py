"""Downloads write their files off the event loop: a disk that makes each write wait (write-back throttling, a
network share) slows the download, never the loop (in the GUI, a frozen window)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import httpx
import pytest

from app.core.generation.providers.replicate_api import ReplicateAPI
from app.core.library import fetch
from app.core.off_loop_file import OffLoopFile
from tests.fakes.http_files import FileServer, Route
from tests.fakes.replicate_server import TOKEN

WRITE_WAIT_S = 0.12  # what the slow disk makes every write wait
LOOP_GAP_S = 0.06  # the longest the loop may go without running a 5 ms ticker (half a write's wait)
BODY = os.urandom(fetch.CHUNK * 4 + 1000)  # five chunks for either download


class SlowFile:
    """A real file whose writes wait like a throttled or remote disk, as a blocking call does."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.closed_on: str | None = None

    def write(self, data: bytes) -> int:
        time.sleep(WRITE_WAIT_S)
        return self.file.write(data)

    def close(self) -> None:
        self.closed_on = "loop" if _on_loop() else "worker"
        self.file.close()

    def __enter__(self) -> SlowFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.file, name)


def _on_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


@pytest.fixture
def server() -> Iterator[FileServer]:
    with FileServer() as files:
        yield files


async def longest_loop_gap(work: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``work()`` while a 5 ms ticker watches the loop; the longest gap between its ticks, and the result."""
    gap = 0.0
    done = asyncio.Event()

    async def ticker() -> None:
        nonlocal gap
        last = time.monotonic()
        while not done.is_set():
            await asyncio.sleep(0.005)
            now = time.monotonic()
            gap, last = max(gap, now - last), now

    watching = asyncio.create_task(ticker())
    try:
        result = await work()
    finally:
        done.set()
        await watching
    return gap, result


async def test_a_clip_download_to_a_slow_disk_never_holds_the_event_loop(
        tmp_path: Path, server: FileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.add("/output/p1.mp4", Route(content_type="video/mp4", body=BODY))
    target = tmp_path / "clip.part.mp4"
    opened: list[SlowFile] = []
    real_open = Path.open

    def slow_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        file = real_open(self, *args, **kwargs)
        if self != target or "w" not in (args[0] if args else kwargs.get("mode", "r")):
            return file
        opened.append(SlowFile(file))
        return opened[-1]

    monkeypatch.setattr(Path, "open", slow_open)
    api = await asyncio.to_thread(ReplicateAPI, TOKEN, server.url(""))
    try:
        started = time.monotonic()
        gap, _ = await longest_loop_gap(lambda: api.download(url, target, asyncio.Event()))
    finally:
        await api.aclose()
    assert time.monotonic() - started >= 4 * WRITE_WAIT_S  # the disk was as slow as it says
    assert gap < LOOP_GAP_S, f"the loop waited {gap * 1000:.0f} ms for the disk"
    assert target.read_bytes() == BODY and opened[0].closed_on == "worker"


async def test_an_image_download_to_a_slow_disk_never_holds_the_event_loop(
        tmp_path: Path, server: FileServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.add("/big.jpg", Route(content_type="image/jpeg", body=BODY))
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: SlowFile(real_fdopen(fd, *args, **kwargs)))
    async with httpx.AsyncClient() as client:
        gap, downloaded = await longest_loop_gap(
            lambda: fetch.download(client, url, tmp_path, max_bytes=len(BODY), timeout_s=30))
    assert gap < LOOP_GAP_S, f"the loop waited {gap * 1000:.0f} ms for the disk"
    assert downloaded.path.read_bytes() == BODY


async def test_chunks_land_in_order_and_the_file_is_closed_when_the_writer_is_cancelled(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    files: list[SlowFile] = []

    def opener() -> BinaryIO:
        files.append(SlowFile(path.open("wb")))
        return files[-1]  # type: ignore[return-value]

    async with OffLoopFile(opener) as sink:
        for n in range(3):
            await sink.write(bytes([n]) * 10)
    assert path.read_bytes() == b"\x00" * 10 + b"\x01" * 10 + b"\x02" * 10

    async def write_forever() -> None:
        async with OffLoopFile(opener) as sink:
            while True:
                await sink.write(b"x")

    writer = asyncio.create_task(write_forever())
    await asyncio.sleep(WRITE_WAIT_S * 1.5)
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    assert files[-1].closed_on == "worker" and path.read_bytes() == b"x" * len(path.read_bytes())
