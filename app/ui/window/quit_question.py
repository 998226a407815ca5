"""The question asked when the main window closes while clips are being made: what quitting does to them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from app.core.domain import JobState
from app.ui.wording import plural


def _what_quitting_does(jobs: Sequence[JobState], local_models: set[str]) -> list[str]:
    """One line each for the unfinished clips rendering remotely, waiting to be sent, and made locally."""
    rendering = waiting = local = 0
    for job in jobs:
        for clip in job.clips:
            if clip.status.is_terminal:
                continue
            if job.model_id in local_models:
                local += 1
            elif clip.status.is_in_flight:
                rendering += 1
            else:
                waiting += 1
    lines = []
    if rendering:
        lines.append(f"{plural(rendering, 'clip')} rendering on Replicate keep rendering there; Pairframe picks "
                     "them up (and downloads them) when you open it again.")
    if waiting:
        lines.append(f"{plural(waiting, 'clip')} not yet sent to Replicate {'wait' if waiting != 1 else 'waits'} "
                     "until you resume the job on the Generate tab.")
    if local:
        lines.append(f"{plural(local, 'clip')} made on this computer stop now; resume the job on the Generate "
                     "tab to make them later.")
    return lines


def quit_question(parent: QWidget, jobs: Sequence[JobState], local_models: set[str],
                  count: int) -> tuple[QMessageBox, QAbstractButton]:
    """The Quit / Stay box (not yet open) for ``count`` jobs making clips, and its Quit button; ``jobs`` are those
    read, ``local_models`` the ids of the models that run on this computer."""
    box = QMessageBox(QMessageBox.Icon.Question, "Clips are being made",
                      f"{plural(count, 'job')} {'is' if count == 1 else 'are'} still making clips. Quit anyway?",
                      QMessageBox.StandardButton.NoButton, parent)
    box.setInformativeText("\n\n".join(_what_quitting_does(jobs, local_models))
                           or "Unfinished clips can be resumed on the Generate tab.")
    quit_button = box.addButton("Quit", QMessageBox.ButtonRole.DestructiveRole)
    stay = box.addButton("Stay", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay)
    box.setEscapeButton(stay)
    return box, quit_button
