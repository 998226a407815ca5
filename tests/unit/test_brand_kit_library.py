"""The client's brand kit in the library: logo and font files copied in, the fields saved in one operation that
announces the client, and the ``BrandKit`` a campaign's deliverables are dressed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from app.core.domain import ImportResult
from app.core.library.service import LibraryError
from app.core.media.brand_kit import default_font, load_logo
from app.core.services import Services
from tests.helpers.deliver_media import make_logo
from tests.helpers.images import make_image

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL


async def test_a_logo_file_and_fonts_are_copied_in_and_make_the_campaigns_brand_kit(services: Services,
                                                                                      tmp_path: Path) -> None:
    library = services.library
    client = (await library.create_client("Acme", brand_colors=["#224488"])).value
    campaign = (await library.create_campaign(client.id, "Spring", key_messages=["Fresh", "Fast"],
                                              product_url="https://acme.test/spring")).value
    logo = await library.import_brand_file(make_logo(tmp_path / "logo.png"), "logo")
    font = await library.import_brand_file(default_font(), "font")
    assert logo.startswith("brand/") and logo.endswith(".png") and font.endswith(".otf")
    assert services.paths.file(logo).read_bytes() == (tmp_path / "logo.png").read_bytes()

    op = await library.update_client(client.id, logo_file=logo, brand_fonts=[font, font], cta="Order today",
                                     logo_key_background=False)
    assert op.changes.clients == frozenset({client.id})
    saved = await library.get_client(client.id)
    assert (saved.logo_file, saved.brand_fonts, saved.cta, saved.logo_asset_id) == (logo, (font,), "Order today", None)

    kit = await library.brand_kit(campaign.id)
    assert kit.campaign == "Spring" and kit.colors == ("#224488",) and kit.cta == "Order today"
    assert kit.key_messages == ("Fresh", "Fast") and kit.product_url == "https://acme.test/spring"
    assert kit.logo_path == services.paths.file(logo) and kit.font == services.paths.file(font)
    assert load_logo(kit) is not None


async def test_a_jpeg_asset_as_the_logo_is_keyed_only_when_asked(services: Services, tmp_path: Path) -> None:
    library = services.library
    client = (await library.create_client("Acme")).value
    campaign = (await library.create_campaign(client.id, "Spring")).value
    image = Image.new("RGB", (200, 100), "white")
    image.paste(Image.new("RGB", (100, 50), (200, 20, 20)), (50, 25))
    image.save(tmp_path / "logo.jpg", quality=95)
    report = await library.import_sources(campaign.id, [str(tmp_path / "logo.jpg")])
    assert report.outcomes[0].result is ImportResult.IMPORTED
    asset_id = report.outcomes[0].asset_id

    await library.update_client(client.id, logo_asset_id=asset_id)
    plain = await library.brand_kit(campaign.id)
    assert plain.logo_path is not None and plain.logo_path.is_file() and plain.font == default_font()
    assert load_logo(plain).size == (200, 100)  # type: ignore[union-attr]  # the white stays
    await library.update_client(client.id, logo_key_background=True)
    keyed = load_logo(await library.brand_kit(campaign.id))
    assert keyed is not None and keyed.size[0] <= 102 and keyed.size[1] <= 52  # the white is keyed out


async def test_unusable_brand_files_and_foreign_logos_are_refused_with_the_reason(services: Services,
                                                                                   tmp_path: Path) -> None:
    library = services.library
    acme = (await library.create_client("Acme")).value
    other = (await library.create_client("Globex")).value
    campaign = (await library.create_campaign(other.id, "Launch")).value
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(LibraryError, match="not a TrueType or OpenType font"):
        await library.import_brand_file(tmp_path / "notes.txt", "font")
    (tmp_path / "fake.ttf").write_bytes(b"not a font")
    with pytest.raises(LibraryError, match=r"the font fake\.ttf cannot be read"):
        await library.import_brand_file(tmp_path / "fake.ttf", "font")
    with pytest.raises(LibraryError, match="cannot be read as an image"):
        await library.import_brand_file(tmp_path / "notes.txt", "logo")
    with pytest.raises(LibraryError, match="must be a file added to the library first"):
        await library.update_client(acme.id, logo_file=str(tmp_path / "notes.txt"))
    report = await library.import_sources(campaign.id, [str(make_image(tmp_path / "g.png", (64, 64)))])
    with pytest.raises(LibraryError, match="must be one of Acme's images"):
        await library.update_client(acme.id, logo_asset_id=report.outcomes[0].asset_id)
    assert (await library.get_client(acme.id)).logo_asset_id is None
