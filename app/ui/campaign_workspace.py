"""One campaign's work: the asset grid, the pairs, the generation jobs and the ad, as tabs."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QWidget

from app.core.domain import CampaignInfo
from app.ui.pages.ad_page import AdPage
from app.ui.pages.assets_page import AssetsPage
from app.ui.pages.jobs_page import JobsPage
from app.ui.pages.pairs_page import PairsPage


class CampaignWorkspace(QTabWidget):
    """Tabs of the selected campaign; a page's request to show another tab is wired here."""

    def __init__(self, assets_page: AssetsPage, pairs_page: PairsPage, jobs_page: JobsPage, ad_page: AdPage,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDocumentMode(True)
        self.assets_page = assets_page
        self.pairs_page = pairs_page
        self.jobs_page = jobs_page
        self.ad_page = ad_page
        self.addTab(self.assets_page, "&Assets")
        self.addTab(self.pairs_page, "&Pairs")
        self.addTab(self.jobs_page, "&Generate")
        self.addTab(self.ad_page, "A&d")
        self.campaign: CampaignInfo | None = None
        self.pairs_page.generate_requested.connect(self._generate_from_pairs)
        self.jobs_page.combine_requested.connect(self._combine_job)

    def _generate_from_pairs(self) -> None:
        self.setCurrentWidget(self.jobs_page)
        self.jobs_page.open_generate_dialog()

    def _combine_job(self, job_id: int) -> None:
        self.setCurrentWidget(self.ad_page)
        self.ad_page.show_job(job_id)

    def set_campaign(self, campaign: CampaignInfo | None) -> None:
        self.campaign = campaign
        for page in (self.assets_page, self.pairs_page, self.jobs_page, self.ad_page):
            page.set_campaign(campaign)
