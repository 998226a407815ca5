"""Deliverables speed: a draft preview, a final export, and four formats from one decode.

Makes N clips of S seconds at the given height (16:9, 30 fps, H.264 + AAC; one clip is encoded, the rest are
copies of it under their own names, as in ``combine_bench.py``), a logo and a music bed, then times:

* a draft preview of one format (crossfades, end card, supers, loudness) against the ad's duration, first reading
  the clips themselves (a job whose clips landed before proxies, or on another workstation), then their draft
  proxies, as for a job the app ran: each clip's proxy is made at idle priority as it lands (the time to make
  them all is shown too);
* the final export of the same ad (two-pass loudness, full size) against the ad's duration;
* the same final export in four formats (16:9, 9:16, 1:1, 4:5) at once, against the one-format export.

Targets (DESIGN.md §7): draft ≤ 0.15×, final ≤ 0.8× the ad's duration, four formats ≤ 2.5× one format.

    .venv/bin/python benchmarks/deliver_bench.py                          # 10 clips of 6 s at 1080p
    .venv/bin/python benchmarks/deliver_bench.py --clips 3 --height 360   # a quick check
    .venv/bin/python benchmarks/deliver_bench.py --preset faster          # try another x264 preset
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw

from app.core.media import deliver_graph, render
from app.core.media.brand_kit import BrandKit
from app.core.media.deliver_options import DeliverOptions
from app.core.media.ffmpeg import run_ffmpeg
from app.core.media.probe import probe
from app.core.media.proxies import make_proxy
from app.core.media.render import DeliverClip, render_deliverables


async def make_clips(folder: Path, count: int, seconds: float, height: int) -> list[Path]:
    width = 2 * round(height * 16 / 9 / 2)
    first = folder / "clip-00.mp4"
    await run_ffmpeg(["-f", "lavfi", "-i", f"testsrc2=s={width}x{height}:r=30:d={seconds}",
                      "-f", "lavfi", "-i", f"sine=f=440:d={seconds}:sample_rate=48000",
                      "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-g", "60",
                      "-c:a", "aac", "-ac", "2", "-movflags", "+faststart", str(first)], what="making a clip")
    clips = [first]
    for index in range(1, count):
        copy = folder / f"clip-{index:02d}.mp4"
        shutil.copyfile(first, copy)
        clips.append(copy)
    return clips


def make_logo(path: Path) -> Path:
    image = Image.new("RGBA", (600, 300), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, 299, 299), fill=(255, 204, 0, 255))
    draw.rectangle((330, 60, 599, 240), fill=(0, 160, 80, 255))
    image.save(path)
    return path


@dataclasses.dataclass
class Run:
    wall_s: float
    cpu_s: float  # FFmpeg's user + system time: what the run costs whatever else the machine is doing
    duration_s: float

    @property
    def idle_estimate_s(self) -> float:
        """The wall time on an otherwise idle machine if the work kept every core busy (a lower bound)."""
        return max(self.cpu_s / (os.cpu_count() or 1), 0.0)


async def timed(clips: list[DeliverClip], options: DeliverOptions, brand: BrandKit, output: Path,
                proxy_dir: Path | None = None) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    results = await render_deliverables(clips, options, brand, output, proxy_dir=proxy_dir)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, results[0].duration_s)


async def timed_proxies(clips: list[DeliverClip], folder: Path) -> Run:
    """Make every clip's draft proxy, one after another (as ``ProxyMaker.prepare`` does)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    for clip in clips:
        assert clip.info is not None
        await make_proxy(folder, clip.path, clip.info)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Run(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 0.0)


def line(name: str, run: Run, reference: float, target: str) -> str:
    return (f"{name:<20} wall {run.wall_s:7.2f} s = {run.wall_s / reference:.3f}×, FFmpeg CPU {run.cpu_s:7.2f} s "
            f"(÷ cores = {run.idle_estimate_s / reference:.3f}×)  {target}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--preset", help="x264 preset of the final render (default: the engine's)")
    parser.add_argument("--skip-formats", action="store_true", help="skip the four-format run")
    args = parser.parse_args()
    if args.preset:
        final = dataclasses.replace(deliver_graph.FINAL, preset=args.preset)
        deliver_graph.FINAL = final
        render.FINAL = final
    with tempfile.TemporaryDirectory(prefix="deliver-bench-") as tmp:
        folder = Path(tmp)
        files = await make_clips(folder, args.clips, args.seconds, args.height)
        music = folder / "music.m4a"
        await run_ffmpeg(["-f", "lavfi", "-i", f"sine=f=220:d={args.seconds * 2}:sample_rate=48000", "-c:a", "aac",
                          str(music)], what="making music")
        clips = [DeliverClip(path, await probe(path), focus=(0.3 + 0.04 * i, 0.5)) for i, path in enumerate(files)]
        brand = BrandKit(campaign="Bench", colors=("#1a3c8f", "#ffcc00"), logo_path=make_logo(folder / "logo.png"),
                         cta="Order today", product_url="acme.example/spring",
                         key_messages=tuple(f"Key message number {i + 1}" for i in range(args.clips)))
        common = dict(transition="crossfade", end_card=True, music=music, clip_audio="mix", loudness=-14,
                      fit="crop")
        load = os.getloadavg()[0]
        draft = await timed(clips, DeliverOptions(**common, draft=True), brand, folder / "draft.mp4")
        proxies = folder / "proxies"
        making = await timed_proxies(clips, proxies)
        proxied = await timed(clips, DeliverOptions(**common, draft=True), brand, folder / "draft-proxies.mp4",
                              proxy_dir=proxies)
        final = await timed(clips, DeliverOptions(**common, aspect="16:9"), brand, folder / "final.mp4")
        four = None
        if not args.skip_formats:
            four = await timed(clips, DeliverOptions(**common, formats="16:9,9:16,1:1,4:5"), brand, folder / "formats")
        load_after = os.getloadavg()[0]

    info = clips[0].info
    duration = draft.duration_s
    print(f"clips: {args.clips} × {args.seconds:g} s at {info.width}x{info.height} {info.fps:g} fps; "
          f"ad {duration:.2f} s (crossfades, {args.clips} supers, 3 s end card, music, -14 LUFS); "
          f"final preset {deliver_graph.FINAL.preset}; {os.cpu_count()} cores, load {load:.1f} → {load_after:.1f}")
    print("times as a multiple of the ad's duration:")
    print(line("draft, no proxies", draft, duration, "(target ≤ 0.15)"))
    print(line("  making proxies", making, duration, f"(as the {len(clips)} clips land, idle priority)"))
    print(line("draft, as landed", proxied, duration, "(target ≤ 0.15; reads the proxies)"))
    print(line("final, one format", final, duration, "(target ≤ 0.8)"))
    if four is not None:
        print(line("final, four formats", four, duration, ""))
        print(f"four formats ÷ one format: wall {four.wall_s / final.wall_s:.2f}×, "
              f"CPU {four.cpu_s / final.cpu_s:.2f}× (target ≤ 2.5)")


if __name__ == "__main__":
    asyncio.run(main())
