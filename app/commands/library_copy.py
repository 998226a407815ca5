"""``library copy`` (a local library into a team library and back) and ``library password`` (the key store)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from app.commands.common import CommandError, UsageError, err, print_json
from app.config import resolve_location
from app.core.db.engine import DatabaseUnavailable
from app.core.db.location import LibraryLocation, LocationError
from app.core.library_copy import CopyError, CopyReport, copy_library, open_source, open_target
from app.core.secrets import KeySource, SecretStore


def _password_for(location: LibraryLocation, given: str | None, secrets: SecretStore) -> str | None:
    if location.server is None:
        return None
    return given or secrets.database_password(location.server.account)


async def cmd_library_copy(args: argparse.Namespace) -> int:
    """Copy the library this command line names into ``--to``; verify it; run again to finish an interrupted one."""
    source_location: LibraryLocation = args.location
    try:
        target_location, target_password = resolve_location(source_location.data_dir, args.to, args.to_store)
    except LocationError as exc:
        raise UsageError(str(exc)) from None
    if target_location.server is None and args.to_store:
        raise UsageError("--to-store belongs to a team library target (--to postgresql://...)")
    secrets = SecretStore()
    source_password = _password_for(source_location, args.password, secrets)
    target_password = _password_for(target_location, target_password, secrets)

    def run() -> CopyReport:
        source = open_source(source_location, source_password)
        try:
            target = open_target(target_location, target_password)
            try:
                return copy_library(source, target, progress=lambda line: err(f"library copy: {line}"))
            finally:
                target.engine.dispose()
        finally:
            source.engine.dispose()

    try:
        report = await asyncio.to_thread(run)
    except (CopyError, DatabaseUnavailable) as exc:
        raise CommandError(f"{exc} (the source library is unchanged)") from None
    if args.json:
        print_json(report)
    else:
        total = sum(report.rows.values())
        print(f"Copied into {target_location.describe()}: {total} row(s) in all ({report.rows_added} added now), "
              f"{report.files_copied} file(s) copied, {report.files_present} already there; "
              f"{report.files_verified} file(s) and every table's row count verified.")
    return 0


def _read_password() -> str:
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        try:
            return getpass.getpass("Database password: ")
        except EOFError:
            return ""
    return sys.stdin.read().rstrip("\r\n")


async def cmd_library_password(args: argparse.Namespace) -> int:
    """Keep (or with ``--forget`` remove) the team library's database password in the OS key store."""
    location: LibraryLocation = args.location
    if location.server is None:
        raise UsageError("name the team library: pairframe --library postgresql://USER@HOST:PORT/DATABASE "
                         "--store DIR library password")
    secrets = SecretStore()
    account = location.server.account
    if args.forget:
        await asyncio.to_thread(secrets.delete_database_password, account)
        print(f"Removed the stored password of {location.server.display()}.")
        return 0
    password = args.password or await asyncio.to_thread(_read_password)
    if not password:
        raise UsageError("no password on standard input (pipe it in, or type it at the hidden prompt)")
    source = await asyncio.to_thread(secrets.set_database_password, account, password)
    if source is not KeySource.KEYRING:
        raise CommandError("no secure key store: the password was kept for this process only, so nothing was saved")
    print(f"Stored the password of {location.server.display()} in the OS key store ({secrets.backend_name()}).")
    return 0
