"""Importing http(s) URLs against a loopback server: images, errors, wrong types, size caps, slowness."""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.core.domain import CampaignInfo, ImportProgress, ImportResult
from app.core.services import Services
from tests.fakes.http_files import FileServer, Route

MAX_BYTES = 200_000
TIMEOUT_S = 1.0


def jpeg_bytes(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), color).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def server() -> Iterator[FileServer]:
    with FileServer() as files:
        yield files


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    services.settings.update(url_max_bytes=MAX_BYTES, url_timeout_s=TIMEOUT_S)
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


def part_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".part" in p.name]


async def test_an_image_url_is_imported_with_the_url_as_its_source(
        services: Services, campaign: CampaignInfo, server: FileServer) -> None:
    url = server.add("/media/summer%20hero.jpg", Route(content_type="image/jpeg", body=jpeg_bytes()))
    redirect = server.add("/short", Route(302, "text/html", location="/media/other.png"))
    png = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(png, format="PNG")
    server.add("/media/other.png", Route(content_type="image/png", body=png.getvalue()))
    untyped = server.add("/blob", Route(content_type="application/octet-stream", body=jpeg_bytes((1, 2, 3))))
    report = await services.library.import_sources(campaign.id, [url, redirect, untyped])
    assert [o.result for o in report.outcomes] == [ImportResult.IMPORTED] * 3, report.outcomes
    assets = {a.source: a for a in await services.library.list_assets(campaign.id)}
    assert set(assets) == {url, redirect, untyped}
    assert assets[url].original_name == "summer hero.jpg"
    assert (assets[url].format, assets[url].width, assets[url].height) == ("jpeg", 320, 180)
    assert assets[redirect].format == "png"
    assert services.library.asset_path(assets[url]).read_bytes() == jpeg_bytes()
    assert part_files(services.paths.root) == []


async def test_url_failures_say_why(services: Services, campaign: CampaignInfo, server: FileServer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    urls = {
        "missing": server.url("/nothing-here.jpg"),
        "html": server.add("/page", Route(content_type="text/html; charset=utf-8", body=b"<html></html>")),
        "declared": server.add("/huge.jpg", Route(content_type="image/jpeg", declared_length=MAX_BYTES * 10)),
        "chunked": server.add("/stream.jpg", Route(content_type="image/jpeg", chunked_bytes=MAX_BYTES * 3)),
        "lying": server.add("/fake.jpg", Route(content_type="image/jpeg", body=b"<html>not really</html>")),
        "refused": f"http://127.0.0.1:{closed_port}/a.jpg",
        "server error": server.add("/boom.jpg", Route(500, "text/plain", b"oops")),
    }
    report = await services.library.import_sources(campaign.id, list(urls.values()))
    reasons = dict(zip(urls, (o.reason for o in report.outcomes), strict=True))
    assert all(o.result is ImportResult.REJECTED for o in report.outcomes)
    assert reasons == {
        "missing": "HTTP 404 Not Found",
        "html": "not an image (text/html)",
        "declared": "larger than 195.3 KB",
        "chunked": "larger than 195.3 KB",
        "lying": "not an image: Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF",
        "refused": "could not connect",
        "server error": "HTTP 500 Internal Server Error",
    }
    assert part_files(services.paths.root) == []
    assert await services.library.list_assets(campaign.id) == []


async def test_a_slow_server_times_out_without_holding_up_the_rest(
        services: Services, campaign: CampaignInfo, server: FileServer) -> None:
    slow = server.add("/slow.jpg", Route(content_type="image/jpeg", body=jpeg_bytes(), delay_s=10))
    fast = server.add("/fast.jpg", Route(content_type="image/jpeg", body=jpeg_bytes((9, 9, 9))))
    started = time.monotonic()
    report = await services.library.import_sources(campaign.id, [slow, fast])
    assert time.monotonic() - started < TIMEOUT_S + 3
    assert [(o.result, o.reason) for o in report.outcomes] == [
        (ImportResult.REJECTED, "timed out after 1 s"), (ImportResult.IMPORTED, "")]
    assert part_files(services.paths.root) == []


async def test_cancel_stops_a_download_in_progress(
        services: Services, campaign: CampaignInfo, server: FileServer) -> None:
    services.settings.update(url_timeout_s=30.0)
    slow = server.add("/slow.jpg", Route(content_type="image/jpeg", body=jpeg_bytes(), delay_s=20))
    cancel = asyncio.Event()
    seen: list[ImportProgress] = []
    task = asyncio.create_task(services.library.import_sources(campaign.id, [slow], seen.append, cancel))
    assert await asyncio.to_thread(server.wait_for_request, "/slow.jpg")
    started = time.monotonic()
    cancel.set()
    report = await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 2
    assert report.canceled and report.outcomes == ()
    assert seen == [ImportProgress(0, 1)]
    assert part_files(services.paths.root) == []
