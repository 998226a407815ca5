"""Malformed web addresses, given directly or reached through a redirect, are rejected one by one with a reason
in plain words; the other inputs import and nothing is left in the store without its row."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from app.core.domain import CampaignInfo, ImportResult
from app.core.services import Services
from tests.fakes.http_files import FileServer, Route
from tests.faults.conftest import cli_import_json
from tests.helpers.images import make_image

MALFORMED = {
    "http://127.0.0.1:99999/x.jpg": "not a valid web address: the port 99999 is not a number from 1 to 65535",
    "http://[::1": "not a valid web address: the host name is malformed (check the [ ] around an IPv6 address)",
    "http://]x/": "not a valid web address: the host name is malformed (check the [ ] around an IPv6 address)",
    "http://x:abc/a.jpg": "not a valid web address: the port abc is not a number from 1 to 65535",
    "http://" + "a" * 70 + ".example/a.jpg": "not a valid web address: the host name "
                                              + "a" * 70 + ".example is malformed",
}


def jpeg(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (160, 90), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def store_files(library: Path) -> list[Path]:
    return [p for p in (library / "store").rglob("*") if p.is_file()]


@pytest.fixture
def server() -> Iterator[FileServer]:
    with FileServer() as files:
        yield files


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    services.settings.update(url_timeout_s=5.0)
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


def test_malformed_addresses_are_each_rejected_and_the_files_beside_them_import(library: Path,
                                                                                tmp_path: Path) -> None:
    first = make_image(tmp_path / "a.jpg", (200, 120), seed=1)
    second = make_image(tmp_path / "b.jpg", (200, 120), seed=2)
    result, report = cli_import_json(library, str(first), str(second), *MALFORMED)
    assert result.returncode == 0, result.stderr
    assert (report["imported"], report["rejected"]) == (2, len(MALFORMED))
    reasons = {o["source"]: o["reason"] for o in report["outcomes"] if o["result"] == "rejected"}
    assert reasons == MALFORMED
    with sqlite3.connect(library / "library.sqlite3") as db:
        rows = {(sha, fmt) for sha, fmt in db.execute("SELECT sha256, format FROM assets")}
    assert {(p.stem, p.suffix[1:]) for p in store_files(library)} == rows  # no file without its row


async def test_a_redirect_to_a_malformed_address_rejects_only_that_input(
        services: Services, campaign: CampaignInfo, server: FileServer) -> None:
    good = server.add("/good.jpg", Route(content_type="image/jpeg", body=jpeg("orange")))
    relative = server.add("/relative", Route(302, "text/html", location="good.jpg"))
    bad_port = server.add("/to-bad-port", Route(302, "text/html", location="http://127.0.0.1:99999/x.jpg"))
    bad_host = server.add("/to-bad-host", Route(301, "text/html", location="http://[::1/x.jpg"))
    other_scheme = server.add("/to-ftp", Route(307, "text/html", location="ftp://example.com/x.jpg"))
    loop = server.add("/loop", Route(302, "text/html", location="/loop"))
    report = await services.library.import_sources(
        campaign.id, [bad_port, good, bad_host, other_scheme, loop, relative])
    outcomes = [(o.result, o.reason) for o in report.outcomes]
    assert outcomes == [
        (ImportResult.REJECTED, "redirected to a bad address: " + MALFORMED["http://127.0.0.1:99999/x.jpg"]),
        (ImportResult.IMPORTED, ""),
        (ImportResult.REJECTED, "redirected to a bad address: not a valid web address"),
        (ImportResult.REJECTED, "redirected to a bad address: not a web address Pairframe can download (ftp:): "
                                "use an http:// or https:// address"),
        (ImportResult.REJECTED, "too many redirects"),
        (ImportResult.DUPLICATE, "already in this campaign"),
    ]
    assert not [p for p in services.paths.root.rglob("*") if ".part" in p.name]
