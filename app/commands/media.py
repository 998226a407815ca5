"""``combine``: join a job's clips into one video (DESIGN.md §5)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands.common import CommandError, print_json, to_jsonable
from app.core.domain import Transition
from app.core.generation.errors import GenerationError
from app.core.media.combine import CombineError, CombineOptions
from app.core.services import Services


async def cmd_combine(args: argparse.Namespace, services: Services) -> int:
    """Combine job ``ID`` into ``-o OUT``; prints the output path, or one JSON document with ``--json``."""
    options = CombineOptions(transition=Transition(args.transition), aspect=args.aspect,
                             music_path=Path(args.music).expanduser().absolute() if args.music else None)
    output = Path(args.output).expanduser().absolute()
    show_progress = sys.stderr.isatty() and not args.json
    try:
        result = await services.generation.combine(args.job_id, options, output=output,
                                                   on_progress=_print_progress if show_progress else None)
    except (CombineError, GenerationError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        if show_progress:
            sys.stderr.write("\n")
    if args.json:
        print_json({"job_id": args.job_id, **to_jsonable(result)})
    else:
        print(result.output_path)
    return 0


def _print_progress(fraction: float) -> None:
    sys.stderr.write(f"\rcombining… {fraction * 100:5.1f}%")
    sys.stderr.flush()
