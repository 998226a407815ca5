"""Where a library's database lives: a SQLite file in the library folder, or a PostgreSQL server (a team library).

A team library is a PostgreSQL URL plus a shared store folder (an SMB or NFS mount every workstation sees). The URL
is kept and shown without its password: the password lives in the OS keyring (``SecretStore``), or in libpq's own
places (``PGPASSWORD``, ``~/.pgpass``). Every other libpq parameter in the URL's query (``sslmode=require``,
``connect_timeout``, ``application_name`` …) passes through to the driver unchanged.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")
DEFAULT_CONNECT_TIMEOUT_S = 10


class LocationError(ValueError):
    """A library location that cannot be used; the message says why and what to write instead."""


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """A PostgreSQL database: the parts of its URL, never a password."""

    user: str
    host: str
    port: int
    database: str
    query: tuple[tuple[str, str], ...] = ()

    @property
    def account(self) -> str:
        """The keyring entry of its password: ``database:user@host:port/db``."""
        return f"database:{self.user}@{self.host}:{self.port}/{self.database}"

    def display(self) -> str:
        """The URL as shown to people and written to settings and logs (no password)."""
        query = f"?{urllib.parse.urlencode(self.query)}" if self.query else ""
        user = f"{urllib.parse.quote(self.user, safe='')}@" if self.user else ""
        return f"postgresql://{user}{self._host_port()}/{urllib.parse.quote(self.database, safe='')}{query}"

    def _host_port(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def sqlalchemy_url(self, password: str | None) -> str:
        """The URL for SQLAlchemy's psycopg (v3) dialect, with the password when one is known."""
        query = dict(self.query)
        query.setdefault("connect_timeout", str(DEFAULT_CONNECT_TIMEOUT_S))
        credentials = urllib.parse.quote(self.user, safe="")
        if password:
            credentials += ":" + urllib.parse.quote(password, safe="")
        return (f"postgresql+psycopg://{credentials}@{self._host_port()}/"
                f"{urllib.parse.quote(self.database, safe='')}?{urllib.parse.urlencode(query)}")

    def libpq_params(self, password: str | None) -> dict[str, str]:
        """Keyword parameters for ``psycopg.connect`` (the change listener's own connection)."""
        params = {"user": self.user, "host": self.host, "port": str(self.port), "dbname": self.database,
                  "connect_timeout": str(DEFAULT_CONNECT_TIMEOUT_S), **dict(self.query)}
        if password:
            params["password"] = password
        return params

    def slug(self) -> str:
        """A short folder name for this workstation's caches of the library."""
        readable = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{self.host}-{self.port}-{self.database}").strip("-")[:60]
        digest = hashlib.sha256(self.account.encode()).hexdigest()[:8]
        return f"{readable}-{digest}"


def parse_server_url(url: str) -> tuple[ServerAddress, str | None]:
    """The address in a ``postgresql://user[:password]@host[:port]/database[?params]`` URL, and its password.

    Raises ``LocationError`` with a plain message for anything else.
    """
    text = (url or "").strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise LocationError(f"{_shown(text)} is not a PostgreSQL URL: write postgresql://USER@HOST:PORT/DATABASE")
    try:
        port = parts.port or 5432
    except ValueError:
        raise LocationError(f"{_shown(text)} has a port that is not a number") from None
    host = parts.hostname or ""
    database = urllib.parse.unquote(parts.path.lstrip("/"))
    if not host or not database:
        raise LocationError(f"{_shown(text)} needs a host and a database: postgresql://USER@HOST:PORT/DATABASE")
    user = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    query = tuple(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    if any(key == "password" for key, _ in query):
        password = dict(query)["password"]
        query = tuple((k, v) for k, v in query if k != "password")
    return ServerAddress(user, host, port, database, query), password


def _shown(text: str) -> str:
    """``text`` safe to show: a password in it is replaced."""
    return redact_url(text)


def redact_url(text: str) -> str:
    """Any ``scheme://user:password@`` in ``text`` with the password replaced by ``***``."""
    return re.sub(r"(\w[\w+.-]*://[^:/@\s]*:)\S*@", r"\1***@", text)


@dataclass(frozen=True, slots=True)
class LibraryLocation:
    """One library: a local folder (``server`` None), or a team library on ``server`` with its ``store`` folder."""

    data_dir: Path  # this workstation's folder: settings, logs, caches (and the SQLite file of a local library)
    server: ServerAddress | None = None
    store: Path | None = None  # the shared folder of a team library: store/, jobs/, exports/

    @property
    def is_team(self) -> bool:
        return self.server is not None

    def describe(self) -> str:
        if self.server is None:
            return str(self.data_dir)
        return f"{self.server.display()} (store {self.store})"


def team_location(data_dir: Path, url: str, store: str | Path | None) -> tuple[LibraryLocation, str | None]:
    """A team library's location and the password its URL carried (to be moved to the keyring, never saved)."""
    server, password = parse_server_url(url)
    if not store or not str(store).strip():
        raise LocationError("a team library needs its shared store folder too: --store PATH (or PAIRFRAME_STORE)")
    return LibraryLocation(data_dir, server, Path(store).expanduser().resolve()), password


__all__ = ["LibraryLocation", "LocationError", "ServerAddress", "parse_server_url", "redact_url", "team_location"]
