"""Look and fit: themes, palette colours, stars, HiDPI thumbnails, the tool bar at 1.5×, the preview's size, the
question before quitting mid-job, remembered choices, and the small texts and forms that used to read wrong."""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, QSettings, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QStyleOptionViewItem

from app.core.domain import ClipStatus, ColorLabel, JobStatus, Transition
from app.core.generation.catalog import LOCAL_MODEL_ID, durations_text
from app.core.services import Services
from app.ui.assets.filter_bar import filter_from_json, filter_to_json
from app.ui.assets.stars import star_colors
from app.ui.bridge import TaskBridge
from app.ui.client_editor import NewClientDialog
from app.ui.jobs.format import job_status_text
from app.ui.preferences import Preferences
from app.ui.sidebar import Selection
from app.ui.theme import Theme, Tone, contrast, dark_palette, is_dark, light_palette, tone_color
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until
from tests.ui.test_main_window import open_window
from tests.ui.test_undo import _open_campaign

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_palette(qapp):  # type: ignore[no-untyped-def]
    yield
    QApplication.setPalette(QPalette())  # one test's theme must not colour the next


# ---- themes and colours --------------------------------------------------------------------------------
def test_colours_with_a_meaning_read_on_light_and_dark_backgrounds(qapp) -> None:
    for palette in (light_palette(), dark_palette()):
        base = palette.color(QPalette.ColorRole.Base)
        for tone in (Tone.ERROR, Tone.WARNING, Tone.SUCCESS, Tone.STAR):
            assert contrast(tone_color(tone, palette), base) >= 3, (tone, is_dark(palette))
    assert is_dark(dark_palette()) and not is_dark(light_palette())


def test_no_colour_is_hard_coded_in_the_widgets() -> None:
    """Colours come from the palette or the theme's tones (grep for '#rrggbb' in app/ui)."""
    found = []
    for path in (ROOT / "app" / "ui").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"""["']#[0-9a-fA-F]{3,8}["']""", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


async def test_the_theme_switches_from_the_view_menu_and_is_remembered(services: Services, qtbot, tmp_path: Path,
                                                                       restore_palette: None) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=1)
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await _open_campaign(window, campaign.id)
        error_label = window.workspace.jobs_page.summary.error_label
        light_error = error_label.palette().color(QPalette.ColorRole.WindowText)
        window.theme_actions[Theme.DARK].trigger()
        await asyncio.sleep(0.05)  # the palette reaches the widgets with the next events
        assert is_dark(QApplication.palette())
        dark_error = error_label.palette().color(QPalette.ColorRole.WindowText)
        assert dark_error != light_error  # a toned label follows the theme
        assert contrast(dark_error, QApplication.palette().color(QPalette.ColorRole.Window)) >= 3
        grid = window.workspace.assets_page.grid
        assert is_dark(grid.palette())  # what the delegate paints with
    assert QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat).value("view/theme") == "dark"
    QApplication.setPalette(QPalette())
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        assert window.theme_actions[Theme.DARK].isChecked() and is_dark(QApplication.palette())
        window.theme_actions[Theme.LIGHT].trigger()
        assert not is_dark(QApplication.palette())


async def test_stars_are_gold_in_the_grid_and_the_details_panel_and_unrated_ones_are_visible(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=1)
    asset_id = (await services.library.list_assets(campaign.id))[0].id
    await services.library.set_rating([asset_id], 3)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        delegate, palette = page.delegate, page.grid.palette()
        cell = delegate.cell_size()
        image = QImage(cell.width(), cell.height(), QImage.Format.Format_ARGB32)
        image.fill(palette.color(QPalette.ColorRole.Base))
        painter = QPainter(image)
        option = QStyleOptionViewItem()
        option.rect = QRect(QPoint(0, 0), cell)
        option.palette = palette
        delegate.paint(painter, option, page.model.index(0))
        painter.end()
        line = delegate._metrics.height()
        star = max(8, line - 4)
        top = delegate.icon_px + 6 + 2 + (line - star) / 2
        gold = star_colors(palette)[0]

        def box(index: int) -> list[QColor]:  # the pixels of star ``index`` (0–4) of the cell
            left = 6 + index * (star + 2)
            return [image.pixelColor(x, y) for x in range(int(left), int(left + star))
                    for y in range(int(top), int(top + star + 2))]
        assert any(_near(c, gold, 12) for c in box(2))  # a given star is gold
        assert not any(_near(c, gold, 40) for c in box(3))
        base = palette.color(QPalette.ColorRole.Base)
        assert max(contrast(c, base) for c in box(4)) >= 3  # an unrated star is clearly there

        stars = page.detail.stars
        assert stars.rating == 3
        def pixels(button: int) -> list[QColor]:
            icon = stars.buttons[button].icon().pixmap(18, 18).toImage()
            return [icon.pixelColor(x, y) for x in range(icon.width()) for y in range(icon.height())]
        assert any(_near(c, gold, 12) for c in pixels(0))  # the panel's stars are the grid's gold
        assert not any(_near(c, gold, 40) for c in pixels(4))


def _near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in ((a.red(), b.red()), (a.green(), b.green()),
                                                     (a.blue(), b.blue())))


async def test_thumbnails_are_drawn_with_the_screens_device_pixels(services: Services, qtbot,
                                                                  tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=1)
    async with open_page(services, qtbot, campaign) as page:
        asset = page.model.asset(0)
        await wait_until(lambda: page.loader.pixmap(asset) is not None)
        source = page.loader.pixmap(asset)
        page.grid.set_icon_px(100)
        for ratio in (1.0, 2.0):
            image = QImage(400, 400, QImage.Format.Format_ARGB32)
            image.setDevicePixelRatio(ratio)
            painter = QPainter(image)
            option = QStyleOptionViewItem()
            option.rect = QRect(0, 0, 150, 170)
            option.palette = page.grid.palette()
            page.delegate.paint(painter, option, page.model.index(0))
            painter.end()
            drawn = page.delegate._scaled[(asset.id, 100, ratio)]
            assert drawn.width() == min(source.width(), round(100 * ratio))  # device pixels, not 100 stretched
            assert round(drawn.deviceIndependentSize().width()) <= 100


def test_the_asset_tool_bar_stays_within_its_width_at_one_and_a_half_scale(tmp_path: Path) -> None:
    """Qt's scale factor is fixed when it starts: a fresh process lays the page out at 1.5×."""
    script = f"""
import asyncio, json, sys
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from PySide6.QtWidgets import QApplication
app = QApplication(["pairframe"])
from app.core.services import open_services
from app.ui.bridge import TaskBridge
from tests.ui.pages import assets_page
services = open_services(Path({str(tmp_path / "library")!r}))
page = assets_page(services, TaskBridge())
page.resize(620, 560)
page.show()
page.stack.setCurrentIndex(1)
for _ in range(5):
    app.processEvents()
bar = page.toolbar
inside = all(bar.rect().contains(w.geometry()) for w in bar.findChildren(type(bar)) if w.isVisible()
             and w.parent() is bar)
print(json.dumps({{"ratio": page.devicePixelRatioF(), "page": page.width(), "bar": bar.width(),
                   "inside": inside, "rows": len({{w.geometry().y() for w in page.filter_bar.controls}})}}))
page.parts.close()
services.db.close()
"""
    env = {**os.environ, "QT_SCALE_FACTOR": "1.5", "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["ratio"] == 1.5
    assert result["bar"] <= result["page"] and result["inside"]
    assert result["rows"] >= 2  # it wrapped rather than widened the page


async def test_the_preview_opens_over_the_whole_screen_of_the_main_window(services: Services, qtbot,
                                                                         tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        page.open_preview()
        preview = page.preview
        assert preview.isVisible()
        screen = page.window().screen().geometry()
        assert preview.normalGeometry() == screen  # placed there even where "full screen" is only a request
        assert preview.width() >= 480 and preview.height() >= 320
        preview.close()


# ---- quitting while clips are being made ----------------------------------------------------------------
async def test_quitting_during_a_job_says_what_happens_to_its_clips(services: Services, qtbot, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.ui.jobs_helpers import campaign_with_pairs
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_" + "Q" * 37)  # a job on Replicate can be planned (none is sent)
    campaign, _ = await campaign_with_pairs(services, tmp_path, pairs=2)
    local = (await services.generation.create_job(await services.generation.plan(campaign.id, LOCAL_MODEL_ID))).value
    remote_plan = await services.generation.plan(campaign.id, "minimax/hailuo-02")
    remote = (await services.generation.create_job(remote_plan, allow_over_budget=True)).value
    closed: list[bool] = []
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        window.closed.connect(lambda: closed.append(True))
        activity = window.workspace.jobs_page.activity
        stop = asyncio.Event()
        for job in (local, remote):  # this window works both jobs
            activity.start(job.id, f"job-{job.id}", stop.wait(), on_error=lambda _exc: None)
        window.close()
        await wait_until(lambda: window.quit_box is not None and window.quit_box.isVisible())
        box = window.quit_box
        assert window.isVisible() and box.text() == "2 jobs are still making clips. Quit anyway?"
        detail = box.informativeText()
        assert "2 clips not yet sent to Replicate wait until you resume" in detail
        assert "2 clips made on this computer stop now" in detail
        next(b for b in box.buttons() if b.text() == "Stay").click()
        await wait_until(lambda: window.quit_box is None)
        assert window.isVisible() and not closed

        window.close()
        await wait_until(lambda: window.quit_box is not None and window.quit_box.isVisible())
        next(b for b in window.quit_box.buttons() if b.text() == "Quit").click()
        await wait_until(lambda: closed == [True])
        stop.set()


# ---- remembered choices ------------------------------------------------------------------------------------
async def test_each_campaigns_filter_the_zoom_and_the_panel_sizes_are_remembered(services: Services, qtbot,
                                                                                 tmp_path: Path) -> None:
    spring, _ = await campaign_with_images(services, tmp_path, count=3)
    autumn = (await services.library.create_campaign(spring.client_id, "Autumn")).value
    await services.library.link_assets(autumn.id, [a.id for a in await services.library.list_assets(spring.id)][:2])
    first = (await services.library.list_assets(spring.id))[0].id
    await services.library.set_label([first], ColorLabel.GREEN)
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    preferences = Preferences(settings, services.paths.root)
    from app.ui.pages.assets_page import AssetsPage
    from tests.ui.pages import ui_parts

    def make_page() -> AssetsPage:
        parts = ui_parts(services)
        page = AssetsPage(services.library, parts.thumbnails, TaskBridge(), parts.feed, parts.notices,
                          preferences=preferences)
        qtbot.addWidget(page)
        page.destroyed.connect(lambda *_: parts.close())
        page.resize(1000, 700)
        page.show()
        return page

    page = make_page()
    page.set_campaign(spring)
    await wait_until(lambda: not page.loading)
    bar = page.filter_bar
    bar.label.setCurrentIndex(next(i for i in range(bar.label.count())
                                   if bar.label.itemData(i) == frozenset({ColorLabel.GREEN})))
    await wait_until(lambda: not page.loading and page.model.rowCount() == 1)
    assert bar.active_filters() == ["Green label"] and bar.isVisible() and bar.reset_button.isVisible()
    page.zoom.setValue(96)
    page.set_campaign(autumn)
    await wait_until(lambda: not page.loading and page.model.rowCount() == 2)
    assert bar.active_filters() == []  # another campaign, its own filter
    page.shutdown()
    page.deleteLater()

    again = make_page()
    assert again.zoom.value() == 96
    again.set_campaign(spring)
    await wait_until(lambda: not again.loading and again.model.rowCount() == 1)
    assert again.filter.labels == frozenset({ColorLabel.GREEN})
    again.filter_bar.reset_button.click()  # one click shows everything again
    await wait_until(lambda: not again.loading and again.model.rowCount() == 3)
    assert not again.filter_bar.isVisible()
    again.shutdown()


def test_a_filter_survives_its_json_form() -> None:
    from app.core.domain import AssetFilter, AssetSort, Flag
    filt = AssetFilter(min_rating=3, flags=frozenset({Flag.PICK}), tag="beach", text="sun", sort=AssetSort.NAME,
                       descending=True, labels=frozenset({ColorLabel.RED, ColorLabel.NONE}), combinable=True)
    assert filter_from_json(json.loads(json.dumps(filter_to_json(filt)))) == filt
    assert filter_from_json({"min_rating": "lots", "labels": ["teal"], "sort": "size"}) == AssetFilter()


async def test_the_storyline_choice_and_the_combine_options_are_remembered(services: Services, qtbot,
                                                                           tmp_path: Path) -> None:
    from app.ui.pages.ad_page import AdPage
    from app.ui.pages.pairs_page import PairsPage
    from tests.ui.pages import ui_parts
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    bridge = TaskBridge()
    parts = ui_parts(services)

    def pages() -> tuple[PairsPage, AdPage]:
        preferences = Preferences(settings, services.paths.root)  # as a new window makes them
        pairs = PairsPage(services.pairing, services.library, parts.thumbnails, bridge, parts.feed, parts.notices,
                          preferences=preferences)
        ad = AdPage(services.generation, services.library, parts.thumbnails, services.settings, services.paths,
                    bridge, parts.feed, parts.notices, preferences=preferences)
        qtbot.addWidget(pairs)
        qtbot.addWidget(ad)
        return pairs, ad

    pairs, ad = pages()
    assert not pairs.chain_check.isChecked()
    pairs.chain_check.setChecked(True)
    form = ad.options_form
    form.transition.setCurrentIndex(form.transition.findData(Transition.CROSSFADE.value))
    form.length.setValue(1.2)
    form.volume.setValue(55)
    pairs, ad = pages()
    assert pairs.chain_check.isChecked()
    options = ad.options_form.options()
    assert (options.transition, options.crossfade_s, options.music_volume) == (Transition.CROSSFADE, 1.2, 0.55)
    parts.close()
    await bridge.shutdown()


async def test_the_jobs_tables_first_columns_fit_rows_that_arrive_later(qtbot) -> None:
    from datetime import datetime

    from app.core.domain import JobState
    from app.ui.jobs.jobs_list import COL_MODEL, COL_STATUS, JobsListModel, JobsListView
    model = JobsListModel()
    view = JobsListView(model)
    qtbot.addWidget(view)
    view.resize(900, 300)
    view.show()
    model.set_jobs([])  # the table starts empty: its columns fit the headers
    model.upsert_job(JobState(id=12, campaign_id=1, model_id="kwaivgi/kling-v2.5-turbo-pro", duration_s=5,
                              aspect="16:9", resolution="1080p", status=JobStatus.CANCELED, estimate_usd=1,
                              created_at=datetime(2026, 1, 1)))
    await wait_until(lambda: view.columnWidth(COL_MODEL) >= view.sizeHintForColumn(COL_MODEL))
    assert view.columnWidth(COL_STATUS) >= view.sizeHintForColumn(COL_STATUS)


# ---- texts and forms ------------------------------------------------------------------------------------------
def test_a_job_whose_clips_ended_differently_says_how_each_ended() -> None:
    statuses = [ClipStatus.SUCCEEDED] * 5 + [ClipStatus.CANCELED]
    assert job_status_text(JobStatus.CANCELED, statuses) == "5 of 6 done · 1 canceled"
    assert job_status_text(JobStatus.FAILED, [ClipStatus.SUCCEEDED, ClipStatus.FAILED, ClipStatus.PENDING]) == \
        "1 of 3 done · 2 failed"
    assert job_status_text(JobStatus.SUCCEEDED, [ClipStatus.SUCCEEDED] * 3) == "Finished"
    assert job_status_text(JobStatus.CANCELED, [ClipStatus.CANCELED] * 2) == "Canceled"
    assert job_status_text(JobStatus.RUNNING, statuses) == "Running"


def test_durations_read_as_ranges_where_they_are_ranges() -> None:
    assert durations_text(range(4, 16)) == "4–15 s"
    assert durations_text([2, 3, 4, 5, 6, 8, 10]) == "2–6, 8 or 10 s"
    assert durations_text([6, 10]) == "6 or 10 s"
    assert durations_text([4, 6, 8]) == "4, 6 or 8 s"


async def test_the_start_page_texts_get_the_height_they_need(services: Services, qtbot, tmp_path: Path) -> None:
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        window.resize(1000, 640)
        for empty in (True, False):
            window.start_page.set_empty(empty)
            await asyncio.sleep(0.05)  # laid out by the next events
            body = window.start_page.body
            assert body.height() >= body.heightForWidth(body.width()) > body.fontMetrics().height()


async def test_the_multi_selection_sentence_wraps_in_a_narrow_details_panel(services: Services, qtbot,
                                                                           tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0, 1])
        page.splitter.setSizes([900, 260])
        await asyncio.sleep(0.05)
        label: QLabel = page.detail.selection_label
        assert label.isVisible() and label.width() <= page.detail.width()
        assert label.height() >= label.heightForWidth(label.width())


async def test_a_validation_message_goes_once_the_name_is_typed_and_a_bare_host_is_a_homepage(
        services: Services, qtbot) -> None:
    bridge = TaskBridge()
    dialog = NewClientDialog(services.library, bridge)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.submit()
    assert dialog.error.message() == "The client needs a name"
    qtbot.keyClicks(dialog.form.name_edit, "Acme")
    assert dialog.error.message() == ""
    dialog.form.homepage_edit.setText("acme.example")
    assert dialog.form.problem() is None
    created: list = []
    dialog.created.connect(created.append)
    dialog.submit()
    await wait_until(lambda: created)
    assert created[0].homepage == "https://acme.example"
    await bridge.shutdown()


async def test_a_huge_budget_is_asked_about_before_it_is_saved(services: Services, qtbot) -> None:
    from app.ui.campaign_editor import CampaignEditorDialog
    client = (await services.library.create_client("Acme")).value
    bridge = TaskBridge()
    dialog = CampaignEditorDialog(services.library, bridge, clients=[client], client_id=client.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.form.name_edit.setText("Launch")
    dialog.form.budget_edit.setText("$1,000,000,000,000")
    dialog.submit()
    box = dialog.budget_question
    assert isinstance(box, QMessageBox) and box.isVisible() and "$1,000,000,000,000" in box.text()
    assert await services.library.list_campaigns() == []
    next(b for b in box.buttons() if b.text() == "Change it").click()
    assert await services.library.list_campaigns() == [] and dialog.isVisible()
    dialog.form.budget_edit.setText("2,500")
    saved: list = []
    dialog.saved.connect(saved.append)
    dialog.submit()
    await wait_until(lambda: saved)
    assert saved[0].budget_usd == 2500
    await bridge.shutdown()


async def test_renaming_to_nothing_says_why_and_a_client_page_offers_a_new_campaign(services: Services, qtbot,
                                                                                    tmp_path: Path) -> None:
    client = (await services.library.create_client("Acme")).value
    async with open_window(services, qtbot, tmp_path / "ui.ini") as window:
        await wait_until(lambda: window.sidebar.select(Selection("client", client.id)))
        assert window.pages.currentWidget() is window.client_editor
        assert window.client_editor.subtitle.text() == "No campaigns yet"
        assert window.client_editor.new_campaign_button.isVisible()
        window.client_editor.new_campaign_button.click()
        dialog = window.sidebar.dialog
        assert dialog is not None and dialog.isVisible() and dialog.form.client_id() == client.id
        dialog.reject()
        index = window.sidebar.model.index_of(Selection("client", client.id))
        window.sidebar.model.setData(index, "   ")
        assert "keeps its name “Acme”: a name cannot be empty" in window.notice.text()


async def test_the_import_details_elide_long_sources_in_the_middle(qtbot) -> None:
    from app.core.domain import ImportOutcome, ImportReport, ImportResult
    from app.ui.assets.import_panel import ImportPanel
    panel = ImportPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 300)
    path = "/Volumes/Shoots/2026/Summer campaign/day two/selects/final/IMG_2045.jpg"
    panel.show_report(ImportReport((ImportOutcome(path, ImportResult.REJECTED, "not an image"),)))
    panel.show()
    item = panel.details.topLevelItem(0)
    assert panel.details.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert item.toolTip(1) == f"<qt>{html.escape(path)}</qt>"  # the full path, shown literally
