"""How the database thread shares the interpreter with an event loop that must stay responsive.

The database thread runs Python (SQLAlchemy) and holds the interpreter lock while it does. In the GUI every Qt
callback into Python needs that lock, so a burst of database work (50 clips landing at once: downloads recorded,
charges written, checks stored) stalled the event loop for as long as the burst ran: 40-70 ms in the jobs page
benchmark, each stall matching the database thread's CPU time in it. Paced, work that follows other work without
a pause first rests ``LOOP_SHARE`` times as long as the previous piece ran (capped), so the loop gets at least two
thirds of the time in a burst; work that arrives alone starts at once. Scripts and the command line do not pace.

Why two thirds: in ten interleaved runs of that benchmark each, resting as long as the previous piece (half the
time) left the largest stall under 33 ms in 6 runs (18–75 ms), resting twice as long in 9 (20–36 ms), for 7 %
more time to record 50 clips landing together. Three times as long made that 50 % slower.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
REST_MAX_S = 0.02  # a long piece of work never holds the next one back longer than this
LOOP_SHARE = 2.0  # the rest before a closely following piece, as a multiple of the previous piece's CPU time


class Pacer:
    """Runs each piece of work on the calling (database) thread; when ``share`` is set, rests before a piece that
    follows another one closely, for ``share`` times the CPU time that one took."""

    def __init__(self) -> None:
        self.share = 0.0
        self._rest_until = 0.0

    def run(self, work: Callable[..., T], *args: object) -> T:
        rest = min(REST_MAX_S, self._rest_until - time.monotonic())
        if rest > 0:
            time.sleep(rest)
        started = time.thread_time()
        try:
            return work(*args)
        finally:
            if self.share:
                self._rest_until = time.monotonic() + (time.thread_time() - started) * self.share


__all__ = ["LOOP_SHARE", "REST_MAX_S", "Pacer"]
