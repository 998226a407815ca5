"""The asset model: a valid Qt model, rows kept out of the garbage collector, updates and removals in place."""

from __future__ import annotations

import dataclasses
import gc
from datetime import datetime

from PySide6.QtCore import QMimeData, Qt, QUrl

from app.core.domain import AssetInfo, Flag
from app.ui.assets.asset_grid import sources_from_mime
from app.ui.assets.asset_model import (
    ASSET_ID_ROLE,
    ASSET_ROLE,
    AssetModel,
    asset_from_row,
    human_bytes,
    row_from_asset,
)


def _asset(i: int, **more) -> AssetInfo:
    fields = {"rating": i % 6, "flag": (Flag.NONE, Flag.PICK, Flag.REJECT)[i % 3], "notes": "",
              "tags": ("beach",) if i % 2 else (), "imported_at": datetime(2025, 1, 1, 12, 0, i % 60)}
    fields.update(more)
    return AssetInfo(i, 1, f"{i:064x}", f"IMG_{i:04d}.jpg", f"/shoot/IMG_{i:04d}.jpg", "jpeg", 4000, 3000,
                     2_500_000 + i, **fields)


def test_the_model_passes_the_model_tester_with_rows_loaded(qtmodeltester) -> None:
    model = AssetModel()
    model.set_assets([_asset(i) for i in range(1, 40)])
    qtmodeltester.check(model)
    index = model.index(2)
    assert index.data() == "IMG_0003.jpg"
    assert index.data(ASSET_ID_ROLE) == 3 and index.data(ASSET_ROLE) == _asset(3)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "IMG_0003.jpg\n4000 × 3000 · JPEG · 2.4 MB"
    model.append_rows([row_from_asset(_asset(i)) for i in range(35, 45)])  # 35..39 are shown already
    assert model.rowCount() == 44 and model.row_of(44) == 43
    qtmodeltester.check(model)


def test_rows_round_trip_and_are_not_tracked_by_the_garbage_collector() -> None:
    assets = [_asset(i) for i in range(1, 200)]
    rows = [row_from_asset(a) for a in assets]
    assert [asset_from_row(r) for r in rows] == assets
    gc.collect()
    assert not any(gc.is_tracked(r) for r in rows)
    model = AssetModel()
    model.set_rows(rows)
    model.update_assets([5], lambda a: dataclasses.replace(a, flag=Flag.REJECT, tags=("x", "y")))
    gc.collect()
    assert not gc.is_tracked(model._data[4]) and model.asset(4).flag is Flag.REJECT


def test_updates_change_rows_in_place_and_announce_only_their_span() -> None:
    model = AssetModel()
    model.set_assets([_asset(i) for i in range(1, 11)])
    changes: list[tuple[int, int]] = []
    resets: list[bool] = []
    model.dataChanged.connect(lambda top, bottom, *_: changes.append((top.row(), bottom.row())))
    model.modelReset.connect(lambda: resets.append(True))
    assert model.update_assets([3, 6, 99], lambda a: dataclasses.replace(a, rating=5)) == 2
    assert changes == [(2, 5)] and not resets
    assert [model.asset(r).rating for r in (2, 5)] == [5, 5]
    assert model.asset(3).rating == _asset(4).rating


def test_removing_ids_keeps_the_rest_in_order_and_the_index_right(qtmodeltester) -> None:
    model = AssetModel()
    model.set_assets([_asset(i) for i in range(1, 21)])
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    assert model.remove_ids([2, 3, 10, 42]) == 3
    assert removed == [(9, 9), (1, 2)]
    assert [a.id for a in model.assets()][:4] == [1, 4, 5, 6]
    assert model.row_of(11) == 7 and model.row_of(10) is None
    model.set_assets([_asset(i) for i in range(1, 200)])
    many = list(range(1, 200, 2))  # more runs than worth announcing one by one
    assert model.remove_ids(many) == len(many)
    assert [a.id for a in model.assets()] == list(range(2, 200, 2)) and model.row_of(198) == 98
    qtmodeltester.check(model)


def test_sizes_read_like_people_write_them() -> None:
    assert [human_bytes(n) for n in (512, 2048, 5 * 1024 * 1024, 3 * 1024 ** 3)] == \
        ["512 bytes", "2.0 KB", "5.0 MB", "3.0 GB"]


def test_drags_carry_local_files_and_web_addresses_only(qtbot) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/tmp/a b.jpg"), QUrl("https://example.com/x.png"), QUrl("ftp://h/y.png"),
                  QUrl.fromLocalFile("/tmp/a b.jpg")])
    assert sources_from_mime(mime) == ["/tmp/a b.jpg", "https://example.com/x.png"]
    text_only = QMimeData()
    text_only.setText("https://example.com/1.jpg\nsome words\n http://example.com/2.jpg ")
    assert sources_from_mime(text_only) == ["https://example.com/1.jpg", "http://example.com/2.jpg"]
