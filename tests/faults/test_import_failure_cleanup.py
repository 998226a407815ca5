"""An import that fails for a reason that is not about one input leaves no stored file without its row."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.core.domain import ImportProgress
from app.core.library.service import LibraryError
from app.core.services import Services
from tests.helpers.images import make_image


async def test_a_failed_import_removes_the_files_it_stored_for_rows_it_never_wrote(
        services: Services, tmp_path: Path) -> None:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    for i in range(40):
        make_image(tmp_path / "shoot" / f"{i:02d}.png", (64, 48), seed=i)
    deletions: list[asyncio.Task[None]] = []

    def on_progress(progress: ImportProgress) -> None:
        if progress.done == 3:
            deletions.append(asyncio.get_running_loop().create_task(services.library.delete_campaign(campaign.id)))

    with pytest.raises(LibraryError, match="the campaign was deleted during the import"):
        await services.library.import_sources(campaign.id, [str(tmp_path / "shoot")], on_progress)
    await deletions[0]
    leftovers = [p for root in (services.paths.store, services.paths.thumbs) if root.exists()
                 for p in root.rglob("*") if p.is_file()]
    assert leftovers == []
