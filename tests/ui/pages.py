"""Pages built the way the main window builds them: each with only its services and the shared UI parts.

Every factory returns the widget; the parts it shares (feed, notices, thumbnail loader) hang on it as ``parts`` so
tests can read notices and stop the loader.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

from PySide6.QtWidgets import QWidget

from app.core.domain import CampaignInfo
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.jobs.generate_dialog import GenerateDialog
from app.ui.notices import Notice, Notices
from app.ui.pages.ad_page import AdPage
from app.ui.pages.assets_page import AssetsPage
from app.ui.pages.jobs_page import JobsPage
from app.ui.pages.pairs_page import PairsPage
from app.ui.thumbnail_loader import ThumbnailLoader


@dataclass
class UiParts:
    """The parts the window shares between its pages; ``shown`` collects every notice posted."""

    feed: ChangeFeed
    notices: Notices
    thumbnails: ThumbnailLoader
    shown: list[Notice] = field(default_factory=list)

    def last_notice(self) -> str:
        return self.shown[-1].text if self.shown else ""

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # already deleted with the application
            self.feed.close()
        self.thumbnails.stop()


def ui_parts(services: Services, thumbnails: ThumbnailLoader | None = None) -> UiParts:
    parts = UiParts(ChangeFeed(services.db.changes), Notices(),
                    thumbnails or ThumbnailLoader(services.library.store, services.paths.thumbs,
                                                  services.settings.current.thumbnail_px))
    parts.notices.shown.connect(parts.shown.append)
    return parts


def _attach(widget: QWidget, parts: UiParts) -> None:
    widget.parts = parts  # type: ignore[attr-defined]
    widget.destroyed.connect(lambda *_: parts.close())


def assets_page(services: Services, bridge: TaskBridge) -> AssetsPage:
    parts = ui_parts(services)
    page = AssetsPage(services.library, parts.thumbnails, bridge, parts.feed, parts.notices)
    _attach(page, parts)
    return page


def pairs_page(services: Services, bridge: TaskBridge) -> PairsPage:
    parts = ui_parts(services)
    page = PairsPage(services.pairing, services.library, parts.thumbnails, bridge, parts.feed, parts.notices)
    _attach(page, parts)
    return page


def jobs_page(services: Services, bridge: TaskBridge) -> JobsPage:
    parts = ui_parts(services)
    page = JobsPage(services.generation, services.pairing, services.library, parts.thumbnails, bridge, parts.feed,
                    parts.notices)
    _attach(page, parts)
    return page


def ad_page(services: Services, bridge: TaskBridge) -> AdPage:
    parts = ui_parts(services)
    page = AdPage(services.generation, services.library, parts.thumbnails, services.settings, services.paths, bridge,
                  parts.feed, parts.notices)
    _attach(page, parts)
    return page


def generate_dialog(services: Services, bridge: TaskBridge, campaign: CampaignInfo,
                    thumbnails: ThumbnailLoader) -> GenerateDialog:
    parts = ui_parts(services, thumbnails)
    dialog = GenerateDialog(services.generation, services.pairing, services.library, bridge, campaign, thumbnails,
                            parts.feed)
    dialog.parts = parts  # type: ignore[attr-defined]
    dialog.destroyed.connect(lambda *_: parts.feed.close())
    return dialog
