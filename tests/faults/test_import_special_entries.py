"""Every entry of a dropped folder gets an outcome with its true reason; nothing that is not a regular file is
opened for reading, so a named pipe cannot block the import."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from app.core.domain import CampaignInfo, ImportResult
from app.core.services import Services
from tests.helpers.images import make_image

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes and sockets are POSIX")


@pytest.fixture
async def campaign(services: Services) -> CampaignInfo:
    client = (await services.library.create_client("Acme")).value
    return (await services.library.create_campaign(client.id, "Spring")).value


@pytest.mark.timeout(30)
async def test_pipes_devices_sockets_and_broken_links_each_get_their_reason(
        services: Services, campaign: CampaignInfo, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    make_image(folder / "photo.jpg", (160, 120), seed=1)
    os.mkfifo(folder / "pipe.jpg")
    os.symlink("/dev/zero", folder / "zero.jpg")
    os.symlink(folder / "gone.jpg", folder / "broken.jpg")
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(folder / "socket.jpg"))
        explicit_pipe = tmp_path / "named.png"
        os.mkfifo(explicit_pipe)
        report = await services.library.import_sources(campaign.id, [str(folder), str(explicit_pipe)])
    outcomes = {Path(o.source).name: (o.result, o.reason) for o in report.outcomes}
    assert outcomes == {
        "broken.jpg": (ImportResult.REJECTED, "broken symbolic link"),
        "photo.jpg": (ImportResult.IMPORTED, ""),
        "pipe.jpg": (ImportResult.REJECTED, "not a regular file: a named pipe"),
        "socket.jpg": (ImportResult.REJECTED, "not a regular file: a socket"),
        "zero.jpg": (ImportResult.REJECTED, "not a regular file: a device"),
        "named.png": (ImportResult.REJECTED, "not a regular file: a named pipe"),
    }


@pytest.mark.timeout(30)
def test_a_device_swapped_in_after_the_check_is_refused_not_read(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """What is judged is the file actually opened: a photo replaced by a link to a device between the check and
    the open is refused, not copied."""
    import app.core.library.staging as staging
    from app.core.library.validate import ImportRejected

    photo = make_image(tmp_path / "photo.jpg", (160, 120), seed=1)
    real_open = os.open

    def swap_then_open(path: object, *args: object) -> int:
        if Path(str(path)) == photo:
            photo.unlink()
            os.symlink("/dev/zero", photo)
        return real_open(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(staging.os, "open", swap_then_open)
    with pytest.raises(ImportRejected, match=r"^not a regular file: a device$"):
        staging.stage_copy(photo, tmp_path / "store", 10_000_000)
    assert not [p for p in (tmp_path / "store").glob("*")]
