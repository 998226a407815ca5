"""An open window follows what other processes commit: a CLI import and a rating written by a second process show
in the grid (and the details panel) within a second of that process finishing, without any reload by hand."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.core.domain import Flag
from app.core.services import Services
from tests.ui.assets_helpers import campaign_with_images, make_images
from tests.ui.conftest import wait_until
from tests.ui.window_helpers import open_window, show_campaign

ROOT = Path(__file__).resolve().parents[2]
SHOWN_WITHIN_S = 1.0
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

SECOND_PROCESS = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from app.core.domain import Flag
    from app.core.services import open_services

    async def main() -> None:
        services = open_services(Path(sys.argv[1]))
        try:
            ids = [int(sys.argv[2])]
            await services.library.set_rating(ids, int(sys.argv[3]))
            await services.library.set_flag(ids, Flag(sys.argv[4]))
        finally:
            await services.aclose()
    asyncio.run(main())
""")


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


async def _in_another_process(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``args`` with Python in a process of its own, without holding up the window's loop."""
    return await asyncio.to_thread(subprocess.run, [sys.executable, *args], capture_output=True, text=True,
                                   timeout=90, env=_env(), cwd=ROOT, stdin=subprocess.DEVNULL)


async def test_a_cli_import_and_a_rating_from_another_process_show_in_the_open_window(
        services: Services, qtbot, tmp_path: Path) -> None:
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_window(services, qtbot, tmp_path) as window:
        page = window.workspace.assets_page
        await show_campaign(window, campaign.id)
        assert page.model.rowCount() == 2
        reloads = page._generation  # nothing below may reload the grid: rows arrive one by one

        new = make_images(tmp_path / "from the terminal", 3, start=30)
        imported = await _in_another_process(str(ROOT / "main.py"), "--data-dir", str(services.paths.root),
                                             "import", "--campaign", str(campaign.id), *map(str, new))
        assert imported.returncode == 0, imported.stderr
        await wait_until(lambda: page.model.rowCount() == 5, timeout=SHOWN_WITHIN_S)
        assert {a.original_name for a in page.model.assets()} >= {p.name for p in new}
        assert page._generation == reloads

        target = next(a for a in page.model.assets() if a.original_name == "photo 31.jpg")
        page.select_ids([target.id])
        assert page.detail.asset is not None and page.detail.asset.rating == 0
        rated = await _in_another_process("-c", SECOND_PROCESS, str(services.paths.root), str(target.id), "5",
                                          Flag.PICK.value)
        assert rated.returncode == 0, rated.stderr

        def shown() -> bool:
            row = page.model.row_of(target.id)
            asset = page.model.asset(row) if row is not None else None
            return asset is not None and asset.rating == 5 and asset.flag is Flag.PICK
        await wait_until(shown, timeout=SHOWN_WITHIN_S)
        await wait_until(lambda: page.detail.stars.rating == 5 and page.detail.flag_buttons[Flag.PICK].isChecked(),
                         timeout=SHOWN_WITHIN_S)
        assert page._generation == reloads
