"""One wrapper around the bundled FFmpeg binary: asyncio subprocess, progress, cancel, readable errors."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import functools
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import imageio_ffmpeg

log = logging.getLogger(__name__)
STDERR_TAIL_LINES = 12
TERMINATE_GRACE_S = 3.0


class FFmpegError(Exception):
    """FFmpeg failed; the message ends with the last lines it printed."""


@cache
def ffmpeg_exe() -> str:
    """The path of the FFmpeg binary that imageio-ffmpeg ships (or ``IMAGEIO_FFMPEG_EXE``)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


@cache
def ffmpeg_command() -> tuple[str, ...]:
    """How to start FFmpeg: on Linux through util-linux's ``setpriv --pdeathsig KILL`` when it has that option, so
    the kernel kills FFmpeg when this process ends, even by SIGKILL (no orphan goes on writing a file nobody will
    use). The first call runs commands: make it off the event loop."""
    return (*_death_signal_launcher(), ffmpeg_exe())


def _death_signal_launcher() -> tuple[str, ...]:
    if not sys.platform.startswith("linux") or (setpriv := shutil.which("setpriv")) is None:
        return ()
    try:
        usage = subprocess.run([setpriv, "--help"], capture_output=True, text=True, timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return (setpriv, "--pdeathsig", "KILL", "--") if "--pdeathsig" in usage else ()


@cache
def background_ffmpeg_command() -> tuple[str, ...]:
    """``ffmpeg_command()`` for work that must never take a core from the app (quality control): on Linux under the
    idle scheduling class (util-linux ``chrt --idle 0``), so any thread of the app that wakes takes a core from it
    at once. A nice value only shares the cores out by weight: with QC's FFmpeg threads on both cores the event
    loop still waited tens of milliseconds for one. Where ``chrt`` is missing or refused, the plain command.
    The first call runs commands: make it off the event loop."""
    if not sys.platform.startswith("linux") or (chrt := shutil.which("chrt")) is None:
        return ffmpeg_command()
    idle = (chrt, "--idle", "0")
    try:
        works = subprocess.run([*idle, "true"], capture_output=True, timeout=10, check=False).returncode == 0
    except (OSError, subprocess.SubprocessError):
        works = False
    return (*idle, *ffmpeg_command()) if works else ffmpeg_command()


def ffmpeg_for(background: bool) -> tuple[str, ...]:
    """``background_ffmpeg_command()`` or ``ffmpeg_command()``."""
    return background_ffmpeg_command() if background else ffmpeg_command()


def creation_flags() -> int:
    return subprocess.CREATE_NO_WINDOW if sys.platform == "win32" else 0  # type: ignore[attr-defined]


PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


@cache
def _prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _die_with(parent_pid: int, prctl: Callable[..., int]) -> None:
    """Runs in the child between fork and exec: ask the kernel for SIGKILL when the parent ends, and end now if it
    already has (it may have died before the request was made)."""
    if prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() != parent_pid:
        os.kill(os.getpid(), signal.SIGKILL)


def child_options() -> dict[str, Any]:
    """Keyword arguments for starting ``ffmpeg_command()``: no console window on Windows. On Linux without a
    usable ``setpriv``, the child asks for its death signal itself (``prctl`` between fork and exec); that start
    costs a full fork instead of a vfork — tens of milliseconds on the loop in a large process — so ``setpriv``
    is preferred."""
    options: dict[str, Any] = {"creationflags": creation_flags()}
    if len(ffmpeg_command()) == 1 and (prctl := _prctl()) is not None:
        options["preexec_fn"] = functools.partial(_die_with, os.getpid(), prctl)
    return options


async def run_ffmpeg(args: Sequence[str], *, duration_s: float | None = None,
                     on_progress: Callable[[float], None] | None = None,
                     cancel: asyncio.Event | None = None, what: str = "FFmpeg",
                     tail_lines: int = STDERR_TAIL_LINES, background: bool = False) -> list[str]:
    """Run ``ffmpeg <args>`` and wait; returns the last ``tail_lines`` lines FFmpeg printed on stderr.

    ``on_progress`` gets a fraction 0..1 of ``duration_s`` (the expected output length). Setting ``cancel``
    or cancelling the awaiting task terminates FFmpeg (then kills it) and raises ``asyncio.CancelledError``.
    ``background`` work (checks nobody waits to watch) runs with ``background_ffmpeg_command()``.
    """
    command = [*ffmpeg_for(background), "-hide_banner", "-nostdin", "-y", "-progress", "pipe:1", "-nostats", *args]
    log.debug("ffmpeg %s", " ".join(args))
    process = await asyncio.create_subprocess_exec(
        *command, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, **child_options())
    tail: collections.deque[str] = collections.deque(maxlen=tail_lines)
    readers = asyncio.gather(_read_progress(process, duration_s, on_progress), _read_stderr(process, tail))
    waiter = asyncio.ensure_future(process.wait())
    cancel_wait = asyncio.ensure_future(cancel.wait()) if cancel else None
    try:
        pending = {waiter} | ({cancel_wait} if cancel_wait else set())
        done, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            raise asyncio.CancelledError(f"{what} canceled")
        await readers
    except BaseException:
        await _stop(process)
        readers.cancel()
        with contextlib.suppress(BaseException):
            await readers
        raise
    finally:
        if cancel_wait:
            cancel_wait.cancel()
    if process.returncode != 0:
        detail = "\n".join(list(tail)[-STDERR_TAIL_LINES:]) or f"exit status {process.returncode}"
        raise FFmpegError(f"{what} failed: {detail}")
    if on_progress:
        on_progress(1.0)
    return list(tail)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(asyncio.shield(process.wait()), TERMINATE_GRACE_S)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()


async def _read_progress(process: asyncio.subprocess.Process, duration_s: float | None,
                         on_progress: Callable[[float], None] | None) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        line = raw.decode("utf-8", "replace").strip()
        if not on_progress or not duration_s or not line.startswith("out_time_us="):
            continue
        value = line.partition("=")[2]
        if value.lstrip("-").isdigit():
            on_progress(max(0.0, min(1.0, int(value) / 1_000_000 / duration_s)))


async def _read_stderr(process: asyncio.subprocess.Process, tail: collections.deque[str]) -> None:
    assert process.stderr is not None
    async for raw in process.stderr:
        line = raw.decode("utf-8", "replace").rstrip()
        if line:
            tail.append(line)
