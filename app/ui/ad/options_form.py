"""The combine options of the Ad page: joins, geometry, music and the clips' own audio."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.config import Settings
from app.core.domain import Transition
from app.core.media.combine import CombineOptions

TRANSITIONS = (("Cut", Transition.CUT.value), ("Crossfade", Transition.CROSSFADE.value),
               ("Fade through black", Transition.FADE.value))
ASPECTS = (("Clips' own", "source"), ("16:9 landscape", "16:9"), ("9:16 vertical", "9:16"), ("1:1 square", "1:1"))
FITS = (("Letterbox in the brand colour", "pad"), ("Crop to fill", "crop"))
RESOLUTIONS = (("Clips' own", None), ("480p", 480), ("720p", 720), ("1080p", 1080))
FRAME_RATES = (("Clips' own", None), ("24 fps", 24), ("25 fps", 25), ("30 fps", 30), ("60 fps", 60))
CLIP_AUDIO = (("Keep", "keep"), ("Mix under the music", "mix"), ("Drop", "drop"))
AUDIO_FILTER = "Audio (*.mp3 *.m4a *.aac *.wav *.flac *.ogg *.opus);;All files (*)"


def _combo(items: tuple[tuple[str, Any], ...]) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    return combo


def _select(combo: QComboBox, value: Any) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class CombineOptionsForm(QGroupBox):
    """Edits a ``CombineOptions``; the music file comes from a non-modal file dialog."""

    changed = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__("Combine options", parent)
        self.transition = _combo(TRANSITIONS)
        self.length = QDoubleSpinBox()
        self.length.setRange(0.1, 5.0)
        self.length.setSingleStep(0.1)
        self.length.setDecimals(1)
        self.length.setSuffix(" s")
        self.length.setValue(settings.crossfade_s)
        self.length.setToolTip("Length of a crossfade, or of a fade through black")
        self.aspect = _combo(ASPECTS)
        self.fit = _combo(FITS)
        self.resolution = _combo(RESOLUTIONS)
        self.resolution.setToolTip("The short side of the output")
        self.fps = _combo(FRAME_RATES)
        self.music = QLineEdit()
        self.music.setReadOnly(True)
        self.music.setPlaceholderText("No music")
        self.choose_music = QPushButton("Choose…")
        self.clear_music = QPushButton("Clear")
        self.volume = QSpinBox()
        self.volume.setRange(0, 200)
        self.volume.setSuffix(" %")
        self.volume.setValue(round(settings.music_volume * 100))
        self.clip_audio = _combo(CLIP_AUDIO)
        _select(self.clip_audio, settings.clip_audio)
        self.skip_failed = QCheckBox("S&kip the clips that did not succeed")
        self.skip_failed.setToolTip("Combine the finished clips even though others failed or were canceled; the "
                                    "exported manifest lists the clips left out")
        self.music_dialog: QFileDialog | None = None

        music_row = QHBoxLayout()
        music_row.addWidget(self.music, 1)
        music_row.addWidget(self.choose_music)
        music_row.addWidget(self.clear_music)
        form = QFormLayout(self)
        # Mnemonics leave alone the tabs' (A, P, G, D) and the menus' (F, E, V, C, H) letters.
        form.addRow("&Transition", self.transition)
        form.addRow("Le&ngth", self.length)
        form.addRow("A&spect", self.aspect)
        form.addRow("F&it", self.fit)
        form.addRow("&Resolution", self.resolution)
        form.addRow("Fra&me rate", self.fps)
        music_label = QLabel("M&usic")  # a row that is a layout gets no buddy by itself
        music_label.setBuddy(self.choose_music)
        form.addRow(music_label, music_row)
        form.addRow("Music v&olume", self.volume)
        form.addRow("C&lip audio", self.clip_audio)
        form.addRow(self.skip_failed)

        self.choose_music.clicked.connect(self.open_music_dialog)
        self.clear_music.clicked.connect(lambda: self.set_music(None))
        for combo in (self.transition, self.aspect, self.fit, self.resolution, self.fps, self.clip_audio):
            combo.currentIndexChanged.connect(self._update_enabled)
        self.length.valueChanged.connect(self.changed)
        self.volume.valueChanged.connect(self.changed)
        self._update_enabled()

    def state(self) -> dict[str, Any]:
        """The choices, as a JSON-ready document (what the window remembers between runs)."""
        return {"transition": self.transition.currentData(), "length": self.length.value(),
                "aspect": self.aspect.currentData(), "fit": self.fit.currentData(),
                "resolution": self.resolution.currentData(), "fps": self.fps.currentData(),
                "music": self.music.text(), "volume": self.volume.value(), "clip_audio": self.clip_audio.currentData()}

    def restore(self, state: dict[str, Any]) -> None:
        """Take the choices of ``state()`` (what cannot be read, or a music file that is gone, is left as it is)."""
        for combo, key in ((self.transition, "transition"), (self.aspect, "aspect"), (self.fit, "fit"),
                           (self.resolution, "resolution"), (self.fps, "fps"), (self.clip_audio, "clip_audio")):
            if key in state:
                _select(combo, state[key])
        for spin, key in ((self.length, "length"), (self.volume, "volume")):
            if isinstance(state.get(key), int | float):
                spin.setValue(state[key])
        music = state.get("music")
        if isinstance(music, str) and music and Path(music).is_file():
            self.set_music(Path(music))

    def options(self) -> CombineOptions:
        """What the form says."""
        music = Path(self.music.text()) if self.music.text() else None
        return CombineOptions(
            transition=Transition(self.transition.currentData()), crossfade_s=round(self.length.value(), 2),
            aspect=self.aspect.currentData(), fit=self.fit.currentData(), height=self.resolution.currentData(),
            fps=self.fps.currentData(), music_path=music, music_volume=self.volume.value() / 100,
            clip_audio=self.clip_audio.currentData())

    def show_last(self, meta: dict[str, Any]) -> None:
        """Take the joins, aspect and fit of the job's last combine (its ``output_meta``)."""
        if transition := meta.get("transition"):
            _select(self.transition, Transition(transition).value)
        if meta.get("join_s"):
            self.length.setValue(float(meta["join_s"]))
        if aspect := meta.get("aspect"):
            _select(self.aspect, aspect)
        if fit := meta.get("fit"):
            _select(self.fit, fit)
        if clip_audio := meta.get("clip_audio"):
            _select(self.clip_audio, clip_audio)

    def set_music(self, path: Path | None) -> None:
        self.music.setText(str(path) if path else "")
        self._update_enabled()

    def open_music_dialog(self) -> None:
        """A non-modal file dialog; the chosen file lands through ``fileSelected``."""
        dialog = QFileDialog(self, "Choose music", self.music.text() or str(Path.home()), AUDIO_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self.set_music(Path(name)))
        dialog.finished.connect(dialog.deleteLater)
        self.music_dialog = dialog
        dialog.open()

    def _update_enabled(self) -> None:
        self.length.setEnabled(self.transition.currentData() != Transition.CUT.value)
        self.fit.setEnabled(self.aspect.currentData() != "source" or self.resolution.currentData() is not None)
        has_music = bool(self.music.text())
        self.volume.setEnabled(has_music)
        self.clear_music.setEnabled(has_music)
        self.changed.emit()
