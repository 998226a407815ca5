"""Reasons a non-technical user can read: what is accepted, "damaged image" for a broken one; AVIF is accepted;
the decoders' own chatter (Pillow's warnings, libtiff's messages) goes to the log, not to the terminal."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from PIL import Image

from app.core.domain import CampaignInfo, ImportResult
from app.core.library.thumbnails import thumbnail_path
from app.core.services import Services
from tests.faults.conftest import cli
from tests.helpers.images import make_image

ACCEPTED = "Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF"


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


def tiff_with_bad_tag_type(path: Path) -> Path:
    """A deflate TIFF whose PlanarConfiguration entry has an invalid type: libtiff complains and fails."""
    Image.new("RGB", (64, 64), "red").save(path, compression="tiff_deflate")
    data = bytearray(path.read_bytes())
    (directory,) = struct.unpack("<I", data[4:8])
    (count,) = struct.unpack("<H", data[directory:directory + 2])
    for index in range(count):
        entry = directory + 2 + 12 * index
        if struct.unpack("<H", data[entry:entry + 2])[0] == 284:
            data[entry + 2:entry + 4] = struct.pack("<H", 99)
    path.write_bytes(bytes(data))
    return path


def png_with_broken_data(path: Path) -> Path:
    """A PNG whose compressed pixel data is overwritten in the middle (header intact)."""
    make_image(path, (200, 150), seed=4)
    data = bytearray(path.read_bytes())
    start = data.index(b"IDAT") + 40
    data[start:start + 64] = bytes(range(64))
    path.write_bytes(bytes(data))
    return path


def tiff_with_corrupt_header(path: Path) -> Path:
    """A TIFF whose directory is scrambled: Pillow warns of corrupt EXIF data and cannot identify it."""
    Image.new("RGB", (64, 64), "red").save(path, compression="tiff_deflate")
    data = bytearray(path.read_bytes())
    for i in range(20, 60):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))
    return path


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")  # in-process, pytest collects Pillow's warnings itself
async def test_reasons_say_what_is_accepted_and_call_a_broken_file_damaged(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    tga = tmp_path / "logo.tga"
    Image.new("RGB", (32, 32), "blue").save(tga)
    header_only = tmp_path / "header.png"
    header_only.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40)
    report = await services.library.import_sources(campaign.id, [str(p) for p in (
        tga, header_only, png_with_broken_data(tmp_path / "broken.png"),
        tiff_with_bad_tag_type(tmp_path / "scan.tif"), tiff_with_corrupt_header(tmp_path / "fax.tif"))])
    reasons = {Path(o.source).name: o.reason for o in report.outcomes}
    assert reasons == {
        "logo.tga": f"unsupported image format (TGA): {ACCEPTED}",
        "header.png": "damaged image",
        "broken.png": "damaged image",
        "scan.tif": "damaged image",
        "fax.tif": "damaged image",
    }


async def test_an_avif_image_is_accepted(services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    source = make_image(tmp_path / "hero.png", (320, 180), seed=9)
    avif = tmp_path / "hero.avif"
    with Image.open(source) as img:
        img.save(avif, format="AVIF", quality=60)
    [outcome] = (await services.library.import_sources(campaign.id, [str(avif)])).outcomes
    assert outcome.result is ImportResult.IMPORTED, outcome.reason
    [asset] = await services.library.list_assets(campaign.id)
    assert (asset.format, asset.width, asset.height) == ("avif", 320, 180)
    stored = services.library.asset_path(asset)
    assert stored.suffix == ".avif" and stored.read_bytes() == avif.read_bytes()
    with Image.open(thumbnail_path(services.paths.thumbs, asset.sha256)) as thumb:
        assert thumb.format == "JPEG" and thumb.size == (256, 144)


def test_decoder_warnings_go_to_the_log_not_to_the_terminal(library: Path, tmp_path: Path) -> None:
    folder = tmp_path / "scans"
    folder.mkdir()
    for i in range(3):
        tiff_with_bad_tag_type(folder / f"scan {i}.tif")
        tiff_with_corrupt_header(folder / f"fax {i}.tif")
    make_image(folder / "fine.jpg", (120, 80), seed=1)
    result = cli(library, "import", "--campaign", "Spring", str(folder))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("damaged image") == 6
    log = (library / "logs" / "pairframe.log").read_text()
    assert 'TIFFFetchNormalTag: Incompatible type for "PlanarConfiguration"' in log
    assert "Corrupt EXIF data" in log
