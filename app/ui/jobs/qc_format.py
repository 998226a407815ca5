"""How quality control shows on the jobs page: a mark per verdict, its colour, and the reasons in plain words."""

from __future__ import annotations

from app.core.qc.levels import Verdict
from app.core.qc.verdict import ClipQc
from app.ui.theme import Tone

QC_MARK = {Verdict.PASS: "✓", Verdict.WARN: "!", Verdict.FAIL: "✗"}
QC_TONE = {Verdict.PASS: Tone.SUCCESS, Verdict.WARN: Tone.WARNING, Verdict.FAIL: Tone.ERROR}
QC_WORD = {Verdict.PASS: "passed", Verdict.WARN: "passed with warnings", Verdict.FAIL: "failed"}


def qc_tooltip(qc: ClipQc) -> str:
    """"QC failed:" and one line per reason, worst first ("QC passed: every check passed" when none)."""
    lines = [line.replace("fail: ", "✗ ", 1).replace("warn: ", "! ", 1) for line in qc.lines()]
    return f"QC {QC_WORD[qc.verdict]}:\n" + "\n".join(lines) if lines else "QC passed: every check passed"


def qc_details(qc: ClipQc) -> str:
    """The reasons that warn or fail, one per line, for the card's details (empty when it passed)."""
    return "\n".join(f"{QC_MARK[r.verdict]} {r.text}" for r in qc.reasons if r.verdict is not Verdict.PASS)
