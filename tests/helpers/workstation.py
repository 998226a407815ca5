"""A second workstation for the team-library tests: a process of its own, with its own cache folder and,
optionally, another host name, that opens the same team library and does one thing, reporting on standard output.

    python -m tests.helpers.workstation --library URL --store DIR --data-dir DIR [--host NAME] ACTION ...

Actions: ``watch SECONDS`` (prints "listening", then one JSON line per change heard: its time and its contents),
``hold JOB TTL`` (takes the job's lease, prints "held", renews it until killed), ``notes ASSET VERSION TEXT``
(saves notes read at VERSION; prints "saved N" or "conflict" with the other's text as JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from pathlib import Path


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--library", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--host", default=None)
    parser.add_argument("action", choices=("watch", "hold", "notes"))
    parser.add_argument("values", nargs="*")
    return parser.parse_args(argv)


def _say(text: str) -> None:
    print(text, flush=True)


async def _main(args: argparse.Namespace) -> int:
    from app.config import resolve_location
    from app.core.db.server_watcher import ServerChangeWatcher
    from app.core.generation import lease
    from app.core.library.service import NotesConflict
    from app.core.services import open_services

    location, password = resolve_location(Path(args.data_dir), args.library, args.store)
    services = open_services(location, password=password)
    db = services.db
    try:
        if args.action == "watch":
            loop = asyncio.get_running_loop()
            watcher = ServerChangeWatcher(db.listener_params(), db.origin,
                                          lambda c: _say(json.dumps({"t": time.time(), "changes": c.to_json()})),
                                          loop)
            watcher.start()
            await asyncio.to_thread(watcher.wait_listening, 10)
            _say("listening")
            await asyncio.sleep(float(args.values[0]))
            watcher.stop()
        elif args.action == "hold":
            job_id, ttl = int(args.values[0]), float(args.values[1])
            other = await db.run(lambda s: lease.acquire(s, job_id, db.origin, ttl))
            if other is not None:
                _say(f"refused {other.host}")
                return 1
            _say("held")
            while True:
                await asyncio.sleep(ttl / 3)
                await db.run(lambda s: lease.renew(s, job_id, db.origin, ttl))
        else:
            asset_id, version, text = int(args.values[0]), int(args.values[1]), args.values[2]
            try:
                saved = await services.library.set_notes(asset_id, text, version=version)
            except NotesConflict as exc:
                _say(json.dumps({"conflict": exc.theirs, "by": exc.by, "version": exc.version}))
                return 3
            _say(f"saved {saved.value.notes_version}")
    finally:
        await services.aclose()
    return 0


def main(argv: list[str]) -> int:
    args = _parse(argv)
    if args.host:  # another workstation: the lease code compares host names
        name = args.host
        socket.gethostname = lambda: name  # type: ignore[assignment]
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
