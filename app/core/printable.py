"""Names from the outside world shown as one honest line: control characters written as visible escapes.

A file name may hold a newline, a carriage return, a terminal escape sequence or a bidirectional override; shown
raw, it breaks a report line or forges a fake one. ``printable`` keeps every other character (accents, emoji with
their joiners, non-breaking spaces) as it is. Machine output (JSON) keeps the real name.
"""

from __future__ import annotations

import re

_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 and C1 controls, DEL, line and paragraph separators, and the bidirectional controls that reorder text.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with control characters escaped (``a\\nb`` for a newline), safe on one line of a report."""
    return _UNSAFE.sub(_escape, text)
