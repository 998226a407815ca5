"""Importing on the asset grid: real drops of files, folders and URLs, the dialogs, progress, Cancel, summary."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from app.core.services import Services
from app.ui.assets.url_dialog import UrlDialog, parse_urls
from tests.helpers.images import make_image
from tests.ui.assets_helpers import campaign_with_images, drop_on, make_images, open_page
from tests.ui.conftest import wait_until


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server: ``/photo.png`` is an image, ``/page.html`` is not, anything else is a 404."""
    png = make_image(tmp_path / "served.png", size=(300, 200), seed=77).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, kind, status = {"/photo.png": (png, "image/png", 200),
                                  "/page.html": (b"<html>hello</html>", "text/html", 200)}.get(
                                      self.path, (b"missing", "text/plain", 404))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 128

    server = Server(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def _empty_campaign(services: Services):
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


async def test_dropping_files_and_a_folder_imports_them_and_the_grid_shows_them(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _empty_campaign(services)
    loose = make_images(tmp_path / "desk", 2)
    folder = tmp_path / "shoot"
    make_images(folder, 2, start=10)
    make_images(folder / "day two" / "raw", 1, start=20)  # nested: found recursively
    (folder / "readme.jpg").write_text("not a picture at all")
    async with open_page(services, qtbot, campaign) as page:
        assert page.model.rowCount() == 0
        event = drop_on(page.grid.viewport(), paths=[*loose, folder])
        assert event.isAccepted()
        await wait_until(lambda: page.import_panel.dismiss_button.isVisibleTo(page), timeout=20)
        await wait_until(lambda: page.model.rowCount() == 5 and not page.loading)
        assert page.import_panel.title.text() == "Import finished: 5 imported · 1 rejected"
        names = sorted(a.original_name for a in page.model.assets())
        assert names == ["photo 00.jpg", "photo 01.jpg", "photo 10.jpg", "photo 11.jpg", "photo 20.jpg"]
        rejected = [row for row in page.import_panel.outcome_rows() if row[0] == "Rejected"]
        assert len(rejected) == 1 and rejected[0][1].endswith("readme.jpg") and rejected[0][2]
        assert page.import_panel.details.isVisibleTo(page)  # rejections open the details
        assert len(page.selected_ids()) == 5  # the new images are selected
        stored = await services.library.list_assets(campaign.id)
        assert sorted(a.original_name for a in stored) == names

        drop_on(page.grid.viewport(), paths=loose)  # the same bytes again: duplicates, nothing new
        await wait_until(lambda: "duplicate" in page.import_panel.title.text(), timeout=20)
        assert page.import_panel.title.text() == "Import finished: 0 imported · 2 duplicates"
        await wait_until(lambda: not page.loading)
        assert page.model.rowCount() == 5


async def test_a_drag_without_files_or_web_addresses_is_refused(services: Services, qtbot) -> None:
    campaign = await _empty_campaign(services)
    async with open_page(services, qtbot, campaign) as page:
        event = drop_on(page.grid.viewport(), text="just some words")
        assert not event.isAccepted()
        assert page.imports.running is None and page.import_panel.isHidden()


async def test_dropped_web_addresses_are_downloaded_and_bad_ones_say_why(
        services: Services, qtbot, image_server: str) -> None:
    campaign = await _empty_campaign(services)
    async with open_page(services, qtbot, campaign) as page:
        drop_on(page.grid.viewport(), urls=[f"{image_server}/photo.png", f"{image_server}/nothing.png"])
        await wait_until(lambda: page.import_panel.dismiss_button.isVisibleTo(page), timeout=20)
        await wait_until(lambda: page.model.rowCount() == 1 and not page.loading)
        assert page.model.asset(0).source == f"{image_server}/photo.png"
        rows = page.import_panel.outcome_rows()
        assert [r[0] for r in rows] == ["Rejected", "Imported"]
        assert "404" in rows[0][2]

        drop_on(page.grid.viewport(), text=f"{image_server}/page.html\n")  # a URL dragged as plain text
        await wait_until(lambda: page.import_panel.outcome_rows()[0][1].endswith("page.html"), timeout=20)
        assert page.import_panel.outcome_rows()[0][0] == "Rejected"


def test_url_lines_are_checked_before_anything_is_fetched() -> None:
    urls, bad = parse_urls(" https://a.example/x.jpg \n\nhttp://b.example/y.png\nftp://c/z.gif\nnot a url\n"
                           "https://a.example/x.jpg\nhttps:///nohost.png")
    assert urls == ["https://a.example/x.jpg", "http://b.example/y.png"]
    assert bad == ["ftp://c/z.gif", "not a url", "https:///nohost.png"]


async def test_the_url_dialog_is_not_modal_keeps_bad_input_and_imports_good_input(
        services: Services, qtbot, image_server: str) -> None:
    campaign = await _empty_campaign(services)
    async with open_page(services, qtbot, campaign) as page:
        page.import_urls_dialog()
        dialog = page._dialog
        assert isinstance(dialog, UrlDialog) and dialog.isVisible()  # open(), not exec(): the loop keeps running
        dialog.editor.setPlainText(f"{image_server}/photo.png\nwww.example.com/nope.jpg")
        dialog.import_button.click()
        assert dialog.isVisible() and "www.example.com/nope.jpg" in dialog.message.text()
        assert dialog.editor.toPlainText().startswith(image_server)  # nothing lost
        dialog.editor.setPlainText(f"{image_server}/photo.png")
        dialog.import_button.click()
        await wait_until(lambda: page.model.rowCount() == 1 and not page.loading, timeout=20)


async def test_the_file_and_folder_dialogs_import_what_is_chosen(services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _empty_campaign(services)
    files = make_images(tmp_path / "picked", 2)
    folder = tmp_path / "folder"
    make_images(folder / "sub", 2, start=5)
    async with open_page(services, qtbot, campaign) as page:
        page.import_files_dialog()
        dialog = page._dialog
        assert isinstance(dialog, QFileDialog) and dialog.isVisible()
        assert dialog.fileMode() == QFileDialog.FileMode.ExistingFiles and "*.webp" in dialog.nameFilters()[0]
        dialog.setDirectory(str(files[0].parent))
        dialog.selectFile(" ".join(f'"{p.name}"' for p in files))
        dialog.accept()
        await wait_until(lambda: page.model.rowCount() == 2 and not page.loading, timeout=20)

        page.import_folder_dialog()
        dialog = page._dialog
        assert isinstance(dialog, QFileDialog) and dialog.fileMode() == QFileDialog.FileMode.Directory
        dialog.setDirectory(str(folder.parent))
        dialog.selectFile(str(folder))
        dialog.accept()
        await wait_until(lambda: page.model.rowCount() == 4 and not page.loading, timeout=20)


async def test_cancel_stops_the_import_and_keeps_what_was_finished(services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _empty_campaign(services)
    paths = make_images(tmp_path / "many", 40, size=(1600, 1200))
    async with open_page(services, qtbot, campaign) as page:
        drop_on(page.grid.viewport(), paths=paths)
        await wait_until(lambda: page.import_panel.bar.maximum() == 40 and page.import_panel.bar.value() >= 1,
                         timeout=20)
        page.import_panel.cancel_button.click()
        assert page.import_panel.current.text() == "Cancelling…"
        await wait_until(lambda: page.import_panel.dismiss_button.isVisibleTo(page), timeout=20)
        assert page.import_panel.title.text().startswith("Import cancelled:")
        await wait_until(lambda: not page.loading)
        stored = await services.library.list_assets(campaign.id)
        assert 1 <= len(stored) < 40 and page.model.rowCount() == len(stored)
        assert all(services.library.asset_path(a).is_file() for a in stored)


async def test_a_drop_during_an_import_waits_its_turn_and_one_summary_counts_both(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign = await _empty_campaign(services)
    first = make_images(tmp_path / "a", 6, size=(1200, 900))
    second = make_images(tmp_path / "b", 2, start=50)
    async with open_page(services, qtbot, campaign) as page:
        drop_on(page.grid.viewport(), paths=first)
        drop_on(page.grid.viewport(), paths=second)
        assert len(page.imports.queue) == 1
        await wait_until(lambda: page.import_panel.dismiss_button.isVisibleTo(page), timeout=30)
        assert page.import_panel.title.text() == "Import finished: 8 imported"
        await wait_until(lambda: page.model.rowCount() == 8 and not page.loading)


async def test_importing_without_a_campaign_says_so(services: Services, qtbot, tmp_path: Path) -> None:
    async with open_page(services, qtbot, None) as page:
        assert page.stack.currentWidget() is page.no_campaign
        page.import_files_dialog()
        assert page._dialog is None
        assert "Choose a campaign" in page.parts.last_notice()


async def test_a_second_campaign_of_the_client_links_the_same_image(services: Services, qtbot, tmp_path: Path) -> None:
    spring, paths = await campaign_with_images(services, tmp_path, count=1)
    summer = (await services.library.create_campaign(spring.client_id, "Summer")).value
    async with open_page(services, qtbot, summer) as page:
        drop_on(page.grid.viewport(), paths=paths)
        await wait_until(lambda: page.import_panel.dismiss_button.isVisibleTo(page), timeout=20)
        assert page.import_panel.title.text() == "Import finished: 0 imported · 1 linked from the client's library"
        await wait_until(lambda: page.model.rowCount() == 1 and not page.loading)
        assert page.import_panel.outcome_rows()[0][0] == "Linked"
        assert len(await services.library.list_assets(spring.id)) == 1  # still used by the first campaign
