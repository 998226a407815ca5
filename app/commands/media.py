"""``combine``: join a job's clips into one video (DESIGN.md §5)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.ab import report_ab_combine
from app.commands.common import CommandError, err, print_json, to_jsonable
from app.core.domain import Transition
from app.core.generation.combining import MissingClips
from app.core.generation.errors import GenerationError
from app.core.media.combine import CombineError, CombineOptions
from app.core.services import Services


async def cmd_combine(args: argparse.Namespace, services: Services) -> int:
    """Combine job ``ID`` into ``-o OUT``; prints the output path, or one JSON document with ``--json``.

    A clip without a video refuses the combine (naming each) unless ``--skip-failed`` leaves them out."""
    options = CombineOptions(transition=Transition(args.transition), aspect=args.aspect,
                             music_path=Path(args.music).expanduser().absolute() if args.music else None)
    output = Path(args.output).expanduser().absolute()
    show_progress = sys.stderr.isatty() and not args.json
    gen = services.generation
    try:
        result = await gen.combine(args.job_id, options, output=output, skip_failed=args.skip_failed,
                                   on_progress=_print_progress if show_progress else None)
        skipped = (await gen.get_job(args.job_id)).output_meta.get("skipped") or []
        ab_choices = await report_ab_combine(services, args.job_id)
    except MissingClips as exc:
        raise CommandError(f"{exc}: add --skip-failed to combine the others") from None
    except (CombineError, GenerationError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        if show_progress:
            sys.stderr.write("\n")
    if skipped:
        err("Left out: " + ", ".join(f"clip {c['position']} ({c['status']})" for c in skipped))  # type: ignore[index]
    if args.json:
        print_json({"job_id": args.job_id, **to_jsonable(result), "skipped": skipped}
                   | ({"ab": ab_choices} if ab_choices is not None else {}))
    else:
        print(result.output_path)
    return 0


def _print_progress(fraction: float) -> None:
    sys.stderr.write(f"\rcombining… {fraction * 100:5.1f}%")
    sys.stderr.flush()
