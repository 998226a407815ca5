"""Quality-control speed, event-loop stalls, and the measurements behind the default thresholds.

Speed: makes one clip as a video model delivers it (the offline model's transition between two shipped sample
pictures at 1080p, with film grain, re-encoded with libx264 at ``--bitrate``), then times ``check_clip`` on it
``--repeat`` times: wall time, and the CPU time FFmpeg and the worker threads used. Target: at most 1 s.

Stalls: runs ``check_clips`` over ``--clips`` copies of that clip at once (one FFmpeg scan per core, the rest
waiting their turn) while a ticker sleeps in 5 ms steps on the event loop, and reports how late it woke (target:
no stall over 33 ms) and the CPU time of the loop's thread; first the same ticker with nothing running, since
other load on the machine delays it too.

Calibration (``--calibrate``, about two minutes): the measurements quoted in ``app/core/qc/thresholds.py``. The
twelve sample pictures, fitted to 1280×720, are encoded as they are, softened and grained at CRF 32, colour-graded,
reframed by a 3/6/10 % zoom or shifted by 3/6 % of the width, and compared with their own picture (and each clip
with the eleven other pictures); slow camera moves over each picture are searched for still stretches; darkened
night scenes are searched for black.

    .venv/bin/python benchmarks/qc_bench.py                     # 6 s 1080p at 8 Mb/s, 20 clips for the stalls
    .venv/bin/python benchmarks/qc_bench.py --bitrate 12M --fps 30 --niceness 0
    .venv/bin/python benchmarks/qc_bench.py --calibrate
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageEnhance, ImageFilter

from app.core.generation.frames import prepare_frame
from app.core.generation.providers.local_provider import transition_args
from app.core.library.images import fit_within
from app.core.media.ffmpeg import run_ffmpeg
from app.core.qc import frames
from app.core.qc.check import check_clip, check_clips
from app.core.qc.frames import reference_luma, scan_clip
from app.core.qc.similarity import picture_similarity
from app.core.qc.verdict import ClipOrder, FrameRef
from app.resources import samples_dir

TICK_S = 0.005


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def make_model_clip(folder: Path, first: Path, last: Path, *, width: int, height: int, seconds: float,
                          fps: int, bitrate: str) -> Path:
    """The offline model's transition, grained and re-encoded at a video model's frame rate and bitrate."""
    frames = [prepare_frame(source, folder / f"frame-{n}.jpg", width, height) for n, source in enumerate((first, last))]
    plain = folder / "plain.mp4"
    await run_ffmpeg(transition_args(frames[0], frames[1], plain, width, height, seconds), what="rendering")
    clip = folder / "model-clip.mp4"
    await run_ffmpeg(["-i", str(plain), "-vf", f"noise=alls=6:allf=t,fps={fps}", "-c:v", "libx264", "-preset",
                      "veryfast", "-b:v", bitrate, "-maxrate", bitrate, "-bufsize", bitrate, "-pix_fmt", "yuv420p",
                      "-movflags", "+faststart", str(clip)], what="encoding")
    return clip


async def ticker(stop: asyncio.Event, overshoots: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(TICK_S)
        overshoots.append(loop.time() - before - TICK_S)


async def speed(args: argparse.Namespace, folder: Path) -> None:
    pictures = sorted(samples_dir().glob("*.jpg"))
    first, last = pictures[0], pictures[2]
    width, height = args.width, args.height
    clip = await make_model_clip(folder, first, last, width=width, height=height, seconds=args.seconds, fps=args.fps,
                                 bitrate=args.bitrate)
    order = ClipOrder(FrameRef(first), FrameRef(last), duration_s=args.seconds, resolution=f"{height}p",
                      aspect="16:9", fps=args.fps)
    size_mb = clip.stat().st_size / 1e6
    print(f"clip: {width}×{height}, {args.seconds:g} s at {args.fps} fps, {size_mb * 8 / args.seconds:.1f} Mb/s")
    walls, cpus = [], []
    qc = None
    for _ in range(args.repeat):
        cpu_before, threads_before = children_cpu(), time.process_time()
        started = time.perf_counter()
        qc = await check_clip(clip, order)
        walls.append(time.perf_counter() - started)
        cpus.append(children_cpu() - cpu_before + time.process_time() - threads_before)
    assert qc is not None
    print(f"verdict: {qc.verdict.value} {qc.lines()} (first {qc.first_similarity}, last {qc.last_similarity})")
    print(f"check_clip wall: min {min(walls):.3f} s, median {statistics.median(walls):.3f} s, max {max(walls):.3f} s "
          f"over {args.repeat} runs (target ≤ 1 s); CPU (FFmpeg + this process) median "
          f"{statistics.median(cpus):.2f} s")

    idle: list[float] = []
    stop = asyncio.Event()
    tick = asyncio.create_task(ticker(stop, idle))
    await asyncio.sleep(2.0)
    stop.set()
    await tick
    print(f"event-loop stall with nothing running (what the rest of the machine causes): max "
          f"{max(idle) * 1000:.1f} ms, p99 {statistics.quantiles(idle, n=100)[98] * 1000:.1f} ms")

    copies = []
    for index in range(args.clips):
        copy = folder / f"copy-{index:02d}.mp4"
        shutil.copyfile(clip, copy)
        copies.append((copy, order))
    stop = asyncio.Event()
    overshoots: list[float] = []
    tick = asyncio.create_task(ticker(stop, overshoots))
    await asyncio.sleep(0.05)
    loop_cpu = time.thread_time()
    started = time.perf_counter()
    job = await check_clips(copies, chain=True)
    wall = time.perf_counter() - started
    loop_cpu = time.thread_time() - loop_cpu
    stop.set()
    await tick
    seams = sum(seam.verdict.value == "fail" for seam in job.seams)
    print(f"{args.clips} clips with check_clips (chain mode): {wall:.2f} s ({wall / args.clips:.2f} s a clip); "
          f"{seams} of {len(job.seams)} seams fail, as they must between copies of one clip")
    print(f"event-loop stall: max {max(overshoots) * 1000:.1f} ms, p99 "
          f"{statistics.quantiles(overshoots, n=100)[98] * 1000:.1f} ms over {len(overshoots)} ticks; "
          f"loop thread CPU {loop_cpu:.2f} s")
    loop_cpu = time.thread_time()
    await check_clips(copies, chain=True)
    loop_cpu = time.thread_time() - loop_cpu
    print(f"loop thread CPU of the same run without the ticker: {loop_cpu:.3f} s "
          f"({loop_cpu / args.clips * 1000:.1f} ms a clip)")


def zoomed(img: Image.Image, factor: float, shift: float = 0.0) -> Image.Image:
    width, height = img.size
    crop_w, crop_h = width / factor, height / factor
    left, top = (width - crop_w) / 2 + shift * width, (height - crop_h) / 2
    return img.resize(img.size, Image.Resampling.LANCZOS, box=(left, top, left + crop_w, top + crop_h))


VARIANTS = {
    "exact": lambda img: img,
    "soft, grain, CRF 32": lambda img: img.filter(ImageFilter.GaussianBlur(2)),
    "colour-graded": lambda img: ImageEnhance.Brightness(ImageEnhance.Color(img).enhance(1.3)).enhance(1.08),
    "zoom 3 %": lambda img: zoomed(img, 1.03),
    "zoom 6 %": lambda img: zoomed(img, 1.06),
    "zoom 10 %": lambda img: zoomed(img, 1.10),
    "shift 3 %": lambda img: zoomed(img, 1.08, 0.03),
    "shift 6 %": lambda img: zoomed(img, 1.15, 0.06),
}
MOTIONS = {
    "push-in 3 % over 6 s": "scale=2560:1440,zoompan=z='1+0.03*on/144':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                            ":d=144:s=1280x720:fps=24",
    "push-in 8 % over 6 s": "scale=2560:1440,zoompan=z='1+0.08*on/144':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
                            ":d=144:s=1280x720:fps=24",
    "pan 2 % of the width a second": "scale=1536:864,crop=1280:720:x='t*0.02*1280':y=40,fps=24",
    "still with moving grain": "scale=1280:720,noise=alls=6:allf=t,fps=24",
}


def spread(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"min {ordered[0]:.3f}  p10 {ordered[len(ordered) // 10]:.3f}  median {ordered[len(ordered) // 2]:.3f}  "
            f"p90 {ordered[len(ordered) * 9 // 10]:.3f}  max {ordered[-1]:.3f}")


async def encode_still(img: Image.Image, out: Path, crf: int, extra: str = "") -> Path:
    png = out.with_suffix(".png")
    img.save(png)
    graph = ",".join(filter(None, [extra, "format=yuv420p"]))
    await run_ffmpeg(["-loop", "1", "-framerate", "24", "-t", "0.5", "-i", str(png), "-vf", graph, "-c:v", "libx264",
                      "-preset", "veryfast", "-crf", str(crf), str(out)], what="encoding")
    return out


async def calibrate(folder: Path) -> None:
    pictures = sorted(samples_dir().glob("*.jpg"))
    size = (1280, 720)
    scores: dict[str, list[float]] = {name: [] for name in [*VARIANTS, "another picture"]}
    for index, picture in enumerate(pictures):
        with Image.open(picture) as img:
            fitted = fit_within(img.convert("RGB"), *size)
        for number, (name, make) in enumerate(VARIANTS.items()):
            softened = name.startswith("soft")
            clip = await encode_still(make(fitted), folder / f"{index}-{number}.mp4", 32 if softened else 23,
                                      "noise=alls=8:allf=t" if softened else "")
            scan = await scan_clip(clip)
            scores[name].append(picture_similarity(scan.first, reference_luma(picture, size, scan.analysis_size)))
            if name == "exact":
                scores["another picture"] += [
                    picture_similarity(scan.first, reference_luma(other, size, scan.analysis_size))
                    for other in pictures if other != picture]
    print("frame match (SSIM at 64 px) against the clip's own picture:")
    for name, values in scores.items():
        print(f"  {name:22s} {spread(values)}")

    levels = (-60.0, -55.0, -50.0)
    print("longest still stretch found (s), per noise level, over the sample pictures:")
    for name, graph in MOTIONS.items():
        longest: dict[float, list[float]] = {level: [] for level in levels}
        for index, picture in enumerate(pictures):
            clip = folder / f"motion-{index}.mp4"
            await run_ffmpeg(["-loop", "1", "-framerate", "24", "-t", "6", "-i", str(picture), "-vf",
                              f"{graph},format=yuv420p", "-t", "6", "-c:v", "libx264", "-preset", "veryfast",
                              "-crf", "23", str(clip)], what="encoding")
            for level in levels:
                scan = await scan_clip(clip, freeze_noise_db=level, freeze_min_s=0.1)
                longest[level].append(max((i.duration_s for i in scan.frozen), default=0.0))
        print(f"  {name}: " + ", ".join(f"{level:g} dB max {max(values):.2f} median {statistics.median(values):.2f}"
                                        for level, values in longest.items()))

    black = 0
    for index, picture in enumerate(pictures):
        with Image.open(picture) as img:
            fitted = fit_within(img.convert("RGB"), *size)
        clip = await encode_still(fitted, folder / f"dark-{index}.mp4", 23, "eq=brightness=-0.25:contrast=0.7")
        black += bool((await scan_clip(clip)).black)
    print(f"darkened pictures taken for black: {black} of {len(pictures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=1920)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fps", type=int, default=24)
    parser.add_argument("--bitrate", default="8M")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--clips", type=int, default=20)
    parser.add_argument("--niceness", type=int, default=frames.FFMPEG_NICENESS,
                        help="FFmpeg's niceness (0: compete with the rest of a busy machine on equal terms)")
    parser.add_argument("--calibrate", action="store_true", help="measure what the default thresholds rest on")
    args = parser.parse_args()
    frames.FFMPEG_NICENESS = args.niceness
    with tempfile.TemporaryDirectory(prefix="pairframe-qc-bench-") as folder:
        asyncio.run(calibrate(Path(folder)) if args.calibrate else speed(args, Path(folder)))


if __name__ == "__main__":
    main()
