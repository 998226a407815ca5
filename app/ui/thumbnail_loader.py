"""Thumbnails for views: loaded off the GUI thread, newest request first, kept in an LRU bounded by bytes."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from app.core.domain import AssetInfo
from app.core.library.store import AssetStore
from app.core.library.thumbnails import ensure_thumbnail, thumbnail_path

log = logging.getLogger(__name__)


class PixmapCache:
    """An LRU of pixmaps that evicts the least recently used once ``max_bytes`` is exceeded."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._items: OrderedDict[int, QPixmap] = OrderedDict()

    def get(self, key: int) -> QPixmap | None:
        pixmap = self._items.get(key)
        if pixmap is not None:
            self._items.move_to_end(key)
        return pixmap

    def put(self, key: int, pixmap: QPixmap) -> None:
        if key in self._items:
            self.bytes -= _cost(self._items.pop(key))
        self._items[key] = pixmap
        self.bytes += _cost(pixmap)
        while self.bytes > self.max_bytes and len(self._items) > 1:
            _, evicted = self._items.popitem(last=False)
            self.bytes -= _cost(evicted)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.bytes = 0


def _cost(pixmap: QPixmap) -> int:
    return pixmap.width() * pixmap.height() * max(1, pixmap.depth() // 8)


class ThumbnailLoader(QObject):
    """Asks for a thumbnail with ``pixmap(asset)``: returns it if cached, else loads it and emits ``loaded``.

    Decoding (and making a missing thumbnail) runs on worker threads; requests are served newest first so the
    rows a user scrolls to appear before the ones scrolled past. ``QPixmap`` is only made on the GUI thread.
    """

    loaded = Signal(int)  # asset id
    failed = Signal(int, str)
    _decoded = Signal(int, QImage)

    def __init__(self, store: AssetStore, thumbs_dir: Path, size: int = 256, *, workers: int = 2,
                 max_bytes: int = 96 * 1024 * 1024, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.thumbs_dir = thumbs_dir
        self.size = size
        self.cache = PixmapCache(max_bytes)
        self._pending: OrderedDict[int, AssetInfo] = OrderedDict()
        self._in_flight: set[int] = set()
        self._failed: set[int] = set()
        self._lock = threading.Condition()
        self._stopped = False
        self._decoded.connect(self._store_decoded)
        self._threads = [threading.Thread(target=self._work, name=f"thumbs-{i}", daemon=True) for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def pixmap(self, asset: AssetInfo) -> QPixmap | None:
        """The cached thumbnail, or None after queueing it (``loaded`` follows)."""
        cached = self.cache.get(asset.id)
        if cached is not None or asset.id in self._failed:
            return cached
        with self._lock:
            if asset.id not in self._in_flight:
                self._pending[asset.id] = asset
                self._pending.move_to_end(asset.id)
                self._lock.notify()
        return None

    def forget_pending(self) -> None:
        """Drop queued requests (the view now shows something else)."""
        with self._lock:
            self._pending.clear()

    def invalidate(self, asset_id: int) -> None:
        self._failed.discard(asset_id)

    def stop(self) -> None:
        """Stop the workers (queued requests are dropped)."""
        with self._lock:
            self._stopped = True
            self._pending.clear()
            self._lock.notify_all()
        for thread in self._threads:
            thread.join(timeout=2)

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._stopped:
                    self._lock.wait()
                if self._stopped:
                    return
                asset_id, asset = self._pending.popitem(last=True)  # newest first
                self._in_flight.add(asset_id)
            try:
                target = thumbnail_path(self.thumbs_dir, asset.sha256)
                ensure_thumbnail(self.store.path_for(asset.sha256, asset.format), target, self.size)
                image = QImage(str(target))
                if image.isNull():
                    raise ValueError("the thumbnail could not be decoded")
                if not self._stopped:
                    self._decoded.emit(asset_id, image)
            except Exception as exc:  # a bad file must not stop the worker
                log.warning("thumbnail of asset %s failed: %s", asset_id, exc)
                self._failed.add(asset_id)
                if not self._stopped:
                    self.failed.emit(asset_id, str(exc))
            finally:
                with self._lock:
                    self._in_flight.discard(asset_id)

    def _store_decoded(self, asset_id: int, image: QImage) -> None:
        self.cache.put(asset_id, QPixmap.fromImage(image))
        self.loaded.emit(asset_id)
