"""``combine``: join a job's clips into its ad, in one format or several, dressed in the brand kit (DESIGN.md §5)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.commands.ab import report_ab_combine
from app.commands.common import CommandError, err, print_json
from app.core.generation.combining import MissingClips, deliverable_record, job_transition
from app.core.generation.errors import GenerationError
from app.core.media.combine import CombineError
from app.core.media.deliver_options import DeliverError, DeliverOptions
from app.core.media.end_card import DEFAULT_SECONDS
from app.core.services import Services


def deliver_options(args: argparse.Namespace) -> DeliverOptions:
    """The ``DeliverOptions`` the command line asks for (``DeliverError`` for a value that does not fit)."""
    supers: str | Path = args.supers
    if supers.strip().lower() not in ("auto", "none"):
        supers = Path(supers).expanduser().absolute()
        if not supers.is_file():
            raise DeliverError(f"the supers file {supers} does not exist")
    return DeliverOptions(
        transition=args.transition, aspect=args.aspect, fit=args.fit, formats=args.formats or (),
        end_card=args.end_card, end_card_seconds=args.end_card_seconds or DEFAULT_SECONDS, cta=args.cta,
        supers=supers, captions=args.captions, logo_bug=args.logo_bug,
        music=Path(args.music).expanduser().absolute() if args.music else None,
        loudness=args.loudness, draft=args.draft, skip_failed=args.skip_failed)


async def cmd_combine(args: argparse.Namespace, services: Services) -> int:
    """Combine job ``ID`` into ``-o OUT`` (a folder with ``--formats``); prints each video's path, or one JSON
    document with ``--json``.

    A clip without a video refuses the combine (naming each) unless ``--skip-failed`` leaves them out."""
    show_progress = sys.stderr.isatty() and not args.json
    gen = services.generation
    try:
        options = deliver_options(args)
        output = Path(args.output).expanduser().absolute()
        results = await gen.deliver(args.job_id, options, output=output,
                                    on_progress=_print_progress if show_progress else None)
        skipped = [] if options.draft else (await gen.get_job(args.job_id)).output_meta.get("skipped") or []
        ab_choices = await report_ab_combine(services, args.job_id)
    except MissingClips as exc:
        raise CommandError(f"{exc}: add --skip-failed to combine the others") from None
    except (CombineError, DeliverError, GenerationError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        if show_progress:
            sys.stderr.write("\n")
    if skipped:
        err("Left out: " + ", ".join(f"clip {c['position']} ({c['status']})" for c in skipped))  # type: ignore[index]
    for warning in dict.fromkeys(w for r in results for w in r.warnings):
        err(f"Warning: {warning}")
    if args.json:
        print_json(_document(args.job_id, options, results, skipped)
                   | ({"ab": ab_choices} if ab_choices is not None else {}))
    else:
        for result in results:
            print(result.video_path)
    return 0


def _document(job_id: int, options: DeliverOptions, results: list[Any], skipped: list[Any]) -> dict[str, Any]:
    """The ``combine --json`` document: the first (or only) video as before, and every deliverable's files."""
    first = results[0]
    return {"job_id": job_id, "output_path": str(first.video_path), "duration_s": round(first.duration_s, 3),
            "width": first.width, "height": first.height, "clip_count": _clip_count(first.manifest_path),
            "stream_copy": first.stream_copy,
            "transition": job_transition(options), "transitions": list(options.transition),  # type: ignore[arg-type]
            "aspect": first.aspect, "has_audio": first.has_audio, "draft": options.draft, "skipped": skipped,
            "deliverables": [deliverable_record(r) for r in results]}


def _clip_count(manifest: Path) -> int:
    return len(json.loads(manifest.read_text(encoding="utf-8"))["clips"])


def _print_progress(fraction: float) -> None:
    sys.stderr.write(f"\rcombining… {fraction * 100:5.1f}%")
    sys.stderr.flush()
