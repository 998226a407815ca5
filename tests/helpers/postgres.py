"""A throw-away PostgreSQL database per test, cloned from a migrated template (``PAIRFRAME_TEST_PG_URL``).

``.ci/run`` starts a cluster and exports the URL (a superuser's, to a maintenance database such as ``postgres``).
Without it, tests that need the server skip with the reason — except under CI (``CI=true``), where a missing
server is a failure, so a broken set-up cannot pass by skipping.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app.core.db.location import ServerAddress, parse_server_url

URL_ENV = "PAIRFRAME_TEST_PG_URL"
TEMPLATE = "pairframe_test_template"
_template_lock = threading.Lock()
_template_ready = False


def server_url() -> str | None:
    return os.environ.get(URL_ENV) or None


def require_server() -> ServerAddress:
    """The maintenance database's address; skips (or fails under CI) when no server was given."""
    url = server_url()
    if url is None:
        reason = f"needs a PostgreSQL server: set {URL_ENV} (.ci/run starts one)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must provide PostgreSQL: {reason}")
        pytest.skip(reason)
    server, _password = parse_server_url(url)
    return server


def _admin(server: ServerAddress):
    import psycopg

    return psycopg.connect(**server.libpq_params(_password()), autocommit=True)


def _password() -> str | None:
    return parse_server_url(server_url() or "")[1] if server_url() else None


def _ensure_template(server: ServerAddress) -> None:
    """Create the migrated template database once per test run (and per schema: it is rebuilt every run)."""
    global _template_ready
    with _template_lock:
        if _template_ready:
            return
        with _admin(server) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
            connection.execute(f"CREATE DATABASE {TEMPLATE}")
        from app.core.db.engine import make_server_engine, migrate

        address = _with_database(server, TEMPLATE)
        engine = make_server_engine(address, _password())
        migrate(engine, None, Path(os.devnull), server=address)
        engine.dispose()
        _template_ready = True


def _with_database(server: ServerAddress, name: str) -> ServerAddress:
    return ServerAddress(server.user, server.host, server.port, name, server.query)


@contextmanager
def fresh_database(*, migrated: bool = True) -> Iterator[ServerAddress]:
    """A new database for one test (a copy of the migrated template, or empty), dropped afterwards."""
    server = require_server()
    name = f"pairframe_test_{secrets.token_hex(6)}"
    if migrated:
        _ensure_template(server)
    with _admin(server) as connection:
        connection.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {TEMPLATE}" if migrated else ""))
    try:
        yield _with_database(server, name)
    finally:
        with _admin(server) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def password() -> str | None:
    """The test server's password (from its URL), if it has one."""
    return _password()


__all__ = ["URL_ENV", "fresh_database", "password", "require_server", "server_url"]
