"""Thumbnails load off the GUI thread into a byte-bounded LRU, newest request first."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QPixmap

from app.core.domain import AssetInfo
from app.core.library.store import AssetStore, sha256_file
from app.core.library.thumbnails import thumbnail_path
from app.ui.thumbnail_loader import PixmapCache, ThumbnailLoader
from tests.helpers.images import make_image
from tests.ui.conftest import wait_until


def _stored_asset(store: AssetStore, tmp_path: Path, asset_id: int, **kwargs) -> AssetInfo:
    source = make_image(tmp_path / f"in-{asset_id}.png", seed=asset_id, **kwargs)
    sha = sha256_file(source)
    store.put_file(source, sha, "png")
    return AssetInfo(asset_id, 1, sha, source.name, str(source), "png", 640, 480, source.stat().st_size)


async def test_a_missing_thumbnail_is_made_on_a_worker_and_cached(qtbot, tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "store")
    loader = ThumbnailLoader(store, tmp_path / "thumbs", size=128)
    assets = [_stored_asset(store, tmp_path, i) for i in range(1, 6)]
    loaded: list[int] = []
    loader.loaded.connect(loaded.append)
    assert all(loader.pixmap(a) is None for a in assets)
    await wait_until(lambda: len(loaded) == 5)
    pixmap = loader.pixmap(assets[0])
    assert pixmap is not None and max(pixmap.width(), pixmap.height()) == 128
    assert thumbnail_path(tmp_path / "thumbs", assets[0].sha256).is_file()
    loader.stop()


async def test_a_broken_original_reports_failure_once(qtbot, tmp_path: Path) -> None:
    store = AssetStore(tmp_path / "store")
    asset = _stored_asset(store, tmp_path, 7)
    store.path_for(asset.sha256, "png").write_bytes(b"not a picture")
    loader = ThumbnailLoader(store, tmp_path / "thumbs", size=64)
    failures: list[int] = []
    loader.failed.connect(lambda asset_id, _message: failures.append(asset_id))
    loader.pixmap(asset)
    await wait_until(lambda: failures == [7])
    assert loader.pixmap(asset) is None  # not queued again
    loader.stop()


def test_the_cache_evicts_least_recently_used_beyond_its_byte_budget(qtbot) -> None:
    one = QPixmap(100, 100)
    cost = one.width() * one.height() * max(1, one.depth() // 8)
    cache = PixmapCache(max_bytes=cost * 3)
    for key in range(3):
        cache.put(key, QPixmap(100, 100))
    cache.get(0)  # 0 is now the most recent
    cache.put(3, QPixmap(100, 100))
    assert cache.get(1) is None and cache.get(0) is not None and len(cache) == 3
    assert cache.bytes <= cost * 3
