"""A file that a stream arriving on the event loop is written to, with every file call on a worker thread.

Opening, writing and closing a file can wait on the disk: the kernel throttles a process that dirties pages faster
than they are written back (50 clips landing at once), a filesystem can flush a file when it is closed, and a
library on a network share waits for the server on each call. On the loop thread each such wait is an event-loop
stall, in the GUI a frozen window. ``OffLoopFile`` sends each call to a small pool instead and awaits it, so a slow
disk slows the download (the network buffers meanwhile), never the loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import BinaryIO, TypeVar

T = TypeVar("T")
_writers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pairframe-write")


class OffLoopFile:
    """``async with OffLoopFile(lambda: path.open("wb")) as sink: await sink.write(chunk)``.

    Calls run one at a time and in order: each awaits the one before. A call that a cancellation stopped waiting
    for still runs to its end, and the file is closed after it (even when the block is cancelled)."""

    def __init__(self, opener: Callable[[], BinaryIO]) -> None:
        self._opener = opener
        self._file: BinaryIO | None = None
        self._last: Future[object] | None = None

    async def __aenter__(self) -> OffLoopFile:
        opening = self._call(self._opener)
        try:
            self._file = await asyncio.shield(opening)
        except asyncio.CancelledError:  # the file may still open: close it then
            opening.add_done_callback(_close_opened)
            raise
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: BaseException | None,
                        trace: TracebackType | None) -> None:
        if self._file is not None:
            await asyncio.shield(self._call(self._file.close))

    async def write(self, chunk: bytes) -> None:
        """Write ``chunk`` after everything written before it."""
        await self._call(self._opened().write, chunk)

    async def flush(self) -> None:
        """Hand what is buffered to the operating system."""
        await self._call(self._opened().flush)

    def _opened(self) -> BinaryIO:
        if self._file is None:
            raise RuntimeError("the file is not open: use OffLoopFile in an async with block")
        return self._file

    def _call(self, function: Callable[..., T], *args: object) -> asyncio.Future[T]:
        before = self._last

        def after_the_last() -> T:
            if before is not None:
                wait([before])  # its outcome went to its own caller; a call cancelled before it ran never runs
            return function(*args)

        submitted = _writers.submit(after_the_last)
        self._last = submitted  # type: ignore[assignment]
        return asyncio.wrap_future(submitted)


def _close_opened(opening: asyncio.Future[BinaryIO]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


__all__ = ["OffLoopFile"]
