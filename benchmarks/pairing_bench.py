"""Pairing speed: the local pairer on a campaign of N assets, the feature back-fill, and Grok's request preparation.

Builds a library whose campaign holds N distinct photos-like JPEGs (WIDTH×HEIGHT, stored without features, as
assets imported before features existed), then measures:

* the first local suggest run through the service, which back-fills every asset's features;
* the pure local pairer (``pair_locally``) on the N candidates, independent pairs and a chain (target for
  200 assets: well under a second), and a whole warm suggest run through the service;
* what a Grok run does before its request: pre-selection down to ``pairing_max_images``, the 768 px previews
  (cold, then cached), and the size of the JSON body that would be sent. No network is used.

    .venv/bin/python benchmarks/pairing_bench.py                # 200 assets of 1600×1067
    .venv/bin/python benchmarks/pairing_bench.py --assets 40    # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from app.core.db.models import Asset, CampaignAsset
from app.core.library.store import sha256_file
from app.core.pairing.feature_store import load_candidates
from app.core.pairing.local import pair_locally
from app.core.pairing.previews import load_previews
from app.core.pairing.prompt import build_pairing_messages
from app.core.pairing.similarity import preselect
from app.core.services import Services, open_services


def picture(path: Path, size: tuple[int, int], seed: int) -> None:
    """A gradient with shapes: distinct features per seed, photo-like enough for JPEG sizes."""
    rng = random.Random(seed)
    top = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    img = Image.new("RGB", size, top)
    draw = ImageDraw.Draw(img)
    bottom = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    for y in range(0, size[1], 4):
        t = y / size[1]
        draw.rectangle([0, y, size[0], y + 4], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom,
                                                                                               strict=True)))
    for _ in range(8):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(40, size[0] // 2), y0 + rng.randrange(40, size[1] // 2)
        fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([x0, y0, x1, y1], fill=fill)
    img.save(path, quality=88)


async def build(services: Services, sources: Path, count: int, size: tuple[int, int]) -> int:
    client = (await services.library.create_client("Benchmark client", tone="bright and confident")).value
    campaign = (await services.library.create_campaign(client.id, "Bench", goal="Measure", key_messages=["Fast"])).value
    rows = []
    for index in range(count):
        path = sources / f"photo-{index:04d}.jpg"
        picture(path, size, index)
        sha = sha256_file(path)
        services.library.store.put_file(path, sha, "jpeg")
        rows.append(dict(client_id=client.id, sha256=sha, original_name=path.name, source=str(path), format="jpeg",
                         width=size[0], height=size[1], bytes=path.stat().st_size, rating=index % 6))

    def insert(s: Session) -> None:
        assets = [Asset(**row) for row in rows]
        s.add_all(assets)
        s.flush()
        s.add_all(CampaignAsset(campaign_id=campaign.id, asset_id=a.id) for a in assets)

    await services.db.run(insert)
    return campaign.id


def timed(label: str, seconds: float) -> None:
    print(f"{label:<58} {seconds * 1000:9.1f} ms")


async def main(count: int, size: tuple[int, int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "sources").mkdir()
        services = open_services(root / "library")
        try:
            started = time.perf_counter()
            campaign_id = await build(services, root / "sources", count, size)
            print(f"built {count} assets of {size[0]}×{size[1]} in {time.perf_counter() - started:.1f} s")

            started = time.perf_counter()
            await services.pairing.suggest(campaign_id, pairer="local")
            timed(f"first local suggest (back-fills {count} assets' features)", time.perf_counter() - started)

            assets = await services.library.list_assets(campaign_id)
            candidates, _ = await load_candidates(services.db, services.library.store, assets, lambda _p: None)
            for chain in (False, True):
                started = time.perf_counter()
                made = pair_locally(candidates, count=12, chain=chain, prompt_for=str)
                timed(f"pair_locally, {count} assets, 12 pairs, chain={chain}", time.perf_counter() - started)
                assert len(made.pairs) == min(12, count - 1 if chain else count // 2)

            started = time.perf_counter()
            await services.pairing.suggest(campaign_id, pairer="local", count=12)
            timed("warm local suggest through the service (read, pair, store)", time.perf_counter() - started)

            settings = services.settings.current
            started = time.perf_counter()
            chosen = preselect(candidates, settings.pairing_max_images)
            timed(f"pre-selection {count} → {len(chosen)} (best rated, most diverse)", time.perf_counter() - started)
            campaign = await services.library.get_campaign(campaign_id)
            client = await services.library.get_client(campaign.client_id)
            for state in ("cold", "cached"):
                started = time.perf_counter()
                previews, _ = await load_previews(services.library.store, services.paths.previews,
                                                  [c.asset for c in chosen], settings.pairing_preview_px)
                timed(f"{len(chosen)} previews at {settings.pairing_preview_px} px ({state})",
                      time.perf_counter() - started)
            messages = build_pairing_messages(campaign, client, [(c.asset, previews[c.id]) for c in chosen], None,
                                              False)
            body = json.dumps({"model": settings.xai_model, "messages": messages}).encode()
            print(f"{'request body for ' + str(len(chosen)) + ' images':<58} {len(body) / 1e6:9.2f} MB")
        finally:
            await services.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1067)
    options = parser.parse_args()
    asyncio.run(main(options.assets, (options.width, options.height)))
