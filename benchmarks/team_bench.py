"""Team library speed on PostgreSQL: a big campaign's grid, and many workstations importing at once.

Needs a PostgreSQL server whose user may create databases (``--server``, default ``PAIRFRAME_TEST_PG_URL``;
``eval "$(scripts/test-postgres start)"`` starts a throw-away one). Two parts:

* **grid**: a team library whose campaign holds N assets (default 250,000), opened in an offscreen window on a
  qasync loop exactly as ``grid_bench.py`` does for a folder: the time to the first screen of thumbnails (target
  < 1 s) and the largest event-loop stall while the rows load and while the grid scrolls (target < 33 ms);
* **imports**: P processes (default 8), each a workstation with its own cache folder, import I distinct images
  (default 1,000 each) into one campaign of one team library at the same time, through ``pairframe import``: every
  process must succeed (no deadlock, no error) and every row must be there once; the throughput is compared with
  one process importing I images alone.

    .venv/bin/python benchmarks/team_bench.py                       # both parts, full size
    .venv/bin/python benchmarks/team_bench.py --assets 20000 --importers 4 --images 200   # a quick check
    .venv/bin/python benchmarks/team_bench.py --only imports
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from PIL import Image, ImageDraw

from app.core.db.location import LibraryLocation, ServerAddress, parse_server_url
from app.core.services import open_services
from app.ui.event_loop import GuiEventLoop

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(admin: ServerAddress, password: str | None, name: str) -> ServerAddress:
    """An empty database ``name`` on the server (dropped first when it exists)."""
    with psycopg.connect(**admin.libpq_params(password), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")
    return ServerAddress(admin.user, admin.host, admin.port, name, admin.query)


def drop_database(admin: ServerAddress, password: str | None, name: str) -> None:
    with psycopg.connect(**admin.libpq_params(password), autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# ---- grid ---------------------------------------------------------------------------------------------------
def grid(admin: ServerAddress, password: str | None, work: Path, assets: int, scroll_steps: int) -> None:
    from PySide6.QtWidgets import QApplication

    from benchmarks.grid_bench import build_library, measure

    server = fresh_database(admin, password, "pairframe_bench_grid")
    try:
        location = LibraryLocation(work / "grid-workstation", server, work / "grid-share")
        began = time.perf_counter()
        os.environ["PGPASSWORD"] = password or ""
        campaign_id = build_library(location, assets, 300)
        print(f"built a team library of {assets:,} assets in {time.perf_counter() - began:.1f} s")
        app = QApplication.instance() or QApplication([])
        with asyncio.Runner(loop_factory=GuiEventLoop) as runner:
            runner.run(measure(location, campaign_id, scroll_steps))
        del app
    finally:
        drop_database(admin, password, server.database)


# ---- imports ------------------------------------------------------------------------------------------------
def make_images(folder: Path, count: int, seed: int) -> None:
    """``count`` distinct small JPEG photos-to-be (a gradient, shapes and noise of their own)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    for i in range(count):
        img = Image.new("RGB", (640, 480), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        draw = ImageDraw.Draw(img)
        for _ in range(6):
            x, y = rng.randrange(600), rng.randrange(440)
            draw.ellipse([x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)],
                         fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
        img.save(folder / f"img-{seed}-{i:05d}.jpg", quality=85)


def start_import(server: ServerAddress, password: str | None, share: Path, data_dir: Path, campaign_id: int,
                 folder: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PGPASSWORD": password or ""}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--data-dir", str(data_dir), "--library",
                             server.display(), "--store", str(share), "import", "--campaign", str(campaign_id),
                             "--json", str(folder)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def new_campaign(location: LibraryLocation, password: str | None) -> int:
    services = open_services(location, password=password)

    async def make() -> int:
        client = (await services.library.create_client("Bench")).value
        return (await services.library.create_campaign(client.id, "Imports")).value.id
    try:
        return asyncio.run(make())
    finally:
        services.db.close()


def run_imports(admin: ServerAddress, password: str | None, work: Path, folders: list[Path], label: str) -> float:
    """Import every folder at once (one process each) into a new team library; returns images per second."""
    server = fresh_database(admin, password, "pairframe_bench_import")
    share = work / f"share-{label}"
    try:
        campaign_id = new_campaign(LibraryLocation(work / f"ws-{label}-setup", server, share), password)
        began = time.perf_counter()
        processes = [start_import(server, password, share, work / f"ws-{label}-{i}", campaign_id, folder)
                     for i, folder in enumerate(folders)]
        outputs = [p.communicate(timeout=3600) for p in processes]
        elapsed = time.perf_counter() - began
        expected = sum(len(list(f.iterdir())) for f in folders)
        failures = [(i, p.returncode, err.strip().splitlines()[-1:] if err.strip() else [])
                    for i, (p, (_out, err)) in enumerate(zip(processes, outputs, strict=True)) if p.returncode != 0]
        imported = sum(json.loads(out)["imported"] for p, (out, _e) in zip(processes, outputs,
                                                                                              strict=True)
                       if p.returncode == 0)
        with psycopg.connect(**server.libpq_params(password)) as connection:
            rows = connection.execute("SELECT count(*), count(DISTINCT sha256) FROM assets").fetchone()
            linked = connection.execute("SELECT count(*) FROM campaign_assets WHERE campaign_id = %s",
                                        (campaign_id,)).fetchone()[0]
        rate = expected / elapsed
        print(f"{label}: {len(folders)} process(es), {expected:,} images in {elapsed:.1f} s = {rate:.1f} images/s; "
              f"failed processes: {failures or 'none'}; rows {rows[0]:,} (distinct hashes {rows[1]:,}), "
              f"in the campaign {linked:,}, reported imported {imported:,}"
              + ("  — EVERY ROW THERE, NONE TWICE" if rows[0] == rows[1] == linked == expected == imported
                 else "  — MISMATCH"))
        return rate
    finally:
        drop_database(admin, password, server.database)


def imports(admin: ServerAddress, password: str | None, work: Path, importers: int, images: int) -> None:
    folders = [work / "images" / f"set-{i}" for i in range(importers)]
    began = time.perf_counter()
    for i, folder in enumerate(folders):
        if not folder.is_dir():
            make_images(folder, images, seed=i)
    print(f"made {importers} × {images:,} images in {time.perf_counter() - began:.1f} s")
    alone = run_imports(admin, password, work, folders[:1], "one process")
    together = run_imports(admin, password, work, folders, f"{importers} processes")
    print(f"throughput with {importers} processes at once: {together / alone:.2f}× one process alone "
          f"({os.cpu_count()} cores: decoding and hashing share them)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default=os.environ.get("PAIRFRAME_TEST_PG_URL"),
                        help="postgresql://USER@HOST:PORT/postgres (a user who may create databases)")
    parser.add_argument("--assets", type=int, default=250_000)
    parser.add_argument("--scroll-steps", type=int, default=200)
    parser.add_argument("--importers", type=int, default=8)
    parser.add_argument("--images", type=int, default=1000, help="images per importing process")
    parser.add_argument("--only", choices=("grid", "imports"))
    parser.add_argument("--work", type=Path, help="keep images and caches here (default: a temporary folder)")
    args = parser.parse_args()
    if not args.server:
        parser.error("give --server postgresql://... or set PAIRFRAME_TEST_PG_URL (scripts/test-postgres start)")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    admin, password = parse_server_url(args.server)
    with tempfile.TemporaryDirectory(prefix="team-bench-") as temp:
        work = args.work or Path(temp)
        if args.only in (None, "grid"):
            grid(admin, password, work, args.assets, args.scroll_steps)
        if args.only in (None, "imports"):
            imports(admin, password, work, args.importers, args.images)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
