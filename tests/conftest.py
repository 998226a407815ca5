"""Fixtures every test shares: an isolated library folder, an in-memory keyring, no real keys, offscreen Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from app.core.db.location import LibraryLocation
from app.core.secrets import SecretStore
from app.core.services import Services, open_services
from tests.helpers import postgres
from tests.helpers.keyring_memory import MemoryKeyring

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` run once on a SQLite library and once on a team library (PostgreSQL)."""
    if metafunc.definition.get_closest_marker("both_backends") and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Where the ``services`` fixture's library lives: "sqlite" unless the test is marked ``both_backends``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """No test sees real keys, the real library folder, or the machine's keyring."""
    for name in ("REPLICATE_API_TOKEN", "XAI_API_KEY", "PAIRFRAME_VISION_API_KEY", "XAI_BASE_URL",
                 "REPLICATE_BASE_URL", "PAIRFRAME_LIBRARY", "PAIRFRAME_STORE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PAIRFRAME_DATA_DIR", str(tmp_path / "default-library"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home" / ".local" / "share"))
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def library_dir(tmp_path: Path) -> Path:
    return tmp_path / "library"


@pytest.fixture
def services(library_dir: Path, tmp_path: Path, backend: str,
             isolated_environment: MemoryKeyring) -> Iterator[Services]:
    """A freshly migrated library in ``tmp_path`` with its services (closed after the test); with ``backend``
    "postgresql", a team library: a new database on the test server and a store folder in ``tmp_path``."""
    if backend == "sqlite":
        opened = open_services(library_dir, SecretStore(isolated_environment))
        yield opened
        opened.db.close()
        return
    with postgres.fresh_database() as server:
        location = LibraryLocation(library_dir, server, tmp_path / "share")
        opened = open_services(location, SecretStore(isolated_environment), password=postgres.password())
        yield opened
        opened.db.close()
