"""Named points where a test has the process killed, to prove that work survives a crash at that very moment.

``PAIRFRAME_KILL_AT=<point>`` in the environment makes the process send itself SIGKILL the first time it reaches
that point; unset (always, outside tests) every call is a no-op. The points:

- ``after-submission-record``: a create's submission record is committed and the create has not been sent;
- ``after-create``: Replicate answered the create and its prediction id is not committed yet;
- ``mid-download``: a clip's output is partly downloaded;
- ``mid-render``: the local model's FFmpeg is rendering a clip;
- ``mid-combine``: FFmpeg is writing the combined ad.
"""

from __future__ import annotations

import os
import signal

ENVIRONMENT_VARIABLE = "PAIRFRAME_KILL_AT"
_armed = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()


def reached(point: str) -> None:
    """Die here, at once and without any clean-up, when the environment names ``point``."""
    if _armed and point == _armed:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
