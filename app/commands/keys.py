"""``keys set`` and ``keys status``: API keys in the OS keyring, read from standard input, never echoed."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from app.commands.common import CommandError, UsageError, print_table
from app.core.secrets import KeyFormatError, KeyName, KeySource, SecretStore

_SOURCE_TEXT = {
    KeySource.ENVIRONMENT: "environment",
    KeySource.KEYRING: "OS keyring",
    KeySource.SESSION: "this process only",
    KeySource.NONE: "not set",
}


def _read_key(name: KeyName) -> str:
    """The key from standard input: a hidden prompt on a terminal, the whole input otherwise."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        try:
            return getpass.getpass(f"{name.label}: ")
        except EOFError:
            return ""
    return sys.stdin.read()


async def cmd_keys_set(args: argparse.Namespace) -> int:
    """Store the key given on standard input; exit 1 when no secure keyring can keep it, 2 when it is no key."""
    name = KeyName(args.which)
    value = (await asyncio.to_thread(_read_key, name)).strip()
    if not value:
        raise UsageError(f"no {name.label} on standard input (pipe it in: pairframe keys set {name.value} < FILE)")
    store = SecretStore()
    try:
        source = await asyncio.to_thread(store.set, name, value)
    except KeyFormatError as exc:
        raise UsageError(f"{exc} Nothing was stored.") from None
    if source is not KeySource.KEYRING:
        raise CommandError(f"no secure keyring: the {name.label} was kept for this process only, "
                           "so nothing was saved")
    print(f"Stored the {name.label} in the OS keyring ({store.backend_name()}).")
    if os.environ.get(name.env_var):
        print(f"Note: {name.env_var} is set in the environment and wins over the stored key.")
    return 0


async def cmd_keys_status(args: argparse.Namespace) -> int:
    """Print where each key comes from and its masked value."""
    store = SecretStore()
    statuses = await asyncio.to_thread(lambda: [store.status(name) for name in KeyName])
    secure = await asyncio.to_thread(store.is_secure)
    rows = [[s.name.value, _SOURCE_TEXT[s.source], s.masked or ("unusable" if s.problem else "-")]
            for s in statuses]
    print_table(rows, ["key", "source", "value"])
    for status in statuses:
        if status.problem:
            print(f"Problem: {status.problem}")
    if secure:
        print(f"Key store: {store.backend_name()} (secure).")
    else:
        print(f"Key store: {store.backend_name()} is not a secure OS keyring; keys cannot be saved, "
              "set REPLICATE_API_TOKEN / XAI_API_KEY in the environment instead.")
    return 0
