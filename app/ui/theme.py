"""Light, dark or the system's colours, and the few colours with a meaning (errors, stars, labels) in both.

The theme is asked of Qt first (``QStyleHints.setColorScheme``); where the platform cannot switch (no desktop theme,
a bare X server, the offscreen platform) the application gets a palette of the scheme asked for. Every custom-painted
widget takes its colours from the palette it paints with, and the colours that carry meaning come from
``tone_color`` and ``label_color``, which pick a shade that reads on that palette's background. A label tinted with
``set_tone`` is tinted again whenever the theme changes.
"""

from __future__ import annotations

import enum

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from app.core.domain import ColorLabel

TONE_PROPERTY = "semantic_tone"


class Theme(enum.StrEnum):
    SYSTEM = "system"
    LIGHT = "light"
    DARK = "dark"


class Tone(enum.StrEnum):
    """A colour with a meaning."""

    ERROR = "error"
    WARNING = "warning"
    SUCCESS = "success"
    MUTED = "muted"
    STAR = "star"


# (hue, saturation, lightness on a light background, lightness on a dark one), HSL in 0–255 / 0–359
_TONES: dict[Tone, tuple[int, int, int, int]] = {
    Tone.ERROR: (2, 190, 95, 175),
    Tone.WARNING: (28, 255, 82, 165),
    Tone.SUCCESS: (125, 150, 75, 150),
    Tone.STAR: (40, 255, 95, 130),
}
_LABELS: dict[ColorLabel, tuple[int, int, int, int]] = {
    ColorLabel.RED: (0, 190, 120, 150),
    ColorLabel.YELLOW: (48, 240, 110, 140),
    ColorLabel.GREEN: (120, 150, 95, 130),
    ColorLabel.BLUE: (212, 200, 115, 160),
    ColorLabel.PURPLE: (282, 140, 120, 170),
}
LABEL_NAMES = {ColorLabel.RED: "Red", ColorLabel.YELLOW: "Yellow", ColorLabel.GREEN: "Green",
               ColorLabel.BLUE: "Blue", ColorLabel.PURPLE: "Purple", ColorLabel.NONE: "No label"}


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` draws light text on a dark background."""
    roles = QPalette.ColorRole
    return palette.color(roles.Window).lightness() < palette.color(roles.WindowText).lightness()


def _shade(spec: tuple[int, int, int, int], palette: QPalette) -> QColor:
    hue, saturation, light, dark = spec
    return QColor.fromHsl(hue, saturation, dark if is_dark(palette) else light)


def tone_color(tone: Tone, palette: QPalette | None = None) -> QColor:
    """The colour of ``tone`` that reads on ``palette``'s background (default: the application's palette)."""
    palette = palette or QApplication.palette()
    if tone is Tone.MUTED:
        return palette.color(QPalette.ColorRole.PlaceholderText)
    return _shade(_TONES[tone], palette)


def label_color(label: ColorLabel, palette: QPalette | None = None) -> QColor:
    """The colour of a colour label on ``palette`` (invalid for ``ColorLabel.NONE``)."""
    if label is ColorLabel.NONE:
        return QColor()
    return _shade(_LABELS[label], palette or QApplication.palette())


def set_tone(widget: QWidget, tone: Tone | None) -> None:
    """Draw ``widget``'s text in ``tone`` (None: the palette's own colour), now and after every theme change."""
    widget.setProperty(TONE_PROPERTY, tone.value if tone else None)
    _apply_tone(widget)


def _apply_tone(widget: QWidget) -> None:
    value = widget.property(TONE_PROPERTY)
    palette = widget.palette()
    base = QApplication.palette()
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text):
        palette.setColor(role, tone_color(Tone(value), base) if value else base.color(role))
    widget.setPalette(palette)


def retint(root: QWidget | None = None) -> None:
    """Tint every toned widget (of ``root``, or of the application) for the palette in force."""
    widgets = root.findChildren(QWidget) if root is not None else QApplication.allWidgets()
    for widget in widgets:
        if widget.property(TONE_PROPERTY):
            _apply_tone(widget)


def contrast(a: QColor, b: QColor) -> float:
    """The WCAG contrast ratio of two colours (1 to 21)."""
    def luminance(color: QColor) -> float:
        def channel(value: float) -> float:
            return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dark_palette() -> QPalette:
    """The palette of the dark theme where the platform has none."""
    palette = QPalette()
    roles = QPalette.ColorRole
    colors = {
        roles.Window: QColor(45, 45, 48), roles.WindowText: QColor(228, 228, 228),
        roles.Base: QColor(30, 30, 32), roles.AlternateBase: QColor(52, 52, 56),
        roles.ToolTipBase: QColor(64, 64, 70), roles.ToolTipText: QColor(235, 235, 235),
        roles.PlaceholderText: QColor(150, 150, 156), roles.Text: QColor(228, 228, 228),
        roles.Button: QColor(56, 56, 60), roles.ButtonText: QColor(228, 228, 228),
        roles.BrightText: QColor(255, 110, 100), roles.Light: QColor(86, 86, 92), roles.Midlight: QColor(70, 70, 75),
        roles.Mid: QColor(96, 96, 102), roles.Dark: QColor(24, 24, 26), roles.Shadow: QColor(0, 0, 0),
        roles.Highlight: QColor(56, 128, 212), roles.HighlightedText: QColor(255, 255, 255),
        roles.Link: QColor(110, 170, 255), roles.LinkVisited: QColor(170, 140, 255),
    }
    for role, color in colors.items():
        palette.setColor(role, color)
    disabled = QPalette.ColorGroup.Disabled
    for role in (roles.WindowText, roles.Text, roles.ButtonText, roles.HighlightedText):
        palette.setColor(disabled, role, QColor(128, 128, 132))
    palette.setColor(disabled, roles.Highlight, QColor(70, 70, 75))
    return palette


def light_palette() -> QPalette:
    """The palette of the light theme where the platform has none: the style's own."""
    return QApplication.style().standardPalette()


class ThemeManager(QObject):
    """Applies a ``Theme`` to the application; ``changed`` follows every palette change it makes or hears of."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.theme = Theme.SYSTEM
        self._own_palette = False
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._follow_system())

    def apply(self, theme: Theme) -> None:
        """Switch the application to ``theme``."""
        self.theme = Theme(theme)
        hints = QGuiApplication.styleHints()
        wanted = {Theme.LIGHT: Qt.ColorScheme.Light, Theme.DARK: Qt.ColorScheme.Dark}.get(self.theme)
        if wanted is None:
            hints.unsetColorScheme()
        else:
            hints.setColorScheme(wanted)
        if wanted is not None and hints.colorScheme() != wanted:
            self._set_palette(dark_palette() if self.theme is Theme.DARK else light_palette())
        elif self._own_palette:  # the platform switched (or follows the system): its palette again
            self._own_palette = False
            QApplication.setPalette(QPalette())
            self._set_palette(None)
        else:
            self._set_palette(None)

    def is_dark(self) -> bool:
        return is_dark(QApplication.palette())

    def _set_palette(self, palette: QPalette | None) -> None:
        if palette is not None:
            self._own_palette = True
            QApplication.setPalette(palette)
        retint()
        self.changed.emit()

    def _follow_system(self) -> None:
        if self.theme is Theme.SYSTEM or not self._own_palette:
            retint()
            self.changed.emit()


__all__ = ["LABEL_NAMES", "Theme", "ThemeManager", "Tone", "contrast", "is_dark", "label_color", "retint",
           "set_tone", "tone_color"]
