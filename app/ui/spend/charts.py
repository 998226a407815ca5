"""The Spend page's two charts: spend per group as bars, and a campaign's budget burn-down as a line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QDateTimeAxis,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDateTime, QMargins, Qt

from app.core.money.charges import to_usd
from app.core.money.report import BurnDown, SpendRow

MOST_BARS = 12  # more groups than this: the smallest are shown together as "Other"
OTHER = "Other"


def bar_groups(rows: Sequence[SpendRow], keep_order: bool) -> list[tuple[str, int]]:
    """(label, nanos) of each bar: every row, or the biggest ones and "Other" for the rest. ``keep_order``
    (months): rows stay in order and are never merged."""
    labelled = [(f"{r.client} › {r.key}" if r.client else r.key, r.spent_nanos) for r in rows]
    if keep_order or len(labelled) <= MOST_BARS:
        return labelled
    biggest = labelled[:MOST_BARS - 1]  # the report lists the biggest first
    return [*biggest, (OTHER, sum(nanos for _, nanos in labelled[MOST_BARS - 1:]))]


def _styled(chart: QChart) -> QChart:
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.legend().setVisible(False)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    return chart


class SpendChart(QChart):
    """One bar per group: what it cost in USD."""

    def __init__(self) -> None:
        super().__init__()
        _styled(self)
        self.bars = QBarSet("Spent (USD)")
        self.series = QBarSeries()
        self.series.append(self.bars)
        self.addSeries(self.series)
        self.categories = QBarCategoryAxis()
        self.values = QValueAxis()
        self.values.setLabelFormat("$%.2f")
        self.addAxis(self.categories, Qt.AlignmentFlag.AlignBottom)
        self.addAxis(self.values, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.categories)
        self.series.attachAxis(self.values)

    def show_rows(self, rows: Sequence[SpendRow], keep_order: bool) -> None:
        groups = bar_groups(rows, keep_order)
        self.bars.remove(0, self.bars.count())
        self.bars.append([to_usd(nanos) for _, nanos in groups])
        self.categories.clear()
        self.categories.append([label for label, _ in groups] or [""])
        top = max((to_usd(nanos) for _, nanos in groups), default=0.0)
        self.values.setRange(0.0, top * 1.1 if top > 0 else 1.0)
        self.values.applyNiceNumbers()

    def values_usd(self) -> list[float]:
        """The bars' values, in order."""
        return [self.bars.at(i) for i in range(self.bars.count())]


class BurnDownChart(QChart):
    """A campaign's budget left (or, without a budget, its spending) at the end of each day it spent."""

    def __init__(self) -> None:
        super().__init__()
        _styled(self)
        self.line = QLineSeries()
        self.addSeries(self.line)
        self.days = QDateTimeAxis()
        self.days.setFormat("yyyy-MM-dd")
        self.amounts = QValueAxis()
        self.amounts.setLabelFormat("$%.2f")
        self.addAxis(self.days, Qt.AlignmentFlag.AlignBottom)
        self.addAxis(self.amounts, Qt.AlignmentFlag.AlignLeft)
        self.line.attachAxis(self.days)
        self.line.attachAxis(self.amounts)

    def show_burn_down(self, burn: BurnDown | None) -> None:
        self.line.clear()
        if burn is None or not burn.days:
            self.setTitle(f"{burn.name}: nothing spent in this range" if burn else "")
            return
        budgeted = burn.budget_usd is not None
        self.line.setName("Left of the budget" if budgeted else "Spent")
        def value(spent: int) -> float:
            return (burn.left_usd(spent) if budgeted else to_usd(spent)) or 0.0

        first_day = burn.days[0][0]
        points = [(_msecs(datetime.combine(first_day, time(0, 0))), value(burn.spent_before))]
        points += [(_msecs(datetime.combine(day, time(23, 59))), value(spent)) for day, spent in burn.days]
        for x, y in points:
            self.line.append(x, y)
        values = [y for _, y in points] + ([burn.budget_usd] if budgeted else [0.0])
        low, high = min(0.0, *values), max(values)
        self.amounts.setRange(low, high * 1.05 if high > 0 else 1.0)
        self.amounts.applyNiceNumbers()
        first, last = points[0][0], points[-1][0]
        self.days.setRange(QDateTime.fromMSecsSinceEpoch(first - 86_400_000),
                           QDateTime.fromMSecsSinceEpoch(last + 86_400_000))
        budget = f" (budget ${burn.budget_usd:,.2f})" if budgeted else " (no budget)"
        self.setTitle(f"{burn.name}{budget}")

    def points(self) -> list[tuple[float, float]]:
        """(msecs since the epoch, USD) of the line: the start of the first day, then the end of each day."""
        return [(p.x(), p.y()) for p in self.line.points()]


def _msecs(moment: datetime) -> int:
    return QDateTime(moment).toMSecsSinceEpoch()

