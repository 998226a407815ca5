"""The Spend page: what the ledger says was spent, by client, campaign, model or month, over a date range and for
one client or all — a bar chart and a table of the same rows, the chosen campaign's budget burn-down, and the
ledger rows behind it all as CSV.

It reads only through ``MoneyService`` (and the library for the filter lists) and follows the change feed: a
recorded or corrected call (``Changes.spend``), a budget or a name that changed, reloads it — at once when it is
on screen, when it is next shown otherwise.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCharts import QChartView
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QPainter, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.changes import Changes
from app.core.domain import CampaignInfo, ClientInfo
from app.core.library.service import LibraryService
from app.core.money.report import BurnDown, GroupBy, SpendQuery, SpendReport
from app.core.money.service import MoneyService
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.jobs.format import usd
from app.ui.notices import Notices
from app.ui.spend.charts import BurnDownChart, SpendChart
from app.ui.spend.model import SpendTableModel

GROUP_LABELS = {GroupBy.MONTH: "Month", GroupBy.CLIENT: "Client", GroupBy.CAMPAIGN: "Campaign",
                GroupBy.MODEL: "Model"}
NO_LIMIT = QDate(2000, 1, 1)  # a date edit at its minimum shows "any": no limit on that side


def _date_edit(tooltip: str) -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setMinimumDate(NO_LIMIT)
    edit.setSpecialValueText("any")
    edit.setDate(NO_LIMIT)
    edit.setToolTip(tooltip)
    return edit


def _day(edit: QDateEdit) -> date | None:
    value = edit.date()
    return None if value == NO_LIMIT else date(value.year(), value.month(), value.day())


class SpendPage(QWidget):
    """Spend from the ledger; ``loaded`` after each report it shows, ``burn_down_loaded`` after each burn-down."""

    loaded = Signal(object)  # SpendReport
    burn_down_loaded = Signal(object)  # BurnDown | None

    def __init__(self, money: MoneyService, library: LibraryService, bridge: TaskBridge, feed: ChangeFeed,
                 notices: Notices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.money = money
        self.library = library
        self.bridge = bridge
        self.notices = notices
        self.report: SpendReport | None = None
        self.burn: BurnDown | None = None
        self.export_dialog: QFileDialog | None = None
        self._stale = True
        self._build()
        feed.changed.connect(self.apply_changes)

    # ---- building ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.group_combo = QComboBox()
        for group, label in GROUP_LABELS.items():
            self.group_combo.addItem(label, group)
        self.client_combo = QComboBox()
        self.client_combo.addItem("All clients", None)
        self.since_edit = _date_edit("From this day (UTC); “any”: from the first call")
        self.until_edit = _date_edit("Up to and including this day (UTC); “any”: up to now")
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("The ledger rows behind what is shown: one line per billable call")
        self.export_button.clicked.connect(self.choose_export_file)
        filters = QHBoxLayout()
        for label, widget in (("By:", self.group_combo), ("Client:", self.client_combo), ("From:", self.since_edit),
                              ("To:", self.until_edit)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addStretch(1)
        filters.addWidget(self.export_button)

        self.chart = SpendChart()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(180)
        self.model = SpendTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.total_label = QLabel()
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.table, 1)
        table_layout.addWidget(self.total_label)

        self.burn_combo = QComboBox()
        self.burn_combo.setMinimumContentsLength(24)
        self.burn_chart = BurnDownChart()
        self.burn_view = QChartView(self.burn_chart)
        self.burn_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.burn_view.setMinimumHeight(160)
        burn_box = QWidget()
        burn_layout = QVBoxLayout(burn_box)
        burn_layout.setContentsMargins(0, 0, 0, 0)
        burn_row = QHBoxLayout()
        burn_row.addWidget(QLabel("Budget burn-down of:"))
        burn_row.addWidget(self.burn_combo)
        burn_row.addStretch(1)
        burn_layout.addLayout(burn_row)
        burn_layout.addWidget(self.burn_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        for widget in (self.chart_view, table_box, burn_box):
            splitter.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        self.group_combo.currentIndexChanged.connect(self.reload_report)
        self.client_combo.currentIndexChanged.connect(self._client_chosen)
        for edit in (self.since_edit, self.until_edit):
            edit.dateChanged.connect(self.reload)
        self.burn_combo.currentIndexChanged.connect(self.reload_burn_down)

    # ---- what is asked -----------------------------------------------------------------------------------
    def query(self) -> SpendQuery:
        """The report the filters ask for."""
        return SpendQuery(GroupBy(self.group_combo.currentData()), self.client_combo.currentData(), None,
                          _day(self.since_edit), _day(self.until_edit))

    def set_group(self, group: GroupBy) -> None:
        self.group_combo.setCurrentIndex(self.group_combo.findData(group))

    def set_client(self, client_id: int | None) -> None:
        self.client_combo.setCurrentIndex(max(0, self.client_combo.findData(client_id)))

    def set_range(self, since: date | None, until: date | None) -> None:
        for edit, day in ((self.since_edit, since), (self.until_edit, until)):
            edit.blockSignals(True)
            edit.setDate(NO_LIMIT if day is None else QDate(day.year, day.month, day.day))
            edit.blockSignals(False)
        self.reload()

    def burn_down_campaign(self) -> int | None:
        return self.burn_combo.currentData()

    def set_burn_down_campaign(self, campaign_id: int) -> None:
        self.burn_combo.setCurrentIndex(max(0, self.burn_combo.findData(campaign_id)))

    # ---- loading -----------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload_all()

    def apply_changes(self, changes: Changes) -> None:
        """Money moved, or a client, campaign or budget changed: read again (now if on screen, else when shown)."""
        if not (changes.everything or changes.spend or changes.campaigns or changes.clients):
            return
        if not self.isVisible():
            self._stale = True
            return
        if changes.library_structure():
            self._load_clients()
        self.reload()

    def reload_all(self) -> None:
        """Read the filter lists, the report and the burn-down."""
        self._stale = False
        self._load_clients()
        self.reload()

    def reload(self) -> None:
        self.reload_report()
        self.reload_burn_down()

    def reload_report(self) -> None:
        self.bridge.run("spend-report", self.money.report(self.query()), on_done=self._report_arrived,
                        on_error=lambda exc: self.notices.error("The spend could not be read", exc, key="spend"))

    def reload_burn_down(self) -> None:
        campaign_id = self.burn_combo.currentData()
        if campaign_id is None:
            self._burn_down_arrived(None)
            return
        self.bridge.run("spend-burn-down", self.money.burn_down(campaign_id, _day(self.since_edit),
                                                               _day(self.until_edit)),
                        on_done=self._burn_down_arrived, on_error=lambda _exc: self._burn_down_arrived(None))

    def _report_arrived(self, report: SpendReport) -> None:
        if report.query != self.query():
            return  # the filters changed meanwhile: a newer report is on its way
        self.report = report
        self.model.set_rows(report.rows)
        self.chart.show_rows(report.rows, keep_order=report.query.by is GroupBy.MONTH)
        calls = report.calls
        self.total_label.setText(f"Total: {usd(report.total_usd)} in {calls:,} call{'s' if calls != 1 else ''}")
        self.notices.clear("spend")
        self.loaded.emit(report)

    def _burn_down_arrived(self, burn: BurnDown | None) -> None:
        self.burn = burn
        self.burn_chart.show_burn_down(burn)
        self.burn_down_loaded.emit(burn)

    def _load_clients(self) -> None:
        self.bridge.run("spend-clients", self.library.list_clients(), on_done=self._clients_arrived,
                        on_error=lambda _exc: None)
        self._load_campaigns()

    def _clients_arrived(self, clients: list[ClientInfo]) -> None:
        chosen = self.client_combo.currentData()
        self.client_combo.blockSignals(True)
        self.client_combo.clear()
        self.client_combo.addItem("All clients", None)
        for client in clients:
            self.client_combo.addItem(client.name, client.id)
        self.client_combo.setCurrentIndex(max(0, self.client_combo.findData(chosen)))
        self.client_combo.blockSignals(False)
        if self.client_combo.currentData() != chosen:  # the chosen client was deleted
            self._client_chosen()

    def _client_chosen(self) -> None:
        self._load_campaigns()
        self.reload_report()

    def _load_campaigns(self) -> None:
        self.bridge.run("spend-campaigns", self.library.list_campaigns(self.client_combo.currentData()),
                        on_done=self._campaigns_arrived, on_error=lambda _exc: None)

    def _campaigns_arrived(self, campaigns: list[CampaignInfo]) -> None:
        chosen = self.burn_combo.currentData()
        self.burn_combo.blockSignals(True)
        self.burn_combo.clear()
        for campaign in campaigns:
            self.burn_combo.addItem(f"{campaign.client_name} › {campaign.name}", campaign.id)
        self.burn_combo.setCurrentIndex(max(0, self.burn_combo.findData(chosen)))
        self.burn_combo.blockSignals(False)
        self.reload_burn_down()

    # ---- export ------------------------------------------------------------------------------------------
    def choose_export_file(self) -> None:
        """Ask where to save the CSV (a non-modal dialog), then export."""
        dialog = QFileDialog(self, "Export the ledger rows", str(Path.home() / "pairframe-spend.csv"),
                             "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(lambda chosen: self.export_csv(Path(chosen)))
        dialog.finished.connect(dialog.deleteLater)
        self.export_dialog = dialog
        dialog.open()

    def export_csv(self, target: Path) -> None:
        """Write the ledger rows behind the shown report to ``target``."""
        self.export_button.setEnabled(False)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self.notices.info(f"Exported {count:,} ledger row{'s' if count != 1 else ''} to {target}.",
                              key="spend-export")

        def failed(exc: BaseException) -> None:
            self.export_button.setEnabled(True)
            self.notices.error("The CSV was not written", exc, key="spend-export")

        self.bridge.run("spend-export", self.money.export_csv(self.query(), target), on_done=done, on_error=failed)
