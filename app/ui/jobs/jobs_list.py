"""The campaign's jobs, newest first: id, model, created, status, clips done/total, cost (model + view).

The status of an ended job whose clips did not all end the same way says what each did ("5 of 6 done · 1
canceled"). Its colour comes from the palette's theme. The first columns fit their contents, measured again (at most
every 150 ms) when rows arrive or change, never per row and update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView, QWidget

from app.core.domain import ClipState, ClipStatus, JobState
from app.ui.jobs.format import job_status_text, job_tone, local_time, usd
from app.ui.theme import tone_color

COLUMNS = ("Job", "Model", "Created", "Status", "Clips", "Cost")
COL_ID, COL_MODEL, COL_CREATED, COL_STATUS, COL_CLIPS, COL_COST = range(len(COLUMNS))
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RESIZE_DELAY_MS = 150
Index = QModelIndex | QPersistentModelIndex


@dataclass(slots=True)
class _Row:
    job: JobState
    created: str = ""
    statuses: dict[int, ClipStatus] = field(default_factory=dict)
    costs: dict[int, float] = field(default_factory=dict)

    def take_clips(self, clips: tuple[ClipState, ...]) -> None:
        self.statuses = {c.id: c.status for c in clips}
        self.costs = {c.id: c.cost_usd for c in clips}

    @property
    def done(self) -> int:
        return sum(1 for s in self.statuses.values() if s is ClipStatus.SUCCEEDED)

    @property
    def cost(self) -> float:
        return max(sum(self.costs.values()), self.job.actual_cost_usd)


def _newest_first(job: JobState) -> tuple[float, int]:
    return (-(job.created_at.timestamp() if job.created_at else float("inf")), -job.id)


class JobsListModel(QAbstractTableModel):
    """Rows are jobs, newest first; clip events update the counts of their job's row only."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[_Row] = []

    # ---- updates -----------------------------------------------------------------------------------
    def set_jobs(self, jobs: list[JobState]) -> None:
        """Show ``jobs``: the rows of the same jobs are updated in place (a view keeps its selection and scroll);
        a different set of jobs replaces every row."""
        if sorted(j.id for j in jobs) == sorted(r.job.id for r in self._rows):
            for job in jobs:
                row = self._rows[self.row_of(job.id)]  # type: ignore[index]
                if row.job != job:
                    self.upsert_job(job)
            return
        self.beginResetModel()
        self._rows = []
        for job in sorted(jobs, key=_newest_first):
            row = _Row(job, local_time(job.created_at))
            row.take_clips(job.clips)
            self._rows.append(row)
        self.endResetModel()

    def upsert_job(self, job: JobState) -> None:
        """Add ``job`` in its place, or refresh its row (its clips too when the state carries them)."""
        index = self.row_of(job.id)
        if index is None:
            position = sum(1 for r in self._rows if _newest_first(r.job) < _newest_first(job))
            self.beginInsertRows(QModelIndex(), position, position)
            row = _Row(job, local_time(job.created_at))
            row.take_clips(job.clips)
            self._rows.insert(position, row)
            self.endInsertRows()
            return
        row = self._rows[index]
        row.job = job
        if job.clips:
            row.take_clips(job.clips)
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(COLUMNS) - 1))

    def update_clip(self, clip: ClipState) -> None:
        """Count ``clip``'s new status and cost in its job's row (if listed)."""
        index = self.row_of(clip.job_id)
        if index is None:
            return
        row = self._rows[index]
        if row.statuses.get(clip.id) is clip.status and row.costs.get(clip.id) == clip.cost_usd:
            return
        row.statuses[clip.id] = clip.status
        row.costs[clip.id] = clip.cost_usd
        self.dataChanged.emit(self.index(index, COL_CLIPS), self.index(index, COL_COST))

    def remove_job(self, job_id: int) -> None:
        index = self.row_of(job_id)
        if index is not None:
            self.beginRemoveRows(QModelIndex(), index, index)
            del self._rows[index]
            self.endRemoveRows()

    # ---- lookups -----------------------------------------------------------------------------------
    def row_of(self, job_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.job.id == job_id), None)

    def job_at(self, row: int) -> JobState:
        return self._rows[row].job

    def job_ids(self) -> list[int]:
        return [r.job.id for r in self._rows]

    def clips_text(self, row: int) -> str:
        data = self._rows[row]
        return f"{data.done}/{len(data.statuses)}"

    # ---- Qt model ----------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        job = row.job
        if role == Qt.ItemDataRole.DisplayRole:
            return (str(job.id), job.model_id, row.created, job_status_text(job.status, row.statuses.values()),
                    self.clips_text(index.row()), usd(row.cost))[column]
        if role == JOB_ID_ROLE:
            return job.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (COL_ID, COL_CLIPS, COL_COST):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == COL_STATUS:
            tone = job_tone(job.status, row.statuses.values())
            return tone_color(tone, QApplication.palette()) if tone is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"Job {job.id}: {job.model_id}, {job.duration_s:g} s, {job.resolution}, {job.aspect}"
            return tip + (f"\n{job.error}" if job.error else "")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None


class JobsListView(QTableView):
    """The jobs table; ``job_selected`` carries the id of the row the user picks."""

    job_selected = Signal(int)

    def __init__(self, model: JobsListModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        # Sized when rows arrive or change (batched), not per update: ResizeToContents would measure every row on
        # each change of each clip.
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self._resize_timer = QTimer(self, singleShot=True, interval=RESIZE_DELAY_MS)
        self._resize_timer.timeout.connect(self.fit_columns)
        model.modelReset.connect(self.fit_columns)
        for signal in (model.rowsInserted, model.dataChanged):
            signal.connect(self._resize_timer.start)
        self.selectionModel().currentRowChanged.connect(self._row_changed)

    def fit_columns(self) -> None:
        """Size every column but the last (which stretches) to its contents."""
        self._resize_timer.stop()
        for column in range(COL_COST):
            self.resizeColumnToContents(column)

    def select_job(self, job_id: int) -> None:
        """Make ``job_id`` the current row (emits ``job_selected`` when it changes)."""
        model = self.model()
        assert isinstance(model, JobsListModel)
        row = model.row_of(job_id)
        if row is not None:
            self.selectRow(row)

    def selected_job_id(self) -> int | None:
        index = self.currentIndex()
        return index.data(JOB_ID_ROLE) if index.isValid() else None

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.job_selected.emit(current.data(JOB_ID_ROLE))
