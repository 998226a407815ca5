"""Combine speed: joining clips by stream copy against the same join re-encoded, and a crossfade.

Makes N clips of S seconds at the given height (16:9, 30 fps, H.264 + AAC, as a video model delivers them:
one clip is encoded, the rest are copies of it under their own names), then in one run times:

* the cut by stream copy (concat demuxer, ``-c copy``: what ``combine`` does when the clips match);
* the same cut re-encoded once (libx264 + AAC through the filter graph), and the ratio of the two;
* a crossfade of the same clips (always an encode), as a multiple of the output's duration
  (below 1.0 means faster than real time).

    .venv/bin/python benchmarks/combine_bench.py                          # 10 clips of 6 s at 1080p
    .venv/bin/python benchmarks/combine_bench.py --clips 3 --height 360   # a quick check
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.core.domain import Transition
from app.core.media.combine import ClipInput, CombineOptions, CombinePlan, plan_combine
from app.core.media.ffmpeg import run_ffmpeg
from app.core.media.probe import probe


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


async def timed(plan: CombinePlan, list_path: Path) -> float:
    if plan.stream_copy:
        list_path.write_text(plan.concat_list, encoding="utf-8")
    started = time.perf_counter()
    await run_ffmpeg(plan.args, duration_s=plan.duration_s, what="combining")
    return time.perf_counter() - started


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--crossfade", type=float, default=0.5)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="combine-bench-") as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        files = await make_clips(folder, args.clips, args.seconds, args.height)
        made_s = time.perf_counter() - started
        started = time.perf_counter()
        infos = [await probe(path) for path in files]
        probe_s = time.perf_counter() - started
        clips = [ClipInput(path, info, f"clip {i + 1}") for i, (path, info) in enumerate(zip(files, infos,
                                                                                              strict=True))]
        list_path = folder / "list.txt"

        def plan(options: CombineOptions, name: str, allow_copy: bool = True) -> CombinePlan:
            return plan_combine(clips, options, settings, output=folder / name, list_path=list_path,
                                allow_copy=allow_copy)

        copy_plan = plan(CombineOptions(), "copy.mp4")
        encode_plan = plan(CombineOptions(), "encode.mp4", allow_copy=False)
        fade_plan = plan(CombineOptions(transition=Transition.CROSSFADE, crossfade_s=args.crossfade), "xfade.mp4")
        assert copy_plan.stream_copy and not encode_plan.stream_copy and not fade_plan.stream_copy
        copy_s = await timed(copy_plan, list_path)
        encode_s = await timed(encode_plan, list_path)
        fade_s = await timed(fade_plan, list_path)
        fade_out = (await probe(folder / "xfade.mp4")).duration_s
        cut_out = (await probe(folder / "copy.mp4")).duration_s

    print(f"clips: {args.clips} × {args.seconds:g} s at {infos[0].width}x{infos[0].height} "
          f"{infos[0].fps:g} fps (made in {made_s:.2f} s, probed in {probe_s:.2f} s)")
    print(f"cut, stream copy:  {copy_s:8.3f} s  for {cut_out:.2f} s of video")
    print(f"cut, re-encoded:   {encode_s:8.3f} s  → stream copy is {encode_s / copy_s:.0f}× faster")
    print(f"crossfade {args.crossfade:g} s:    {fade_s:8.3f} s  for {fade_out:.2f} s of video "
          f"= {fade_s / fade_out:.2f}× the output's duration")


if __name__ == "__main__":
    asyncio.run(main())
