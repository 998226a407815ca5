"""Take the README's screenshots of the real main window: the sample campaign's assets and pairs, in the light and
the dark theme, and at 1.5× scale.

Run under a virtual screen: ``scripts/screenshot`` (which uses xvfb-run). Writes into ``docs/`` from a throw-away
library (nothing of the user's is shown or changed):

- ``screenshot.png`` and ``screenshot-pairs.png``: the assets and the pairs, light theme;
- ``screenshot-dark.png``: the assets, dark theme;
- ``screenshot-1.5x.png``: the assets at ``QT_SCALE_FACTOR=1.5`` (taken by a second run of this script, since the
  scale is fixed when Qt starts).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.domain import ColorLabel, Flag  # noqa: E402
from app.core.sample import create_sample_campaign  # noqa: E402
from app.core.services import open_services  # noqa: E402
from app.ui.application import create_qt_app  # noqa: E402
from app.ui.bridge import TaskBridge  # noqa: E402
from app.ui.event_loop import GuiEventLoop  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402
from app.ui.theme import Theme  # noqa: E402

SHOTS = ("light", "dark", "scaled")


async def wait_for(predicate, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the window did not reach the state to photograph")
        await asyncio.sleep(0.05)


async def photograph(library: Path, out_dir: Path, shots: list[str]) -> list[Path]:
    services = open_services(library)
    campaign = await create_sample_campaign(services.library)
    ids = [a.id for a in await services.library.list_assets(campaign.id)]
    for index, rating in enumerate((5, 4, 3, 5, 2, 4)):  # a campaign half culled, as it would be
        await services.library.set_rating([ids[index]], rating)
    await services.library.set_flag([ids[0], ids[3]], Flag.PICK)
    await services.library.set_flag([ids[7]], Flag.REJECT)
    await services.library.set_label([ids[0], ids[5]], ColorLabel.GREEN)
    await services.library.set_label([ids[2]], ColorLabel.YELLOW)
    await services.pairing.suggest(campaign.id, pairer="local", count=5, chain=True)
    settings = QSettings(str(library / "ui.ini"), QSettings.Format.IniFormat)
    bridge = TaskBridge()
    window = MainWindow(services, bridge, settings=settings)
    window.resize(1440, 900)
    window.show()
    window.start()
    window.open_campaign(campaign)
    workspace = window.workspace
    await wait_for(lambda: workspace.campaign is not None and workspace.campaign.id == campaign.id)
    grid_model = workspace.assets_page.grid.model()
    await wait_for(lambda: grid_model.rowCount() >= 12)
    page = workspace.assets_page
    page.select_ids([page.model.asset(row).id for row in (1, 3)])  # the details panel shows a selection
    await asyncio.sleep(2.5)  # thumbnails arrive from their worker threads
    written: list[Path] = []

    def grab(name: str) -> None:
        target = out_dir / name
        window.grab().save(str(target))
        written.append(target)

    if "light" in shots:
        window.set_theme(Theme.LIGHT)
        await asyncio.sleep(0.5)
        grab("screenshot.png")
        workspace.setCurrentWidget(workspace.pairs_page)
        await asyncio.sleep(2.5)
        grab("screenshot-pairs.png")
        workspace.setCurrentWidget(page)
    if "dark" in shots:
        window.set_theme(Theme.DARK)
        await asyncio.sleep(1.0)
        grab("screenshot-dark.png")
    if "scaled" in shots:
        grab("screenshot-1.5x.png")
    window.close()
    await bridge.shutdown()
    await services.aclose()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=SHOTS, action="append", help="take only these shots (repeatable); "
                        "'scaled' sets QT_SCALE_FACTOR=1.5 itself")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="where to write (default: docs/)")
    args = parser.parse_args()
    shots = args.only or list(SHOTS)
    if "scaled" in shots and os.environ.get("QT_SCALE_FACTOR") != "1.5":
        rest = [s for s in shots if s != "scaled"]
        result = subprocess.run([sys.executable, __file__, "--only", "scaled", "--out", str(args.out)],
                                env={**os.environ, "QT_SCALE_FACTOR": "1.5"}, check=False)
        if result.returncode or not rest:
            return result.returncode
        shots = rest
    create_qt_app(sys.argv[:1])
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pairframe-shot-") as tmp, \
            asyncio.Runner(loop_factory=GuiEventLoop) as runner:
        written = runner.run(photograph(Path(tmp) / "library", args.out, shots))
    QApplication.processEvents()
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
