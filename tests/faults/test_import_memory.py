"""Huge images cost bounded memory: decodes share one budget, a decode that alone would exceed it is refused from
the header, a huge transparent image is shrunk without full-size copies; trailing data is not stored."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from app.core.domain import CampaignInfo, ImportResult
from app.core.library import memory
from app.core.services import Services
from tests.helpers.images import make_image

MB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]


class RecordingBudget(memory.MemoryBudget):
    """A budget that remembers how many decodes held it at once."""

    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.holders = 0
        self.most_holders = 0
        self.most_used = 0
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def reserve(self, amount: int) -> Iterator[None]:
        with super().reserve(amount):
            with self._lock:
                self.holders += 1
                self.most_holders = max(self.most_holders, self.holders)
                self.most_used = max(self.most_used, self.used)
            try:
                yield
            finally:
                with self._lock:
                    self.holders -= 1


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


async def test_big_decodes_wait_for_each_other_within_the_shared_budget(
        services: Services, campaign: CampaignInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    budget = RecordingBudget(64 * MB)  # each 4.8-MP PNG needs about 41 MB: one at a time
    monkeypatch.setattr(memory, "DECODE_BUDGET", budget)
    sources = [make_image(tmp_path / f"big {i}.png", (2200, 2200), seed=i) for i in range(4)]
    report = await services.library.import_sources(campaign.id, [str(s) for s in sources])
    assert [o.result for o in report.outcomes] == [ImportResult.IMPORTED] * 4
    assert budget.most_holders == 1 and 0 < budget.most_used <= budget.total
    assert budget.used == 0


async def test_a_decode_that_alone_exceeds_the_budget_is_refused_from_the_header(
        services: Services, campaign: CampaignInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "DECODE_BUDGET", memory.MemoryBudget(100 * MB))
    loaded: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def spying_load(self: ImageFile.ImageFile):  # type: ignore[no-untyped-def]
        loaded.append(self.size)
        return real_load(self)

    webp = tmp_path / "banner.webp"
    Image.new("RGB", (3000, 3000), "teal").save(webp, quality=50)
    monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
    [outcome] = (await services.library.import_sources(campaign.id, [str(webp)])).outcomes
    assert (outcome.result, outcome.reason) == (
        ImportResult.REJECTED, "too large to open safely: this 9 MP WebP image needs about 160.2 MB of memory to "
                               "open, more than the 100 MB Pairframe allows; save it as JPEG or PNG")
    assert loaded == []


_MEASURE = """
import json, resource, sys
from pathlib import Path
from app.core.library.validate import decode
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
decoded = decode(Path(sys.argv[1]), "huge.png", 150_000_000, 256)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"grew_kb": after - before, "size": decoded.image.size}))
"""


@pytest.mark.slow  # makes and decodes a 36-MP image
@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KB is Linux's")
def test_a_huge_transparent_image_is_shrunk_without_full_size_copies(tmp_path: Path) -> None:
    width, height = 6000, 6000  # 36 MP: 144 MB once decoded (four bytes per pixel)
    huge = Image.linear_gradient("L").resize((width, height))
    rgba = Image.merge("RGBA", (huge, huge.transpose(Image.Transpose.ROTATE_90), huge, huge))
    rgba.save(tmp_path / "huge.png", compress_level=1)
    del huge, rgba
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(tmp_path / "huge.png")], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    measured = json.loads(done.stdout)
    decoded_mb = width * height * 4 / MB
    assert measured["size"] == [256, 256]
    assert measured["grew_kb"] / 1024 < decoded_mb * 1.6, measured  # one full-size copy would pass 2×


@pytest.mark.parametrize(("fmt", "junk_bytes"), [("PNG", 190 * MB), ("JPEG", 3 * MB), ("GIF", 2 * MB)])
async def test_trailing_junk_is_not_stored_and_the_hash_is_of_what_is_stored(
        services: Services, campaign: CampaignInfo, tmp_path: Path, fmt: str, junk_bytes: int) -> None:
    picture = io.BytesIO()
    Image.new("RGB", (240, 160), "crimson").save(picture, format=fmt)
    image = picture.getvalue()
    source = tmp_path / f"with junk.{fmt.lower()}"
    with source.open("wb") as handle:
        handle.write(image)
        handle.write(os.urandom(64 * 1024))
        handle.truncate(len(image) + junk_bytes)  # the rest of the junk: zeros
    [outcome] = (await services.library.import_sources(campaign.id, [str(source)])).outcomes
    assert outcome.result is ImportResult.IMPORTED, outcome.reason
    [asset] = await services.library.list_assets(campaign.id)
    stored = services.library.asset_path(asset).read_bytes()
    assert stored == image
    assert (asset.bytes, asset.sha256) == (len(image), hashlib.sha256(image).hexdigest())
    [again] = (await services.library.import_sources(campaign.id, [str(source)])).outcomes
    assert (again.result, again.asset_id) == (ImportResult.DUPLICATE, outcome.asset_id)


async def test_a_little_trailing_data_is_kept_byte_for_byte(services: Services, campaign: CampaignInfo,
                                                            tmp_path: Path) -> None:
    source = make_image(tmp_path / "padded.png", (120, 80), seed=2)
    with source.open("ab") as handle:
        handle.write(b"\0" * 4096)
    [outcome] = (await services.library.import_sources(campaign.id, [str(source)])).outcomes
    assert outcome.result is ImportResult.IMPORTED
    [asset] = await services.library.list_assets(campaign.id)
    assert services.library.asset_path(asset).read_bytes() == source.read_bytes()
