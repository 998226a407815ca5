"""Take the README's screenshots of the real main window: the sample campaign's assets and its pairs.

Run under a virtual screen: ``scripts/screenshot`` (which uses xvfb-run). Writes ``docs/screenshot.png`` and
``docs/screenshot-pairs.png`` from a throw-away library, so nothing of the user's is shown or changed.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

import qasync
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.sample import create_sample_campaign  # noqa: E402
from app.core.services import open_services  # noqa: E402
from app.ui.application import create_qt_app  # noqa: E402
from app.ui.bridge import TaskBridge  # noqa: E402
from app.ui.main_window import MainWindow  # noqa: E402


async def wait_for(predicate, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the window did not reach the state to photograph")
        await asyncio.sleep(0.05)


async def photograph(library: Path, out_dir: Path) -> None:
    services = open_services(library)
    campaign = await create_sample_campaign(services.library)
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
    await asyncio.sleep(2.5)  # thumbnails arrive from their worker threads
    window.grab().save(str(out_dir / "screenshot.png"))
    workspace.setCurrentWidget(workspace.pairs_page)
    await asyncio.sleep(2.5)
    window.grab().save(str(out_dir / "screenshot-pairs.png"))
    window.close()
    await bridge.shutdown()
    await services.aclose()


def main() -> int:
    create_qt_app(sys.argv)
    out_dir = ROOT / "docs"
    out_dir.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pairframe-shot-") as tmp, \
            asyncio.Runner(loop_factory=qasync.QEventLoop) as runner:
        runner.run(photograph(Path(tmp) / "library", out_dir))
    QApplication.processEvents()
    print(f"wrote {out_dir / 'screenshot.png'} and {out_dir / 'screenshot-pairs.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
