"""Peak memory of importing huge images: N near-limit pictures through the real importer in a fresh process.

Makes ``--count`` distinct images of ``--megapixels`` each (default three 144-MP PNGs, the pixel limit being 150 MP)
in every kind asked for by ``--kinds``, imports each kind's folder with ``LibraryService.import_sources`` in a child
process of its own, and prints the child's resident memory before the import and at its peak (``VmHWM``), with the
time taken and what was imported. The target is a peak under 1 GB whatever the number of images.

    .venv/bin/python benchmarks/import_memory_bench.py --count 3 --megapixels 144 --kinds png,rgba-png,tiff
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_BYTES = 1024 ** 3
KINDS = {  # kind → (file suffix, Pillow save options, mode)
    "png": ("png", {"compress_level": 1}, "RGB"),
    "rgba-png": ("png", {"compress_level": 1}, "RGBA"),
    "tiff": ("tif", {"compression": "tiff_deflate"}, "RGB"),
    "progressive-jpeg": ("jpg", {"quality": 85, "progressive": True}, "RGB"),
    "jpeg": ("jpg", {"quality": 85}, "RGB"),
    "bmp": ("bmp", {}, "RGB"),
}


def make_images(folder: Path, kind: str, count: int, megapixels: float) -> None:
    """``count`` distinct images of about ``megapixels`` each: a gradient with a few shapes (quick to encode)."""
    suffix, options, mode = KINDS[kind]
    side = int(math.sqrt(megapixels * 1e6))
    folder.mkdir(parents=True, exist_ok=True)
    gradient = Image.linear_gradient("L").resize((side, side))
    base = Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.ROTATE_90), gradient))
    if mode == "RGBA":
        base = base.convert("RGBA")
        base.putalpha(gradient.transpose(Image.Transpose.ROTATE_180))
    for i in range(count):
        rng = random.Random(i)
        img = base.copy()
        draw = ImageDraw.Draw(img)
        for _ in range(8):
            x, y = rng.randrange(side), rng.randrange(side)
            draw.ellipse([x, y, x + side // 6, y + side // 6], fill=tuple(rng.randrange(256) for _ in mode))
        img.save(folder / f"{kind} {i}.{suffix}", **options)
    print(f"made {count} {kind} images of {side}×{side} ({side * side / 1e6:.0f} MP)", flush=True)


def _vm_high_water() -> int:
    """This process's peak resident memory in bytes (Linux ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _vm_resident() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return _vm_high_water()


async def _child_import(library_dir: Path, folder: Path) -> dict[str, object]:
    from app.core.domain import ImportResult
    from app.core.secrets import SecretStore
    from app.core.services import open_services

    services = open_services(library_dir, SecretStore())
    try:
        client = (await services.library.create_client("Benchmark")).value
        campaign = (await services.library.create_campaign(client.id, "Huge")).value
        before = _vm_resident()
        start = time.perf_counter()
        report = await services.library.import_sources(campaign.id, [str(folder)])
        return {"seconds": time.perf_counter() - start, "rss_before": before, "peak": _vm_high_water(),
                "imported": report.count(ImportResult.IMPORTED),
                "rejected": [o.reason for o in report.outcomes if o.result is ImportResult.REJECTED]}
    finally:
        await services.aclose()


def measure(kind: str, folder: Path, library_dir: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", str(library_dir), str(folder)], capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=3, help="images per kind (default 3)")
    parser.add_argument("--megapixels", type=float, default=144, help="size of each image (default 144)")
    parser.add_argument("--kinds", default="png", help=f"comma-separated, from {', '.join(KINDS)} (default png)")
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_child_import(Path(args.child[0]), Path(args.child[1])))))
        return 0
    worst = 0
    with tempfile.TemporaryDirectory(prefix="pairframe-memory-bench-") as tmp:
        for kind in args.kinds.split(","):
            folder = Path(tmp) / kind
            make_images(folder, kind, args.count, args.megapixels)
            result = measure(kind, folder, Path(tmp) / f"library-{kind}")
            peak = int(result["peak"])  # type: ignore[call-overload]
            worst = max(worst, peak)
            print(f"{kind:17s} imported {result['imported']}/{args.count} in {result['seconds']:.1f} s; "
                  f"resident before {int(result['rss_before']) / 1e6:.0f} MB, "  # type: ignore[call-overload]
                  f"peak {peak / 1e6:.0f} MB" + (f"; rejected: {result['rejected']}" if result["rejected"] else ""),
                  flush=True)
    verdict = "meets" if worst < TARGET_BYTES else "MISSES"
    print(f"highest peak {worst / 1e6:.0f} MB ({verdict} the target of {TARGET_BYTES / 1e6:.0f} MB)")
    return 0 if worst < TARGET_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
