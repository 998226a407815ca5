"""An autouse fixture for UI tests that open windows and dialogs.

* Closing the last visible window (often a dialog in a test) must not quit the loop, as in the app.
* At the end of a test its widgets are collected on the GUI thread. Otherwise a reference cycle holding a
  Python-owned widget may be collected later by whichever thread runs the garbage collector (an executor or
  the database thread), which deletes the widget off the GUI thread and leaves its timers firing at freed
  memory (a segmentation fault a few tests later).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def qt_hygiene(qapp) -> Iterator[None]:
    qapp.setQuitOnLastWindowClosed(False)
    yield
    gc.collect()
