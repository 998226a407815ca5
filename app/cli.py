"""Command line: the GUI by default, headless sub-commands otherwise (DESIGN.md §5).

Handlers are named as ``module:function`` and imported only when their command runs, so starting the GUI
does not import the whole CLI and each area keeps its commands in its own module under ``app.commands``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

from app import __version__
from app.config import resolve_data_dir, resolve_location

Handler = Callable[..., Awaitable[int]]
log = logging.getLogger(__name__)

TRANSITIONS = ("cut", "crossfade", "fade")
ASPECTS = ("16:9", "9:16", "1:1", "source")
SPEND_GROUPS = ("client", "campaign", "model", "month")


def _day(text: str) -> date:
    """A ``YYYY-MM-DD`` argument (a wrong one is a usage error, exit status 2)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use YYYY-MM-DD") from None


def _transitions(text: str) -> str:
    """``cut``, ``crossfade``, ``fade``, an xfade name, or one per join separated by commas."""
    from app.core.media.transitions import TRANSITION_CHOICES

    for name in text.split(","):
        if name.strip().lower() not in TRANSITION_CHOICES:
            raise argparse.ArgumentTypeError(f"invalid choice: {name.strip()!r} (choose from cut, crossfade, fade "
                                             "or an FFmpeg xfade name such as wipeleft, slideup, circleopen)")
    return text


def _formats(text: str) -> str:
    from app.core.media.formats import parse_formats

    try:
        parse_formats(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _add(sub: Any, name: str, handler: str, help_text: str, *, library: bool = True) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler, needs_library=library)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pairframe", description="Pairframe: campaign images to a video ad.")
    parser.add_argument("--version", action="version", version=f"Pairframe {__version__}")
    parser.add_argument("--data-dir", metavar="DIR", help="library folder (default: PAIRFRAME_DATA_DIR or the "
                        "per-user data folder)")
    parser.add_argument("--library", metavar="URL", help="a team library: postgresql://USER@HOST:PORT/DATABASE "
                        "(default: PAIRFRAME_LIBRARY, then the one chosen in Settings, else the local folder)")
    parser.add_argument("--store", metavar="DIR", help="the team library's shared store folder (an SMB/NFS mount; "
                        "default: PAIRFRAME_STORE)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to standard error")
    parser.add_argument("--quit-after", type=float, default=None, metavar="SECONDS", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = _add(sub, "gui", "app.ui.application:run_gui_command", "open the main window (the default)")

    p = _add(sub, "client", "", "manage clients")
    client_sub = p.add_subparsers(dest="client_command", metavar="ACTION", required=True)
    p = _add(client_sub, "add", "app.commands.library:cmd_client_add", "add a client")
    p.add_argument("name")
    p.add_argument("--homepage", default="")
    p.add_argument("--colors", default="", help="brand colours, comma separated (#1a2b3c,#ffffff)")
    p.add_argument("--tone", default="")
    p.add_argument("--restrictions", default="")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "campaign", "", "manage campaigns")
    campaign_sub = p.add_subparsers(dest="campaign_command", metavar="ACTION", required=True)
    p = _add(campaign_sub, "add", "app.commands.library:cmd_campaign_add", "add a campaign to a client")
    p.add_argument("--client", required=True, help="client name or id")
    p.add_argument("name")
    p.add_argument("--goal", default="")
    p.add_argument("--audience", default="")
    p.add_argument("--key-message", action="append", default=[], dest="key_messages")
    p.add_argument("--product-url", default="")
    p.add_argument("--budget", type=float, default=None, help="budget in USD")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "clients", "app.commands.library:cmd_clients", "list clients")
    p.add_argument("--json", action="store_true")
    p = _add(sub, "campaigns", "app.commands.library:cmd_campaigns", "list campaigns")
    p.add_argument("--client", default=None)
    p.add_argument("--json", action="store_true")

    p = _add(sub, "import", "app.commands.library:cmd_import", "import image files, folders and http(s) URLs")
    p.add_argument("--campaign", required=True, help="campaign name or id")
    p.add_argument("--json", action="store_true")
    p.add_argument("sources", nargs="+", metavar="PATH_OR_URL")

    p = _add(sub, "assets", "app.commands.library:cmd_assets", "list a campaign's assets")
    p.add_argument("--campaign", required=True)
    p.add_argument("--json", action="store_true")

    p = _add(sub, "pair", "app.commands.pairing:cmd_pair", "suggest first→last frame pairs for a campaign")
    p.add_argument("--campaign", required=True)
    p.add_argument("--count", type=int, default=None, help="how many pairs (default: the pairer decides)")
    p.add_argument("--pairer", choices=("grok", "local"), default=None,
                   help="default: grok when an xAI key is set, else local")
    p.add_argument("--chain", action="store_true", help="a storyline A→B, B→C, …")
    p.add_argument("--endpoint", default=None, metavar="URL",
                   help="pair on this OpenAI-compatible vision server (e.g. http://127.0.0.1:11434/v1)")
    p.add_argument("--vision-model", default=None, metavar="NAME", help="the vision model to ask on --endpoint")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "generate", "app.commands.generation:cmd_generate",
             "make every clip at once, wait, combine, print the output path")
    p.add_argument("--campaign", required=True)
    p.add_argument("--preset", default=None, metavar="NAME", help="a quality preset (see `presets`); --model, "
                   "--duration, --resolution and --transition override its fields")
    p.add_argument("--model", default=None, help="model id (see `models`); default: local without a key")
    p.add_argument("--ab", default=None, metavar="MODEL_A,MODEL_B[,MODEL_C]", help="make every pair on two or "
                   "three models to compare (pick winners with `ab`); the ad uses the winners, else variant A")
    p.add_argument("--duration", type=float, default=None, help="seconds per clip (snapped to the model)")
    p.add_argument("--aspect", default="16:9", choices=ASPECTS[:3])
    p.add_argument("--resolution", default=None)
    p.add_argument("--transition", choices=TRANSITIONS, default=None, help="default: the preset's, else cut")
    p.add_argument("--music", default=None, metavar="FILE")
    p.add_argument("--yes", action="store_true", help="do not ask before paying")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", default=None, metavar="OUT")
    p.add_argument("--no-qc", action="store_true", help="do not check the clips' quality as they arrive")

    p = _add(sub, "jobs", "app.commands.generation:cmd_jobs", "list jobs")
    p.add_argument("--json", action="store_true")
    p = _add(sub, "job", "app.commands.generation:cmd_job", "show one job and its clips")
    p.add_argument("job_id", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p = _add(sub, "resume", "app.commands.generation:cmd_resume", "re-attach to a job's clips and finish it")
    p.add_argument("job_id", type=int, metavar="ID")
    p.add_argument("--json", action="store_true")
    p = _add(sub, "cancel", "app.commands.generation:cmd_cancel", "cancel a job's unfinished clips")
    p.add_argument("job_id", type=int, metavar="ID")
    p = _add(sub, "retry", "app.commands.generation:cmd_retry", "make failed, canceled or interrupted clips again "
             "(all of the job's, or the numbered ones), optionally with another model or prompt")
    p.add_argument("job_id", type=int, metavar="JOB")
    p.add_argument("clips", type=int, nargs="*", metavar="CLIP", help="clip numbers as `job` shows them")
    p.add_argument("--model", default=None, help="model id (see `models`); default: each clip's own")
    p.add_argument("--prompt", default=None, help="a new prompt (for one clip)")
    p.add_argument("--failed-qc", action="store_true", help="make the clips that failed QC again, with what QC "
                   "found folded into their prompts (the estimate is shown first)")
    p.add_argument("--yes", action="store_true", help="do not ask before paying (--failed-qc)")
    p.add_argument("--json", action="store_true")
    p = _add(sub, "qc", "app.commands.qc:cmd_qc", "check (or check again) the quality of a job's clips")
    p.add_argument("job_id", type=int, metavar="JOB")
    p.add_argument("--brand", action="store_true", help="also show each clip's frames to the vision model with the "
                   "brand's rules (paid, recorded in the ledger)")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "ab", "app.commands.ab:cmd_ab", "an A/B job's pairs, variants and winners (`ab JOB`), or pick "
             "a pair's winner (`ab pick JOB PAIR VARIANT`; VARIANT: A, B, C, 1, 2, 3 or the model id)")
    p.add_argument("words", nargs="+", metavar="JOB | pick JOB PAIR VARIANT")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "combine", "app.commands.media:cmd_combine", "combine a job's clips into its ad: one video, or "
             "several formats with manifests and subtitles")
    p.add_argument("job_id", type=int, metavar="ID")
    p.add_argument("--transition", type=_transitions, default="cut", metavar="NAME[,NAME...]",
                   help="cut, crossfade, fade (through black) or an xfade name; one for all joins or one per join")
    p.add_argument("--aspect", choices=(*ASPECTS[:3], "4:5", "source"), default="source")
    p.add_argument("--fit", choices=("crop", "pad"), default="pad",
                   help="crop around each clip's focus point, or pad in the brand colour (default)")
    p.add_argument("--formats", type=_formats, default=None, metavar="A,B,...",
                   help="several formats (16:9,9:16,1:1,4:5) from one pass; OUT is then a folder")
    p.add_argument("--end-card", action="store_true", help="end on a card with the logo, call to action and URL")
    p.add_argument("--end-card-seconds", type=float, default=None, metavar="S")
    p.add_argument("--cta", default=None, metavar="TEXT", help="the end card's call to action (default: the "
                   "client's)")
    p.add_argument("--supers", default="auto", metavar="auto|none|FILE.srt",
                   help="text over the clips: the campaign's key messages one per clip (auto), none, or an .srt")
    p.add_argument("--captions", action="store_true", help="draw the supers as captions (white on dark)")
    p.add_argument("--logo-bug", action="store_true", help="the client's logo in a corner over the clips")
    p.add_argument("--music", default=None, metavar="FILE")
    p.add_argument("--loudness", default="off", choices=("-14", "-23", "-24", "off"),
                   help="normalise the ad's loudness to this target in LUFS (default: off)")
    p.add_argument("--draft", action="store_true", help="a fast low-resolution preview (cached)")
    p.add_argument("--skip-failed", action="store_true", help="leave out clips without a video (failed, canceled, "
                   "interrupted, unfinished) instead of refusing; the ad's manifest lists them")
    p.add_argument("--json", action="store_true")
    p.add_argument("-o", "--output", required=True, metavar="OUT")

    p = _add(sub, "models", "app.commands.models:cmd_models", "the model catalog with limits, prices and schema "
             "checks", library=False)
    p.add_argument("--json", action="store_true")
    models_sub = p.add_subparsers(dest="models_command", metavar="ACTION")
    p = _add(models_sub, "refresh", "app.commands.models:cmd_models_refresh", "fetch each model's input schema "
             "from Replicate into this library and report what changed", library=False)
    p.add_argument("--json", action="store_true")

    p = _add(sub, "presets", "app.commands.models:cmd_presets", "quality presets: model, resolution, clip length "
             "and transition, with estimates", library=False)
    p.add_argument("--pairs", type=int, default=1, metavar="N", help="estimate for N pairs (default 1)")
    p.add_argument("--json", action="store_true")
    presets_sub = p.add_subparsers(dest="presets_command", metavar="ACTION")
    p = _add(presets_sub, "save", "app.commands.models:cmd_presets_save", "save (or replace) a preset of your own",
             library=False)
    p.add_argument("name")
    p.add_argument("--model", required=True, help="model id (see `models`)")
    p.add_argument("--resolution", default=None, help="default: the model's")
    p.add_argument("--duration", type=float, default=None, help="seconds per clip (default: the model's)")
    p.add_argument("--transition", choices=TRANSITIONS, default="cut")
    p = _add(presets_sub, "delete", "app.commands.models:cmd_presets_delete", "remove a preset of your own",
             library=False)
    p.add_argument("name")

    p = _add(sub, "spend", "app.commands.money:cmd_spend", "what was spent (from the ledger), by client, campaign, "
             "model or month")
    p.add_argument("--by", choices=SPEND_GROUPS, default="month")
    p.add_argument("--client", default=None, help="client name or id")
    p.add_argument("--campaign", default=None, help="campaign name or id")
    p.add_argument("--since", type=_day, default=None, metavar="YYYY-MM-DD", help="from this day (UTC)")
    p.add_argument("--until", type=_day, default=None, metavar="YYYY-MM-DD", help="up to and including this day")
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true")
    shape.add_argument("--csv", action="store_true")
    spend_sub = p.add_subparsers(dest="spend_command", metavar="ACTION")
    p = _add(spend_sub, "reconcile", "app.commands.money:cmd_spend_reconcile", "look each recorded prediction up on "
             "Replicate (read-only) and correct the ledger's status and amount where they differ")
    p.add_argument("--since", type=_day, default=None, metavar="YYYY-MM-DD", help="only predictions recorded from "
                   "this day (UTC)")

    p = _add(sub, "keys", "", "API keys in the OS keyring", library=False)
    keys_sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = _add(keys_sub, "set", "app.commands.keys:cmd_keys_set", "read a key from standard input into the keyring",
             library=False)
    p.add_argument("which", choices=("replicate", "xai", "vision"))
    p = _add(keys_sub, "status", "app.commands.keys:cmd_keys_status", "where each key comes from", library=False)

    p = _add(sub, "trash", "", "the originals of deleted images (kept 30 days, so a delete can be undone)")
    trash_sub = p.add_subparsers(dest="trash_command", metavar="ACTION", required=True)
    p = _add(trash_sub, "empty", "app.commands.library:cmd_trash_empty", "delete the trashed originals now "
             "(their deletions can no longer be undone)")
    p.add_argument("--older-than", type=float, default=None, metavar="DAYS",
                   help="only what was deleted more than DAYS days ago")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "sample", "app.commands.sample:cmd_sample", "create the sample client and campaign")
    p.add_argument("--json", action="store_true")

    p = _add(sub, "library", "", "where the library lives: copy it, keep a team library's password", library=False)
    library_sub = p.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    p = _add(library_sub, "copy", "app.commands.library_copy:cmd_library_copy", "copy this library (unchanged) "
             "into a team library or a folder; run it again to finish an interrupted copy", library=False)
    p.add_argument("--to", required=True, metavar="URL_OR_DIR", help="postgresql://USER@HOST:PORT/DATABASE or a "
                   "folder")
    p.add_argument("--store", dest="to_store", metavar="DIR", help="the shared store folder of a team library "
                   "target (the source's is given before the command: pairframe --library URL --store DIR ...)")
    p.add_argument("--json", action="store_true")
    p = _add(library_sub, "password", "app.commands.library_copy:cmd_library_password", "read the team library's "
             "database password from standard input into the key store", library=False)
    p.add_argument("--forget", action="store_true", help="remove the stored password instead")
    return parser


def resolve_handler(spec: str) -> Handler:
    module_name, _, function = spec.partition(":")
    return getattr(importlib.import_module(module_name), function)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit status (0 ok, 1 failed, 2 bad usage)."""
    from app.commands.common import CommandError, UsageError, disk_full_message, err

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        args.handler, args.needs_library = "app.ui.application:run_gui_command", True
    data_dir = resolve_data_dir(args.data_dir)
    from app.core.db.location import LocationError
    from app.logging_setup import configure_logging, register_secret
    configure_logging(data_dir / "logs", verbose=args.verbose, console=args.handler.startswith("app.commands"))
    try:
        location, password = resolve_location(data_dir, args.library, args.store)
    except LocationError as exc:
        err(f"pairframe: {exc}")
        return 2
    register_secret(password)  # a password given in the URL is used for this run only, and never logged
    args.location, args.password = location, password
    handler = resolve_handler(args.handler)
    if args.handler.startswith("app.ui."):
        return handler(location, args, password)
    try:
        return asyncio.run(_run(handler, args, location))
    except UsageError as exc:
        err(f"pairframe: {exc}")
        return 2
    except CommandError as exc:
        err(f"pairframe: {exc}")
        return 1
    except KeyboardInterrupt:
        err("pairframe: interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error of the work
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # a full disk is the one failure of any command that people can fix themselves
        message = disk_full_message(exc, data_dir)
        if message is None:
            raise
        err(f"pairframe: {message}")
        return 1


async def _run(handler: Handler, args: argparse.Namespace, location: Any) -> int:
    from app.commands.common import CommandError
    from app.core.db.engine import DatabaseUnavailable
    from app.core.db.location import LocationError
    from app.core.library.service import LibraryError
    from app.core.secrets import KeyFormatError

    try:
        if not args.needs_library:
            return await handler(args)
        return await _run_in_library(handler, args, location)
    except (LibraryError, KeyFormatError) as exc:  # KeyFormatError: an unusable key in the environment
        raise CommandError(str(exc)) from None
    except (DatabaseUnavailable, LocationError) as exc:  # a team library's server or share cannot be used
        raise CommandError(str(exc)) from None


async def _run_in_library(handler: Handler, args: argparse.Namespace, location: Any) -> int:
    from app.core.heap import freeze_long_lived_objects
    from app.core.services import open_services

    services = open_services(location, password=args.password)
    freeze_long_lived_objects()
    await asyncio.to_thread(services.remove_stale_files)
    try:
        return await handler(args, services)
    finally:
        await services.aclose()


if __name__ == "__main__":
    sys.exit(main())
