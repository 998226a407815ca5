"""The A/B view of a job: each pair's variants side by side, playing in sync, a winner picked per pair with 1, 2,
3 or a click, and which model won how often for this client.

Non-modal. It reads the job through ``GenerationService.ab_state`` and picks through ``pick_winner``; it reloads
when the change feed names the job (a pick here, in another window or from the command line), never by polling.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.config import LibraryPaths
from app.core.changes import Changes, Op
from app.core.domain import ClipStatus
from app.core.generation.ab import AbPair, AbState, ModelWins
from app.core.generation.service import GenerationService
from app.ui.ab.sync import SyncGroup
from app.ui.bridge import TaskBridge, describe_error
from app.ui.change_feed import ChangeFeed
from app.ui.player import VideoPlayer
from app.ui.theme import Tone, set_tone


def wins_text(wins: list[ModelWins], label_of: dict[str, str]) -> str:
    """"Wins for this client: Seedance 2.0 7 of 9 pairs; Veo 3.1 2 of 9 pairs" (empty before any pick)."""
    if not wins:
        return "No winners picked for this client yet."
    return "Wins for this client: " + "; ".join(
        f"{label_of.get(w.model_id, w.model_id)} {w.wins} of {w.contests} pair{'s' if w.contests != 1 else ''}"
        for w in wins)


class VariantPane(QWidget):
    """One variant of the shown pair: its player, its model and a Pick button."""

    def __init__(self, letter: str, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.letter = letter
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.player = VideoPlayer(self)
        self.pick_button = QPushButton(f"{number}: pick {letter}")
        self.pick_button.setToolTip(f"Variant {letter} wins this pair (key {number})")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.title)
        layout.addWidget(self.player, 1)
        layout.addWidget(self.pick_button)


class AbDialog(QDialog):
    """Compare job ``job_id``'s variants pair by pair and pick the winners."""

    def __init__(self, generation: GenerationService, bridge: TaskBridge, feed: ChangeFeed, job_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.generation = generation
        self.paths: LibraryPaths = generation.paths
        self.bridge = bridge
        self.job_id = job_id
        self.state: AbState | None = None
        self.wins: list[ModelWins] = []
        self.panes: list[VariantPane] = []
        self.sync: SyncGroup | None = None
        self._shown: tuple[int, tuple[str | None, ...]] | None = None  # the pair and files the players show
        self.labels = {m.id: m.label for m in generation.models()}
        self.setModal(False)
        self.setWindowTitle(f"Compare variants — job {job_id}")
        self.resize(1100, 560)
        self.variants_label = QLabel("Loading…")
        self.wins_label = QLabel()
        set_tone(self.wins_label, Tone.MUTED)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        set_tone(self.error_label, Tone.ERROR)
        self.error_label.hide()
        self.pair_list = QListWidget()
        self.pair_list.currentRowChanged.connect(lambda _row: self._show_pair())
        self.panes_box = QWidget()
        self.panes_layout = QHBoxLayout(self.panes_box)
        self.panes_layout.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.pair_list)
        splitter.addWidget(self.panes_box)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([180, 900])
        note = QLabel("Keys 1, 2, 3 pick the winner of the pair shown; Space plays and pauses every variant at once. "
                      "The ad is made of the winners (variant A where none is picked).")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.variants_label)
        layout.addWidget(self.wins_label)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(note)
        for number in (1, 2, 3):
            shortcut = QShortcut(QKeySequence(str(number)), self)
            shortcut.activated.connect(lambda n=number: self.pick_number(n))
        QShortcut(QKeySequence(Qt.Key.Key_Space), self).activated.connect(self.toggle_play)
        feed.changed.connect(self.apply_changes)
        self.reload()

    # ---- reading -----------------------------------------------------------------------------------
    def apply_changes(self, changes: Changes) -> None:
        if changes.everything or self.job_id in changes.jobs:
            self.reload()

    def reload(self) -> None:
        self.bridge.run(f"ab-state-{self.job_id}", self.generation.ab_state(self.job_id), on_done=self._arrived,
                        on_error=self._failed)

    def _arrived(self, state: AbState) -> None:
        if self.state is None:
            self._build_panes(state)
        self.state = state
        self.bridge.run(f"ab-wins-{self.job_id}", self.generation.win_stats(state.client_id),
                        on_done=self._wins_arrived, on_error=lambda _exc: None)
        self.variants_label.setText("  ·  ".join(
            f"{v.letter}: {self.labels.get(v.model_id, v.model_id)} ({v.duration_s:g} s, {v.resolution})"
            for v in state.variants))
        row = max(0, self.pair_list.currentRow())
        self.pair_list.blockSignals(True)
        self.pair_list.clear()
        for pair in state.pairs:
            self.pair_list.addItem(self._pair_text(pair))
        self.pair_list.setCurrentRow(min(row, self.pair_list.count() - 1))
        self.pair_list.blockSignals(False)
        self._show_pair()

    def _wins_arrived(self, wins: list[ModelWins]) -> None:
        self.wins = wins
        self.wins_label.setText(wins_text(wins, self.labels))

    def _failed(self, exc: BaseException) -> None:
        self.error_label.setText(describe_error(exc))
        self.error_label.show()

    def _pair_text(self, pair: AbPair) -> str:
        made = sum(c.status is ClipStatus.SUCCEEDED for c in pair.clips.values())
        winner = f"winner {pair.winner}" if pair.winner else "no winner yet"
        return f"Pair {pair.pair}: {winner}" + ("" if made == len(pair.clips) else f" ({made}/{len(pair.clips)} made)")

    def _build_panes(self, state: AbState) -> None:
        for number, variant in enumerate(state.variants, start=1):
            pane = VariantPane(variant.letter, number)
            pane.pick_button.clicked.connect(lambda _c=False, n=number: self.pick_number(n))
            self.panes_layout.addWidget(pane, 1)
            self.panes.append(pane)
        players = [p.player for p in self.panes]
        self.sync = SyncGroup(players[0], players[1:], self)
        players[0].set_loop(True)

    # ---- the pair shown ----------------------------------------------------------------------------
    def current_pair(self) -> AbPair | None:
        row = self.pair_list.currentRow()
        if self.state is None or not 0 <= row < len(self.state.pairs):
            return None
        return self.state.pairs[row]

    def _show_pair(self) -> None:
        pair = self.current_pair()
        if pair is None or self.state is None:
            return
        files = []
        for pane in self.panes:
            clip = pair.clips.get(pane.letter)
            made = clip is not None and clip.status is ClipStatus.SUCCEEDED and bool(clip.file_path)
            files.append(clip.file_path if made and clip is not None else None)
            model = self.labels.get(self.state.model_of(pane.letter), self.state.model_of(pane.letter))
            status = "" if made or clip is None else f" — {clip.status.value}"
            crown = "  ★ winner" if pair.winner == pane.letter else ""
            pane.title.setText(f"{pane.letter} · {model}{status}{crown}")
            pane.pick_button.setEnabled(made)
        shown = (pair.pair, tuple(files))
        if shown == self._shown:
            return
        self._shown = shown
        for pane, stored in zip(self.panes, files, strict=True):
            pane.player.load(self.paths.file(stored) if stored else None)

    def toggle_play(self) -> None:
        if self.panes:
            self.panes[0].player.toggle()

    # ---- picking -----------------------------------------------------------------------------------
    def pick_number(self, number: int) -> None:
        """Variant ``number`` (1 = A) wins the pair shown."""
        pair = self.current_pair()
        if pair is None or self.state is None or not 1 <= number <= len(self.state.variants):
            return
        letter = self.state.variants[number - 1].letter
        clip = pair.clips.get(letter)
        if clip is None or clip.status is not ClipStatus.SUCCEEDED:
            return
        self.error_label.hide()
        self.bridge.run(f"ab-pick-{self.job_id}", self.generation.pick_winner(self.job_id, pair.pair, letter),
                        on_done=self._picked, on_error=self._failed)

    def _picked(self, op: Op[AbState]) -> None:
        self._arrived(op.value)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._stop()
        super().closeEvent(event)

    def reject(self) -> None:
        self._stop()
        super().reject()

    def _stop(self) -> None:
        self._shown = None
        for pane in self.panes:
            pane.player.load(None)
