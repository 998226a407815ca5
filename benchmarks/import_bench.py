"""Import speed: N 12-MP JPEG photos through the real importer, against plain Pillow on the same files.

Makes N distinct 4000×3000 JPEGs (noise + shapes, so they compress like photos: about 3–5 MB each), measures
Pillow ``draft`` + ``thumbnail`` with two threads over them (the machine's decode limit at reduced scale), then
imports them with ``LibraryService.import_sources`` into a fresh library, measures Pillow again, and prints both
rates (Pillow's as the mean of before and after), their ratio and the longest event-loop stall of the import.

    .venv/bin/python benchmarks/import_bench.py --count 1000
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.domain import ImportResult
from app.core.secrets import SecretStore
from app.core.services import open_services

SIZE = (4000, 3000)
THUMB = 256
TARGET_RATIO = 2 / 3


@functools.cache
def _noise() -> Image.Image:
    """Colour sensor-like noise, made once per process (each photo shifts it by a random offset)."""
    return Image.merge("RGB", [Image.effect_noise(SIZE, 38) for _ in range(3)])


def make_photo(path: Path, seed: int) -> int:
    """One distinct photo-like JPEG; returns its size in bytes."""
    rng = random.Random(seed)
    img = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    img = ImageChops.multiply(img, Image.new("RGB", SIZE, tuple(rng.randrange(80, 256) for _ in range(3))))
    draw = ImageDraw.Draw(img)
    for _ in range(rng.randrange(20, 40)):
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        box = [x, y, x + rng.randrange(80, 1600), y + rng.randrange(80, 1200)]
        fill = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=fill)
    noise = ImageChops.offset(_noise(), rng.randrange(SIZE[0]), rng.randrange(SIZE[1]))
    photo = Image.blend(img, noise, rng.uniform(0.18, 0.26))
    photo.save(path, "JPEG", quality=rng.randrange(88, 94))
    return path.stat().st_size


def make_photos(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"photo {i:05d}.jpg" for i in range(count)]
    with ProcessPoolExecutor(2) as pool:
        sizes = list(pool.map(make_photo, paths, range(count), chunksize=4))
    print(f"made {count} photos of {SIZE[0]}×{SIZE[1]}, {sum(sizes) / count / 1e6:.1f} MB on average")
    return paths


def pillow_thumbnail(path: Path) -> tuple[int, int]:
    with Image.open(path) as img:
        img.draft("RGB", (THUMB, THUMB))
        img.thumbnail((THUMB, THUMB))
        return img.size


def pillow_rate(paths: list[Path]) -> float:
    """Photos per second of plain Pillow draft + thumbnail with two threads."""
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        for _ in pool.map(pillow_thumbnail, paths):
            pass
    return len(paths) / (time.perf_counter() - start)


async def import_rate(paths: list[Path], folder: Path, library_dir: Path) -> tuple[float, float]:
    """Photos per second of the real import, and the longest event-loop stall in ms."""
    services = open_services(library_dir, SecretStore())
    try:
        client = (await services.library.create_client("Benchmark")).value
        campaign = (await services.library.create_campaign(client.id, "Photos")).value
        stall = 0.0
        running = True

        async def ticker() -> None:
            nonlocal stall
            last = time.perf_counter()
            while running:
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                stall = max(stall, now - last - 0.005)
                last = now

        watch = asyncio.create_task(ticker())
        start = time.perf_counter()
        report = await services.library.import_sources(campaign.id, [str(folder)])
        elapsed = time.perf_counter() - start
        running = False
        await watch
        imported = report.count(ImportResult.IMPORTED)
        if imported != len(paths):
            rejected = [o for o in report.outcomes if o.result is ImportResult.REJECTED][:3]
            raise SystemExit(f"only {imported} of {len(paths)} imported: {rejected}")
        return len(paths) / elapsed, stall * 1000
    finally:
        await services.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="how many 12-MP photos (default 1000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pairframe-import-bench-") as tmp:
        folder = Path(tmp) / "photos"
        paths = make_photos(folder, args.count)
        before = pillow_rate(paths)
        rate, stall_ms = asyncio.run(import_rate(paths, folder, Path(tmp) / "library"))
        after = pillow_rate(paths)  # measured on both sides, so a change of load on the machine shows
        baseline = (before + after) / 2
        print(f"Pillow draft+thumbnail, 2 threads: {baseline:6.1f} photos/s (before {before:.1f}, after {after:.1f})")
        print(f"import (hash, validate, store, thumbnail, features): {rate:6.1f} photos/s")
        ratio = rate / baseline
        verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
        print(f"ratio {ratio:.2f} ({verdict} the target of {TARGET_RATIO:.2f}); longest loop stall {stall_ms:.0f} ms")
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
