"""Real video clips, job rows and measurements for the combine tests (everything through the bundled FFmpeg)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from app.core.db.models import Asset, Clip, Job
from app.core.media.ffmpeg import ffmpeg_exe
from app.core.money import ledger
from app.core.money.charges import prediction_charge
from app.core.services import Services


def ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args], capture_output=True, check=False)


def make_clip(path: Path, *, size: tuple[int, int] = (320, 180), fps: int = 30, duration: float = 1.0,
              audio: bool = True, freq: int = 440, faststart: bool = False, color: str | None = None) -> Path:
    """An H.264 (+ AAC) MP4 of the moving test pattern, or of one ``color`` (and a sine tone)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    source = f"color=c={color}:" if color else "testsrc2="
    args = ["-f", "lavfi", "-i", f"{source}s={size[0]}x{size[1]}:r={fps}:d={duration}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=f={freq}:d={duration}:sample_rate=48000"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(fps)]
    args += ["-c:a", "aac", "-ac", "2"] if audio else []
    args += ["-movflags", "+faststart"] if faststart else []
    result = ffmpeg(*args, str(path))
    assert result.returncode == 0, result.stderr.decode()[-800:]
    return path


def make_tone(path: Path, *, duration: float = 10.0, freq: int = 1000) -> Path:
    """A constant sine tone (music whose loudness only the fades change)."""
    result = ffmpeg("-f", "lavfi", "-i", f"sine=f={freq}:d={duration}:sample_rate=44100", "-c:a", "aac", str(path))
    assert result.returncode == 0, result.stderr.decode()[-800:]
    return path


async def add_job(services: Services, clips: Sequence[Path | str], *, brand_colors: Sequence[str] = (),
                  client: str = "Acme", campaign: str = "Spring", with_assets: bool = False,
                  statuses: Sequence[str] | None = None) -> int:
    """A client, campaign, job and one clip row per file (succeeded unless ``statuses`` says otherwise)."""
    existing = [c for c in await services.library.list_clients() if c.name == client]
    owner = existing[0] if existing else (await services.library.create_client(client, brand_colors=brand_colors)).value
    campaigns = [c for c in await services.library.list_campaigns(owner.id) if c.name == campaign]
    camp = campaigns[0] if campaigns else (await services.library.create_campaign(owner.id, campaign)).value

    def work(s: Session) -> int:
        job = Job(campaign_id=camp.id, model_id="local", duration_s=1.0, aspect="16:9", status="succeeded")
        s.add(job)
        s.flush()
        for index, file in enumerate(clips):
            first = last = None
            if with_assets:
                first = Asset(client_id=owner.id, sha256=f"{index:02d}a" * 21 + "a", original_name=f"first-{index}.jpg",
                              source="test", format="jpeg", width=320, height=180, bytes=1)
                last = Asset(client_id=owner.id, sha256=f"{index:02d}b" * 21 + "b", original_name=f"last-{index}.jpg",
                             source="test", format="jpeg", width=320, height=180, bytes=1)
                s.add_all([first, last])
                s.flush()
            status = statuses[index] if statuses else "succeeded"
            clip = Clip(job_id=job.id, position=index + 1, model_id="local", status=status, file_path=str(file),
                        prompt=f"prompt {index}", prediction_id=f"pred-{job.id}-{index}",
                        first_asset_id=first.id if first else None, last_asset_id=last.id if last else None)
            s.add(clip)
            s.flush()
            paid = prediction_charge("replicate", clip.prediction_id, "local", "run", 0.25 * (index + 1), "succeeded",
                                     output_s=1.0)  # each clip cost 0.25 × its position
            ledger.record(s, paid.owned_by(campaign_id=camp.id, job_id=job.id, clip_id=clip.id))
        return job.id

    return await services.db.run(work)


def mean_volume(path: Path, start: float, length: float) -> float:
    """Mean volume in dB of ``length`` seconds from ``start`` (``volumedetect``); -91 for digital silence."""
    result = ffmpeg("-ss", f"{start}", "-t", f"{length}", "-i", str(path), "-map", "0:a:0", "-af", "volumedetect",
                    "-f", "null", "-")
    match = re.search(r"mean_volume: (-?[\d.]+|-inf) dB", result.stderr.decode())
    assert match, result.stderr.decode()[-800:]
    return -91.0 if match.group(1) == "-inf" else float(match.group(1))


def frame_pixel(path: Path, at: float, x: int, y: int) -> tuple[int, int, int]:
    """The RGB colour of one pixel of the frame shown at ``at`` seconds."""
    result = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1",
                             "-vf", f"crop=1:1:{x}:{y},format=rgb24", "-f", "rawvideo", "-"],
                            capture_output=True, check=True)
    return result.stdout[0], result.stdout[1], result.stdout[2]


def frame_brightness(path: Path, at: float) -> float:
    """Mean luma (0-255) of the frame shown at ``at`` seconds."""
    result = subprocess.run([ffmpeg_exe(), "-v", "error", "-ss", f"{at}", "-i", str(path), "-frames:v", "1",
                             "-vf", "format=gray,scale=16:16", "-f", "rawvideo", "-"], capture_output=True, check=True)
    return sum(result.stdout) / len(result.stdout)


def video_packets(path: Path) -> list[str]:
    """The size and MD5 of every compressed video packet, in order (equal lists: the bytes were copied)."""
    result = ffmpeg("-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "framemd5", "-")
    lines = [line for line in result.stdout.decode().splitlines() if line and not line.startswith("#")]
    return [",".join(part.strip() for part in line.split(",")[4:]) for line in lines]
