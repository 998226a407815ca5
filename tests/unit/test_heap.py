"""Objects alive at start-up are moved out of the collector's reach, so later full collections stay short."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap


def test_freezing_exempts_what_is_alive_and_still_collects_new_garbage() -> None:
    # In a subprocess: gc.freeze() is process-wide and would change every later test in this one.
    code = textwrap.dedent("""
        import gc, time
        from app.core.heap import freeze_long_lived_objects
        import app.core.services  # the libraries the app imports
        survivors = [[i] for i in range(300_000)]
        frozen = freeze_long_lived_objects()
        assert frozen > 300_000, frozen
        class Cycle:
            def __init__(self): self.me = self
        gc.disable()  # let the garbage wait for the timed collection
        for _ in range(1000):
            Cycle()
        started = time.perf_counter()
        assert gc.collect() >= 1000
        print(f"{time.perf_counter() - started:.4f}")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 0.05, "a full collection still walks the frozen objects"
    assert gc.get_freeze_count() == 0  # this process is untouched
