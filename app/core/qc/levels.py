"""The one scale every check reports on: pass, warn or fail."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Verdict(enum.StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"

    @staticmethod
    def worst(verdicts: Iterable[Verdict]) -> Verdict:
        """The most severe of ``verdicts`` (PASS when there are none)."""
        order = (Verdict.PASS, Verdict.WARN, Verdict.FAIL)
        return max(verdicts, key=order.index, default=Verdict.PASS)
