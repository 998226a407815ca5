"""The sample campaign: created once with its shipped images, found again on later calls, from core and CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from app.cli import main
from app.core import sample
from app.core.domain import CampaignStatus
from app.core.library.service import LibraryError
from app.core.sample import SAMPLE_CAMPAIGN, SAMPLE_CLIENT, create_sample_campaign, sample_images
from app.core.services import Services


def test_the_shipped_samples_are_a_dozen_real_jpegs_of_a_sensible_size() -> None:
    images = sample_images()
    assert len(images) == 12
    for path in images:
        assert 20_000 < path.stat().st_size < 200_000, path.name
        with Image.open(path) as img:
            assert img.format == "JPEG"
            assert img.size == (1280, 720)
    assert {p.stem for p in images} == set(sample.SAMPLE_TAGS)


async def test_creates_the_client_campaign_and_imports_every_image(services: Services) -> None:
    campaign = await create_sample_campaign(services.library)
    assert (campaign.name, campaign.client_name) == (SAMPLE_CAMPAIGN, SAMPLE_CLIENT)
    assert campaign.status is CampaignStatus.ACTIVE
    assert campaign.budget_usd and campaign.goal and campaign.audience and len(campaign.key_messages) >= 2
    client = await services.library.get_client(campaign.client_id)
    assert len(client.brand_colors) >= 3 and client.tone and client.restrictions
    assets = await services.library.list_assets(campaign.id)
    assert sorted(a.original_name for a in assets) == sorted(p.name for p in sample_images())
    assert {"sea", "product", "city"} <= set(await services.library.all_tags())
    assert all(services.library.asset_path(a).is_file() for a in assets)


async def test_a_second_call_returns_the_same_campaign_and_imports_nothing(services: Services) -> None:
    first = await create_sample_campaign(services.library)
    second = await create_sample_campaign(services.library)
    assert second == first
    assert len(await services.library.list_clients()) == 1
    assert len(await services.library.list_assets(first.id)) == 12


async def test_a_deleted_sample_campaign_comes_back_with_its_images(services: Services) -> None:
    first = await create_sample_campaign(services.library)
    await services.library.delete_campaign(first.id)
    again = await create_sample_campaign(services.library)
    assert again.client_id == first.client_id
    assert [c.id for c in await services.library.list_campaigns(first.client_id)] == [again.id]
    assert len(await services.library.list_assets(again.id)) == 12


async def test_missing_sample_images_are_a_clear_error_that_creates_nothing(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "no-samples"
    empty.mkdir()
    monkeypatch.setattr(sample, "samples_dir", lambda: empty)
    with pytest.raises(LibraryError, match="sample images are missing"):
        await create_sample_campaign(services.library)
    assert await services.library.list_clients() == []


async def test_progress_is_reported_while_importing(services: Services) -> None:
    seen = []
    await create_sample_campaign(services.library, on_progress=seen.append)
    assert seen and seen[-1].done == seen[-1].total == 12


def test_cli_sample_json_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "cli-library"
    assert main(["--data-dir", str(library), "sample", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["--data-dir", str(library), "sample", "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert first == second
    assert first["client"] == SAMPLE_CLIENT and first["assets"] == 12
    assert first["campaign"]["name"] == SAMPLE_CAMPAIGN


def test_cli_sample_for_people(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--data-dir", str(tmp_path / "lib"), "sample"]) == 0
    out = capsys.readouterr().out
    assert SAMPLE_CAMPAIGN in out and "12 images" in out

