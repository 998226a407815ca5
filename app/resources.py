"""Where the shipped resources (icons, sample images) are: beside ``app/`` in a checkout, or in the bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder of this installation (PyInstaller unpacks it under ``sys._MEIPASS``)."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base / "resources"


def samples_dir() -> Path:
    """The sample campaign's images."""
    return resources_dir() / "samples"


def icon_path(size: int | None = None) -> Path:
    """The application icon: the SVG, or the PNG rendered at ``size`` (48, 128 or 256)."""
    icons = resources_dir() / "icons"
    return icons / (f"pairframe-{size}.png" if size else "pairframe.svg")
