"""A retry's prompt: the clip's prompt with what QC found turned into requirements the model can follow.

"Slow push-in over the harbour. Requirements: the clip must end exactly on the last image; no text on screen."
Only what a prompt can fix becomes a requirement (not the duration or size, which are the model's settings).
Folding twice does not repeat a requirement: the earlier requirements are merged with the new ones.
"""

from __future__ import annotations

import re

from app.core.qc.brand_reply import IssueKind
from app.core.qc.levels import Verdict
from app.core.qc.verdict import Check, ClipQc

_MARKER = re.compile(r"(?:^|\s+)Requirements: ")

_BY_CHECK: dict[Check, str] = {
    Check.FIRST_FRAME: "the clip must start exactly on the first image",
    Check.SEAM: "the clip must start exactly on the first image",
    Check.LAST_FRAME: "the clip must end exactly on the last image",
    Check.BLACK: "no black frames or fades to black",
    Check.FROZEN: "keep the camera or the subject moving the whole time, with no still stretches",
}
_BY_ISSUE: dict[IssueKind, str] = {
    IssueKind.TEXT_ON_SCREEN: "no text on screen",
    IssueKind.LOGO_DISTORTED: "keep the logo and the product's label exactly as in the images, undistorted",
    IssueKind.COMPETITOR_PRODUCT: "show no other brand's products",
    IssueKind.OFF_BRAND_COLOURS: "keep to the brand's colours",
    IssueKind.RESTRICTION_BROKEN: "respect the brand's restrictions",
    IssueKind.OFF_TONE: "keep the brand's tone",
    IssueKind.VISUAL_GLITCH: "no deformed people, hands or objects",
}
# The order requirements are listed in, whatever order the reasons came in.
_ORDER = tuple(dict.fromkeys([*_BY_CHECK.values(), *_BY_ISSUE.values()]))


def requirements(qc: ClipQc) -> list[str]:
    """What a retry must do differently, from the reasons that warn or fail (in a fixed order)."""
    wanted: set[str] = set()
    for reason in qc.reasons:
        if reason.verdict is not Verdict.PASS and reason.check in _BY_CHECK:
            wanted.add(_BY_CHECK[reason.check])
    if qc.brand is not None:
        wanted.update(_BY_ISSUE[issue.kind] for issue in qc.brand.issues if issue.kind in _BY_ISSUE)
    return [text for text in _ORDER if text in wanted]


def retry_prompt(prompt: str, qc: ClipQc) -> str:
    """``prompt`` with QC's requirements appended (merged with any it already ends with); unchanged if none."""
    match = _MARKER.search(prompt)
    base, earlier = (prompt[:match.start()], prompt[match.end():]) if match else (prompt, "")
    already = [part.strip() for part in earlier.strip().rstrip(".").split(";") if part.strip()]
    combined = list(dict.fromkeys([*already, *requirements(qc)]))
    if not combined:
        return prompt
    base = base.rstrip()
    if base and base[-1] not in ".!?":
        base += "."
    text = f"Requirements: {'; '.join(combined)}."
    return f"{base} {text}" if base else text
