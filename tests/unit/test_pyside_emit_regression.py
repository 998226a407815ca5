"""Guards DESIGN.md §9: PySide6 6.12.0 on Python 3.11 drops a reference to ``True`` on every ``Signal.emit()``
from Python and aborts the process after a few hundred emits (``Fatal Python error: bool_dealloc``).

The emits run in a subprocess, so a regression shows as a failed test instead of a crashed test run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

EMITS = 5_000

SCRIPT = textwrap.dedent(f"""
    import json, sys
    from PySide6.QtCore import QCoreApplication, QObject, Signal

    class Emitter(QObject):
        plain = Signal()
        number = Signal(int)
        flag = Signal(bool)
        text = Signal(str, str)

    app = QCoreApplication([])
    emitter = Emitter()
    received = []
    emitter.plain.connect(lambda: received.append(0))
    emitter.number.connect(received.append)
    emitter.flag.connect(received.append)
    emitter.text.connect(lambda a, b: received.append(a))
    before = sys.getrefcount(True)
    for i in range({EMITS}):
        emitter.plain.emit()
        emitter.number.emit(i)
        emitter.flag.emit(i % 2 == 0)
        emitter.text.emit("task", "message")
    after = sys.getrefcount(True)
    print(json.dumps({{"received": len(received), "true_refs_lost": before - after}}))
""")


def test_thousands_of_signal_emits_do_not_abort_the_interpreter() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, f"the emitting process died ({result.returncode}): {result.stderr[-2000:]}"
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["received"] == 4 * EMITS
    # A leak of one reference per emit would lose thousands; immortal True (Python 3.12+) loses none.
    assert report["true_refs_lost"] < 100, report
