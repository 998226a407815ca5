"""Runs imports one after another through the bridge, shows them in an ImportPanel, and says what changed."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from app.core.domain import CampaignInfo, ImportOutcome, ImportReport, ImportResult
from app.core.library.importer import ImportStopped
from app.core.library.service import LibraryService
from app.core.printable import printable
from app.ui.assets.import_panel import ImportPanel
from app.ui.bridge import TaskBridge, describe_error

SHOWN_RESULTS = (ImportResult.IMPORTED, ImportResult.LINKED, ImportResult.DUPLICATE)


class ImportRunner(QObject):
    """Queues imports (a drop during an import waits its turn); Cancel stops the running one and the queue.

    ``imported(campaign_id, asset_ids)`` follows every finished import with the assets it brought or found.
    """

    imported = Signal(int, list)
    finished = Signal(object)  # the ImportReport of everything since the queue started

    def __init__(self, library: LibraryService, bridge: TaskBridge, panel: ImportPanel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.bridge = bridge
        self.panel = panel
        self.queue: list[tuple[CampaignInfo, list[str]]] = []
        self.running: CampaignInfo | None = None
        self._cancel: asyncio.Event | None = None
        self._outcomes: list[ImportOutcome] = []
        self._canceled = False
        panel.cancel_requested.connect(self.cancel)

    def start(self, campaign: CampaignInfo, sources: list[str]) -> None:
        """Import ``sources`` (paths, folders, URLs) into ``campaign`` now, or after the running import."""
        if not sources:
            return
        self.queue.append((campaign, list(sources)))
        if self.running is None:
            self._next()
        else:
            self.panel.current.setText(f"{len(self.queue)} more waiting")

    def cancel(self) -> None:
        """Stop the running import after the inputs in progress; drop the queued ones."""
        self.queue.clear()
        if self._cancel is not None:
            self._cancel.set()

    def _next(self) -> None:
        campaign, sources = self.queue.pop(0)
        self.running = campaign
        self._cancel = asyncio.Event()
        self.panel.start(campaign.name, queued=len(self.queue))
        self.bridge.run(f"import-{campaign.id}",
                        self.library.import_sources(campaign.id, sources, self.panel.progress.emit, self._cancel),
                        on_done=lambda report: self._done(campaign, report),
                        on_error=lambda exc: self._failed(campaign, exc), replace=False)

    def _done(self, campaign: CampaignInfo, report: ImportReport) -> None:
        self._outcomes.extend(report.outcomes)
        self._canceled = self._canceled or report.canceled
        ids = [o.asset_id for o in report.outcomes if o.asset_id is not None and o.result in SHOWN_RESULTS]
        self.imported.emit(campaign.id, ids)
        self._after()

    def _failed(self, campaign: CampaignInfo, exc: BaseException) -> None:
        self.queue.clear()
        self.running = None
        self._cancel = None
        self._outcomes.clear()
        self._canceled = False
        if isinstance(exc, ImportStopped):  # e.g. the disk filled up: what was done by then is listed
            self.panel.show_report(exc.report)
            self.panel.title.setText(f"{self.panel.title.text()} — stopped: {printable(describe_error(exc))}")
        else:
            self.panel.show_error(describe_error(exc))
        self.imported.emit(campaign.id, [])  # what was committed before the failure is worth showing

    def _after(self) -> None:
        if self.queue and not self._canceled:
            self._next()
            return
        report = ImportReport(tuple(self._outcomes), canceled=self._canceled)
        self.queue.clear()
        self.running = None
        self._cancel = None
        self._outcomes = []
        self._canceled = False
        self.panel.show_report(report)
        self.finished.emit(report)
