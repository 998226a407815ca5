"""A clip's progress card shows each state it is given and asks for cancel/retry through signals."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QContextMenuEvent, QFont, QFontMetrics, QGuiApplication, QPixmap
from PySide6.QtWidgets import QApplication

from app.core.domain import ClipState, ClipStatus
from app.ui.jobs.card_grid import CardGrid
from app.ui.jobs.clip_card import NOTE_LINES, PROGRESS_STEPS, ClipCard
from app.ui.theme import Tone
from app.ui.widgets.note_lines import wrapped_lines

NOW = datetime(2025, 5, 1, 12, 0, 0, tzinfo=UTC)


def _clip(**changes) -> ClipState:
    base = ClipState(id=7, job_id=3, position=1, first_asset_id=11, last_asset_id=12,
                     prompt="Slow push-in on the cup as steam rises", model_id="minimax/hailuo-02",
                     status=ClipStatus.PENDING)
    return dataclasses.replace(base, **changes)


def _shown(widget) -> bool:
    return not widget.isHidden()


def test_a_running_clip_shows_progress_working_time_and_only_cancel(qtbot) -> None:
    since = (NOW - timedelta(seconds=75)).replace(tzinfo=None)  # stored timestamps are naive UTC
    card = ClipCard(_clip(status=ClipStatus.RUNNING, progress=0.42, started_at=since, working_since=since,
                          attempts=1))
    qtbot.addWidget(card)
    card.tick(NOW)
    assert card.title.text() == "Clip 1"  # positions count from 1
    assert card.status_label.text() == "Generating"
    assert card.progress.value() == round(0.42 * PROGRESS_STEPS)
    assert card.elapsed_label.text() == "1:15"
    assert card.is_running
    assert _shown(card.cancel_button) and not _shown(card.retry_button) and not _shown(card.open_button)
    assert card.note.text() == ""
    card.tick(NOW + timedelta(seconds=10))
    assert card.elapsed_label.text() == "1:25"


def test_a_failed_clip_shows_its_error_cost_and_retry(qtbot) -> None:
    started = datetime(2025, 5, 1, 11, 0, 0)
    card = ClipCard(_clip(status=ClipStatus.FAILED, progress=0.6, attempts=2, cost_usd=0.48,
                          error="The model refused the input image", started_at=started,
                          finished_at=started + timedelta(seconds=65), working_s=65.0))
    qtbot.addWidget(card)
    card.tick(NOW)  # finished: the working time no longer grows
    assert card.elapsed_label.text() == "1:05"
    assert card.status_label.text() == "Failed · attempt 2"
    assert card.cost_label.text() == "$0.48"
    assert card.note.text() == "The model refused the input image" and card.note.tone() is Tone.ERROR
    assert card.note.shown_lines() == ["The model refused the input image"]
    assert _shown(card.retry_button) and not _shown(card.cancel_button)
    assert not card.is_running


def test_a_succeeded_clip_is_full_and_can_be_opened(qtbot) -> None:
    card = ClipCard(_clip(status=ClipStatus.SUCCEEDED, progress=0.97, file_path="/tmp/clip-1.mp4"))
    qtbot.addWidget(card)
    assert card.progress.value() == PROGRESS_STEPS
    assert card.status_label.text() == "Done"
    assert _shown(card.open_button) and not _shown(card.cancel_button) and not _shown(card.retry_button)
    assert card.elapsed_label.text() == "—"  # never started (no timestamps)


def test_a_resumed_clip_counts_only_its_working_time(qtbot) -> None:
    started = (NOW - timedelta(hours=2)).replace(tzinfo=None)  # it started before the app was closed for hours
    interrupted = _clip(status=ClipStatus.INTERRUPTED, started_at=started, working_s=4.0)
    card = ClipCard(interrupted)
    qtbot.addWidget(card)
    card.tick(NOW)
    assert card.elapsed_label.text() == "0:04" and not card.is_running
    card.tick(NOW + timedelta(minutes=5))  # sitting interrupted: nothing counts
    assert card.elapsed_label.text() == "0:04"
    resumed_at = NOW.replace(tzinfo=None)
    card.set_state(dataclasses.replace(interrupted, status=ClipStatus.RUNNING, working_since=resumed_at))
    assert card.is_running
    card.tick(NOW + timedelta(seconds=2))
    assert card.elapsed_label.text() == "0:06"  # 4 s before the stop, 2 s since the resume
    card.set_state(dataclasses.replace(interrupted, status=ClipStatus.SUCCEEDED, working_s=6.5,
                                       finished_at=resumed_at + timedelta(seconds=2)))
    card.tick(NOW + timedelta(hours=1))
    assert card.elapsed_label.text() == "0:06"


def test_updates_change_the_card_in_place(qtbot) -> None:
    card = ClipCard(_clip())
    qtbot.addWidget(card)
    assert card.status_label.text() == "Waiting" and card.progress.value() == 0
    for progress in (0.1, 0.5, 0.9):
        card.set_state(_clip(status=ClipStatus.RUNNING, progress=progress))
        assert card.progress.value() == round(progress * PROGRESS_STEPS)
    card.set_state(_clip(status=ClipStatus.CANCELED, progress=0.9))
    assert card.status_label.text() == "Canceled" and _shown(card.retry_button)


def test_cancel_and_retry_ask_once_per_click(qtbot) -> None:
    card = ClipCard(_clip(status=ClipStatus.RUNNING))
    qtbot.addWidget(card)
    asked: list[tuple[str, int]] = []
    card.cancel_requested.connect(lambda clip_id: asked.append(("cancel", clip_id)))
    card.retry_requested.connect(lambda clip_id: asked.append(("retry", clip_id)))
    qtbot.mouseClick(card.cancel_button, Qt.MouseButton.LeftButton)
    assert asked == [("cancel", 7)]
    assert not card.cancel_button.isEnabled()  # no second request while the first is on its way
    card.allow_requests()
    assert card.cancel_button.isEnabled()
    card.set_state(_clip(status=ClipStatus.INTERRUPTED))
    qtbot.mouseClick(card.retry_button, Qt.MouseButton.LeftButton)
    assert asked == [("cancel", 7), ("retry", 7)]


def test_frames_show_scaled_thumbnails(qtbot) -> None:
    card = ClipCard(_clip())
    qtbot.addWidget(card)
    assert not card.frame_shown(0) and not card.frame_shown(1)
    pixmap = QPixmap(320, 180)
    pixmap.fill(QColor("red"))
    card.set_frame(1, pixmap)
    assert card.frame_shown(1) and not card.frame_shown(0)
    shown = card.last_frame.pixmap()
    assert shown.width() <= card.last_frame.width() and shown.height() <= card.last_frame.height()


def test_the_grid_keeps_cards_in_clip_order_and_reflows_with_width(qtbot) -> None:
    grid = CardGrid()
    qtbot.addWidget(grid)
    clips = [_clip(id=100 + i, position=i) for i in (3, 0, 2, 1)]
    grid.set_clips(clips)
    grid.resize(1400, 600)
    grid.show()
    qtbot.waitExposed(grid)
    positions = sorted(((card.y(), card.x()), card.state.position) for card in grid.cards())
    assert [p for _, p in positions] == [0, 1, 2, 3]
    assert len({card.y() for card in grid.cards()}) == 1  # wide: one row
    grid.resize(400, 600)
    qtbot.wait(50)
    assert len({card.y() for card in grid.cards()}) == 4  # narrow: one column
    grid.add_clip(_clip(id=200, position=4))
    assert len(grid) == 5 and grid.card(200) is not None


class _LayoutRequests(QObject):
    """Counts the layout requests a widget receives."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        self.count += event.type() == QEvent.Type.LayoutRequest
        return False


def test_live_updates_repaint_cards_without_relaying_the_grid_out(qtbot) -> None:
    """A status, progress, cost or time change of many cards at once stays inside each card: the grid of cards is
    not laid out again (with 50 live cards, that relayout was most of the page's time per update)."""
    grid = CardGrid()
    qtbot.addWidget(grid)
    clips = [_clip(id=100 + i, position=i, status=ClipStatus.RUNNING, working_since=NOW.replace(tzinfo=None))
             for i in range(12)]
    grid.set_clips(clips)
    grid.resize(1400, 900)
    grid.show()
    qtbot.waitExposed(grid)
    QApplication.processEvents()
    counter = _LayoutRequests()
    grid.widget().installEventFilter(counter)
    heights = {card.clip_id: card.height() for card in grid.cards()}
    for step in (
            dict(status=ClipStatus.RUNNING, progress=0.5),
            dict(status=ClipStatus.DOWNLOADING, progress=1.0, attempts=2),
            dict(status=ClipStatus.SUCCEEDED, cost_usd=12.5, file_path="/tmp/clip.mp4", working_s=3725.0,
                 working_since=None)):
        for clip in clips:
            grid.card(clip.id).set_state(dataclasses.replace(clip, **step))
        QApplication.processEvents()
    assert counter.count == 0
    assert {card.clip_id: card.height() for card in grid.cards()} == heights
    card = grid.card(100)
    assert card.status_label.text() == "Done" and card.status_label.tone() is Tone.SUCCESS
    assert card.status_label.is_bold() and card.cost_label.text() == "$12.50"
    assert card.elapsed_label.text() == "1:02:05"


def test_a_card_keeps_its_size_whatever_it_shows(qtbot) -> None:
    """An error, QC's reasons or other buttons never resize a card (that moved every card after it in the grid);
    a note longer than its room ends in "…" and is whole in its tooltip and in the menu's "Copy note"."""
    card = ClipCard(_clip(status=ClipStatus.RUNNING))
    qtbot.addWidget(card)
    card.show()
    size = card.size()
    error = ("The model refused the input image: it shows a person under 18, and the provider's policy does not "
             "allow that in any generated video, whatever the prompt says about the scene or its people")
    card.set_state(_clip(status=ClipStatus.FAILED, attempts=1, error=error))
    QApplication.processEvents()
    assert card.size() == size and _shown(card.retry_button)
    assert card.note.text() == error and card.note.toolTip() == error
    lines = card.note.shown_lines()
    assert len(lines) == NOTE_LINES and lines[-1].endswith("…") and lines[0].startswith("The model refused")
    assert card.status_label.tone() is Tone.ERROR
    card.set_state(_clip(status=ClipStatus.SUCCEEDED, file_path="/tmp/clip.mp4"))
    QApplication.processEvents()
    assert card.size() == size and card.note.text() == "" and card.note.shown_lines() == []
    assert _shown(card.open_button) and not _shown(card.retry_button)
    card.set_state(_clip(status=ClipStatus.PENDING))
    QApplication.processEvents()
    assert card.size() == size and card.status_label.tone() is None and not card.status_label.is_bold()


def test_the_note_is_copied_whole_from_the_cards_menu(qtbot) -> None:
    error = "The model refused the input image: " + "it shows something it may not show, " * 8
    card = ClipCard(_clip(status=ClipStatus.FAILED, attempts=1, error=error))
    qtbot.addWidget(card)
    card.show()
    centre = card.rect().center()
    card.contextMenuEvent(QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre, card.mapToGlobal(centre)))
    menu = card.context_menu
    copy = next(a for a in menu.actions() if a.text() == "Copy note")
    copy.trigger()
    menu.close()
    assert QGuiApplication.clipboard().text() == error


def test_note_lines_wrap_at_words_keep_line_breaks_and_end_in_an_ellipsis() -> None:
    font = QFont()
    width = QFontMetrics(font).horizontalAdvance("starts on a different picture") + 4
    assert wrapped_lines("", font, width, 3) == []
    assert wrapped_lines("one\ntwo", font, width, 3) == ["one", "two"]
    long = "starts on a different picture than beach.jpg (similarity 0.21)"
    lines = wrapped_lines(long, font, width, 3)
    assert " ".join(lines).split() == long.split() and all(
        QFontMetrics(font).horizontalAdvance(line) <= width for line in lines)
    cut = wrapped_lines(f"{long}\n! lasts 4.0 s; 5 s was ordered", font, width, 2)
    assert len(cut) == 2 and cut[0] == "starts on a different picture" and cut[1].endswith("…")
