"""What the window remembers for its user between runs (QSettings): sizes, choices and filters.

The main window makes one ``Preferences`` from its ``QSettings`` and scopes it to the open library, so the filters
and choices of one library's campaigns never show up in another's. A page made without one (a test, a tool) gets
preferences kept in memory only.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings


class Preferences:
    """Typed reads and writes of the user's remembered choices; ``library_key`` scopes a key to the library."""

    def __init__(self, settings: QSettings | None = None, library: Path | None = None) -> None:
        self._settings = settings
        self._memory: dict[str, Any] = {}
        digest = hashlib.sha256(str(library).encode()).hexdigest()[:16] if library is not None else "memory"
        self._library = f"libraries/{digest}"

    def library_key(self, key: str) -> str:
        """``key`` inside the open library's group."""
        return f"{self._library}/{key}"

    def value(self, key: str) -> Any:
        if self._settings is None:
            return self._memory.get(key)
        return self._settings.value(key)

    def set_value(self, key: str, value: Any) -> None:
        if self._settings is None:
            self._memory[key] = value
        else:
            self._settings.setValue(key, value)

    def remove(self, key: str) -> None:
        if self._settings is None:
            self._memory.pop(key, None)
        else:
            self._settings.remove(key)

    def integer(self, key: str, default: int) -> int:
        try:
            return int(self.value(key) if self.value(key) is not None else default)
        except (TypeError, ValueError):
            return default

    def boolean(self, key: str, default: bool) -> bool:
        value = self.value(key)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1", "yes")
        return bool(value)

    def text(self, key: str, default: str = "") -> str:
        value = self.value(key)
        return str(value) if value is not None else default

    def document(self, key: str) -> dict[str, Any]:
        """A JSON object stored as text (an empty one when missing or unreadable)."""
        try:
            loaded = json.loads(self.text(key, "{}"))
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def set_document(self, key: str, document: dict[str, Any]) -> None:
        self.set_value(key, json.dumps(document, sort_keys=True))

    def state(self, key: str) -> QByteArray | None:
        """A widget's saved state (a splitter's sizes), or None."""
        value = self.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None


__all__ = ["Preferences"]
