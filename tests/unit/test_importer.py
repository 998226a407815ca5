"""Importing local files and folders: what is accepted, what is rejected and why, duplicates, thumbnails."""

from __future__ import annotations

import asyncio
import os
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from app.core.db.models import Asset, CampaignAsset
from app.core.domain import CampaignInfo, ImportOutcome, ImportProgress, ImportReport, ImportResult
from app.core.library.thumbnails import thumbnail_path
from app.core.services import Services
from tests.helpers.images import make_image

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL

SMALL = (320, 180)


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


async def run_import(services: Services, campaign: CampaignInfo, *sources: Path | str,
                     **kwargs: object) -> ImportReport:
    paths = [str(s) for s in sources]
    return await services.library.import_sources(campaign.id, paths, **kwargs)  # type: ignore[arg-type]


def only(report: ImportReport) -> ImportOutcome:
    assert len(report.outcomes) == 1, report.outcomes
    return report.outcomes[0]


def png_header(path: Path, width: int, height: int) -> Path:
    """A tiny PNG whose valid IHDR claims ``width``×``height`` (no pixel data follows)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b""))
    return path


async def asset_rows(services: Services) -> list[Asset]:
    def work(s):  # type: ignore[no-untyped-def]
        rows = list(s.scalars(select(Asset).order_by(Asset.id)))
        for row in rows:
            s.expunge(row)
        return rows
    return await services.db.run(work)


def part_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".part" in p.name]


# ---- accepted -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("fmt", "suffix", "stored"), [
    ("JPEG", "jpg", "jpeg"), ("PNG", "png", "png"), ("WEBP", "webp", "webp"), ("BMP", "bmp", "bmp"),
    ("TIFF", "tif", "tiff"), ("GIF", "gif", "gif"),
])
async def test_each_accepted_format_is_stored_thumbnailed_and_featured(
        services: Services, campaign: CampaignInfo, tmp_path: Path, fmt: str, suffix: str, stored: str) -> None:
    source = make_image(tmp_path / f"picture.{suffix}", SMALL, fmt=fmt, seed=3)
    outcome = only(await run_import(services, campaign, source))
    assert outcome.result is ImportResult.IMPORTED, outcome.reason
    [asset] = await services.library.list_assets(campaign.id)
    assert (asset.format, asset.width, asset.height) == (stored, *SMALL)
    assert asset.original_name == f"picture.{suffix}"
    assert asset.source == str(source.absolute())
    assert asset.bytes == source.stat().st_size
    stored_file = services.library.asset_path(asset)
    assert stored_file.read_bytes() == source.read_bytes()
    assert stored_file.suffix == f".{stored}"
    with Image.open(thumbnail_path(services.paths.thumbs, asset.sha256)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= services.settings.current.thumbnail_px
    [row] = await asset_rows(services)
    assert row.phash is not None and len(row.phash) == 16
    assert row.color_hist is not None and abs(sum(row.color_hist) - 1) < 0.01


async def test_a_folder_is_walked_recursively_and_unicode_and_space_names_work(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    folder = tmp_path / "Фото 2024 — été"
    make_image(folder / "ça va 😀.png", SMALL, seed=1)
    make_image(folder / "deeper" / "in side" / "x y.jpg", SMALL, seed=2)
    report = await run_import(services, campaign, folder)
    assert [o.result for o in report.outcomes] == [ImportResult.IMPORTED] * 2
    names = sorted(a.original_name for a in await services.library.list_assets(campaign.id))
    assert names == ["x y.jpg", "ça va 😀.png"]
    assert {o.source for o in report.outcomes} == {str(folder / "ça va 😀.png"),
                                                  str(folder / "deeper" / "in side" / "x y.jpg")}


async def test_hidden_entries_in_folders_are_skipped_but_a_hidden_file_named_explicitly_is_imported(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    folder = tmp_path / "shoot"
    make_image(folder / "visible.jpg", SMALL, seed=1)
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0")
    make_image(folder / ".hidden" / "inside.jpg", SMALL, seed=2)
    make_image(folder / "._visible.jpg", SMALL, seed=3)
    report = await run_import(services, campaign, folder)
    assert [Path(o.source).name for o in report.outcomes] == ["visible.jpg"]
    outcome = only(await run_import(services, campaign, folder / ".hidden" / "inside.jpg"))
    assert outcome.result is ImportResult.IMPORTED


@pytest.mark.timeout(30)
async def test_symlink_loops_do_not_hang_and_each_file_is_imported_once(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    folder = tmp_path / "loop"
    make_image(folder / "a.jpg", SMALL, seed=1)
    make_image(folder / "sub" / "b.jpg", SMALL, seed=2)
    os.symlink(folder, folder / "sub" / "back-to-top")
    os.symlink(folder / "sub", folder / "sub" / "self")
    os.symlink(folder / "knot", folder / "knot")  # a link to itself
    report = await run_import(services, campaign, folder)
    imported = [Path(o.source).name for o in report.outcomes if o.result is ImportResult.IMPORTED]
    assert sorted(imported) == ["a.jpg", "b.jpg"]
    rejected = {Path(o.source).name: o.reason for o in report.outcomes if o.result is ImportResult.REJECTED}
    assert rejected == {"knot": "symbolic link loop"}


async def test_gif_imports_its_first_frame(services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    frames = [Image.new("RGB", SMALL, color) for color in ((220, 20, 20), (20, 20, 220))]
    source = tmp_path / "anim.gif"
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert only(await run_import(services, campaign, source)).result is ImportResult.IMPORTED
    [asset] = await services.library.list_assets(campaign.id)
    with Image.open(thumbnail_path(services.paths.thumbs, asset.sha256)) as thumb:
        red, _green, blue = thumb.convert("RGB").getpixel((thumb.width // 2, thumb.height // 2))
    assert red > 150 and blue < 80


async def test_exif_orientation_is_honoured_in_size_and_thumbnail(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    source = make_image(tmp_path / "rotated.jpg", (640, 480), seed=5, exif_orientation=6)
    assert only(await run_import(services, campaign, source)).result is ImportResult.IMPORTED
    [asset] = await services.library.list_assets(campaign.id)
    assert (asset.width, asset.height) == (480, 640)
    with Image.open(thumbnail_path(services.paths.thumbs, asset.sha256)) as thumb:
        assert thumb.height > thumb.width
        assert thumb.height == services.settings.current.thumbnail_px


async def test_a_transparent_png_is_flattened_on_white_for_its_thumbnail(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    source = tmp_path / "logo.png"
    Image.new("RGBA", SMALL, (0, 0, 0, 0)).save(source)
    assert only(await run_import(services, campaign, source)).result is ImportResult.IMPORTED
    [asset] = await services.library.list_assets(campaign.id)
    with Image.open(thumbnail_path(services.paths.thumbs, asset.sha256)) as thumb:
        assert min(thumb.convert("RGB").getpixel((5, 5))) > 240


# ---- rejected -----------------------------------------------------------------------------------------
async def test_bad_files_are_rejected_with_their_reasons(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    good = make_image(tmp_path / "good.jpg", (640, 480), seed=1)
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text = tmp_path / "notes.jpg"
    text.write_text("these are meeting notes, not a picture\n" * 20)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    icon = tmp_path / "favicon.ico"
    Image.new("RGB", (32, 32), "red").save(icon, format="ICO")
    heic = tmp_path / "IMG_0001.HEIC"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 200)
    report = await run_import(services, campaign, truncated, text, empty, icon, heic, tmp_path / "missing.png",
                              "ftp://example.com/a.jpg")
    reasons = {Path(o.source).name: o.reason for o in report.outcomes}
    assert all(o.result is ImportResult.REJECTED for o in report.outcomes)
    accepted = "Pairframe takes JPEG, PNG, WebP, BMP, TIFF, GIF and AVIF"
    assert reasons["truncated.jpg"] == "damaged image: the file is incomplete"
    assert reasons["notes.jpg"] == f"not an image: {accepted}"
    assert reasons["empty.png"] == "empty file (0 bytes)"
    assert reasons["favicon.ico"] == f"unsupported image format (ICO): {accepted}"
    assert reasons["IMG_0001.HEIC"] == f"unsupported image format (HEIC): {accepted}"
    assert reasons["missing.png"] == "not found"
    assert reasons["a.jpg"] == "not a web address Pairframe can download (ftp:): use an http:// or https:// address"
    assert await services.library.list_assets(campaign.id) == []
    assert not any(services.paths.store.rglob("*.*")), "a rejected file was left in the store"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


async def test_files_over_the_size_limit_are_rejected_before_reading(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    services.settings.update(import_max_bytes=10_000)
    big = tmp_path / "big.png"
    Image.effect_noise((200, 200), 60).save(big)
    assert big.stat().st_size > 10_000
    outcome = only(await run_import(services, campaign, big))
    assert outcome.result is ImportResult.REJECTED
    assert outcome.reason.startswith("larger than the 9.8 KB limit (")


async def test_a_huge_pixel_count_is_rejected_from_the_header_without_decoding(
        services: Services, campaign: CampaignInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    decoded_sizes: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def spying_load(self: ImageFile.ImageFile):  # type: ignore[no-untyped-def]
        decoded_sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    bomb = png_header(tmp_path / "bomb.png", 20_000, 20_000)
    services.settings.update(import_max_pixels=10_000_000)
    under_pillow_limit = png_header(tmp_path / "wide.png", 5_000, 5_000)
    assert bomb.stat().st_size < 100
    report = await run_import(services, campaign, bomb, under_pillow_limit)
    reasons = [o.reason for o in report.outcomes]
    assert reasons[0] == "over the pixel limit of 10 MP (400 MP)"
    assert reasons[1] == "over the pixel limit of 10 MP (5000 × 5000 = 25 MP)"
    services.settings.update(import_max_pixels=500_000_000)  # above what Pillow itself allows
    outcome = only(await run_import(services, campaign, bomb))
    assert outcome.reason == "over the image decoder's safety limit of 179 MP (400 MP)"
    assert decoded_sizes == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
async def test_an_unreadable_file_and_folder_are_rejected_as_such(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    locked = make_image(tmp_path / "locked.jpg", SMALL, seed=1)
    closed = tmp_path / "closed"
    make_image(closed / "inside.jpg", SMALL, seed=2)
    locked.chmod(0)
    closed.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running with privileges that read any file")
        report = await run_import(services, campaign, locked, closed)
    finally:
        locked.chmod(0o644)
        closed.chmod(0o755)
    assert [(Path(o.source).name, o.reason) for o in report.outcomes] == [
        ("locked.jpg", "unreadable: permission denied"), ("closed", "folder unreadable: permission denied")]


async def test_a_read_error_while_copying_is_reported_and_leaves_no_staged_file(
        services: Services, campaign: CampaignInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.core.library.staging as staging

    source = make_image(tmp_path / "flaky.jpg", SMALL, seed=1)

    def failing_copy(source_fd: int, target_fd: int, limit: int) -> None:
        os.write(target_fd, b"partial")
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(staging, "copy_contents", failing_copy)
    outcome = only(await run_import(services, campaign, source))
    assert (outcome.result, outcome.reason) == (ImportResult.REJECTED, "unreadable: Input/output error")
    assert part_files(services.paths.root) == []


# ---- duplicates ---------------------------------------------------------------------------------------
async def test_same_bytes_are_one_asset_duplicate_in_a_campaign_linked_in_a_sibling_campaign(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    library = services.library
    original = make_image(tmp_path / "a.jpg", SMALL, seed=1)
    copy = tmp_path / "copy of a.jpg"
    copy.write_bytes(original.read_bytes())
    first = await run_import(services, campaign, original, copy)
    assert [o.result for o in first.outcomes] == [ImportResult.IMPORTED, ImportResult.DUPLICATE]
    assert first.outcomes[0].asset_id == first.outcomes[1].asset_id
    again = only(await run_import(services, campaign, original))
    assert (again.result, again.asset_id) == (ImportResult.DUPLICATE, first.outcomes[0].asset_id)

    autumn = (await library.create_campaign(campaign.client_id, "Autumn")).value
    linked = only(await run_import(services, autumn, copy))
    assert (linked.result, linked.asset_id) == (ImportResult.LINKED, first.outcomes[0].asset_id)
    assert [a.id for a in await library.list_assets(autumn.id)] == [linked.asset_id]

    other_client = (await library.create_client("Globex")).value
    other = (await library.create_campaign(other_client.id, "Launch")).value
    separate = only(await run_import(services, other, original))
    assert separate.result is ImportResult.IMPORTED and separate.asset_id != linked.asset_id
    assert len(await asset_rows(services)) == 2
    assert len([p for p in services.paths.store.rglob("*.jpeg")]) == 1


# ---- progress, batches, cancel --------------------------------------------------------------------------
async def test_progress_reports_done_over_total_and_many_files_commit_in_batches(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    for i in range(70):  # more than one batch
        make_image(tmp_path / "many" / f"{i:03d}.png", (64, 48), seed=i)
    (tmp_path / "many" / "zz-broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    seen: list[ImportProgress] = []
    report = await run_import(services, campaign, tmp_path / "many", on_progress=seen.append)
    assert report.count(ImportResult.IMPORTED) == 70 and report.count(ImportResult.REJECTED) == 1
    assert seen[0] == ImportProgress(0, 71)
    assert [p.done for p in seen] == list(range(72))
    assert {p.total for p in seen} == {71}
    assert len({o.asset_id for o in report.outcomes if o.asset_id}) == 70
    assert len(await asset_rows(services)) == 70
    assert [Path(o.source).name for o in report.outcomes] == [f"{i:03d}.png" for i in range(70)] + ["zz-broken.png"]


async def test_cancel_midway_keeps_what_finished_and_leaves_no_row_without_file_nor_part_file(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    for i in range(30):
        make_image(tmp_path / "batch" / f"{i:02d}.jpg", SMALL, seed=i)
    cancel = asyncio.Event()

    def on_progress(progress: ImportProgress) -> None:
        if progress.done >= 5:
            cancel.set()

    report = await run_import(services, campaign, tmp_path / "batch", on_progress=on_progress, cancel=cancel)
    assert report.canceled
    assert 5 <= len(report.outcomes) < 30
    rows = await asset_rows(services)
    assert len(rows) == report.count(ImportResult.IMPORTED)
    for row in rows:
        assert services.library.store.path_for(row.sha256, row.format).is_file()
        assert thumbnail_path(services.paths.thumbs, row.sha256).is_file()
    assert part_files(services.paths.root) == []

    rest = await run_import(services, campaign, tmp_path / "batch")
    assert not rest.canceled
    assert rest.count(ImportResult.IMPORTED) == 30 - len(rows)
    assert rest.count(ImportResult.DUPLICATE) == len(rows)


async def test_a_stored_file_without_a_row_is_reused(services: Services, campaign: CampaignInfo,
                                                      tmp_path: Path) -> None:
    source = make_image(tmp_path / "a.jpg", SMALL, seed=1)
    assert only(await run_import(services, campaign, source)).result is ImportResult.IMPORTED
    [row] = await asset_rows(services)
    stored = services.library.store.path_for(row.sha256, row.format)
    await services.db.run(lambda s: s.execute(CampaignAsset.__table__.delete()))
    await services.db.run(lambda s: s.execute(Asset.__table__.delete()))  # as if a crash came before the row
    before = stored.stat().st_mtime_ns
    assert only(await run_import(services, campaign, source)).result is ImportResult.IMPORTED
    assert stored.stat().st_mtime_ns == before


async def test_an_unknown_campaign_is_an_error(services: Services, tmp_path: Path) -> None:
    from app.core.library.service import LibraryError

    with pytest.raises(LibraryError, match="no campaign"):
        await services.library.import_sources(999, [str(tmp_path)])


async def test_a_campaign_deleted_during_the_import_stops_it_with_a_clear_error(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    from app.core.library.service import LibraryError

    for i in range(70):  # the first batch is committed while inputs are still being read
        make_image(tmp_path / "many" / f"{i:03d}.png", (64, 48), seed=i)
    deletions: list[asyncio.Task[None]] = []

    def on_progress(progress: ImportProgress) -> None:
        if progress.done == 2:
            deletions.append(asyncio.get_running_loop().create_task(services.library.delete_campaign(campaign.id)))

    with pytest.raises(LibraryError, match="the campaign was deleted during the import"):
        await run_import(services, campaign, tmp_path / "many", on_progress=on_progress)
    await deletions[0]
    assert await asset_rows(services) == []
