"""Logging goes to a rotating file in the library's logs folder, and no key survives in a message or traceback."""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.cli import main
from app.logging_setup import LOG_FILE, register_secret
from tests.helpers.logs import app_logging, read_logs

ENV_KEY = "r8_EnvironmentToken0123456789"
STORED_KEY = "xai-KeyringKey-abcdef0123456789"
log = logging.getLogger("app.tests.logging")


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REPLICATE_API_TOKEN", ENV_KEY)
    register_secret(STORED_KEY)  # what SecretStore does with a key it reads from the keyring
    yield


@pytest.fixture
def restore_root_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _pairframe_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "_pairframe", False)]


def test_the_cli_logs_into_the_library_logs_folder(tmp_path: Path, restore_root_logging: None) -> None:
    library = tmp_path / "library"
    assert main(["--data-dir", str(library), "sample", "--json"]) == 0
    files = [h for h in _pairframe_handlers() if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert [Path(h.baseFilename) for h in files] == [library / "logs" / LOG_FILE]
    log.warning("written after the command")
    assert "written after the command" in read_logs(library / "logs")


def test_the_file_rotates_and_keeps_five_old_files(tmp_path: Path) -> None:
    with app_logging(tmp_path / "logs") as path:
        line = "x" * 1000
        for _ in range(2_200):  # a little over the 2 MB limit
            log.info(line)
        rotated = path.with_name(LOG_FILE + ".1")
        assert rotated.is_file()
        assert path.stat().st_size < 2_000_000 and rotated.stat().st_size <= 2_000_000
        handler = next(h for h in _pairframe_handlers() if isinstance(h, logging.handlers.RotatingFileHandler))
        assert handler.backupCount == 5


def test_keys_are_redacted_from_messages_arguments_and_tracebacks(tmp_path: Path, keys: None) -> None:
    with app_logging(tmp_path / "logs"):
        log.info("calling with token %s", ENV_KEY)
        log.warning(f"header Authorization: Bearer {STORED_KEY}")
        try:
            try:
                raise ConnectionError(f"GET https://api.example/v1?token={ENV_KEY} refused")
            except ConnectionError as inner:
                raise RuntimeError(f"upload failed for key {STORED_KEY}") from inner
        except RuntimeError:
            log.exception("pairing failed")
        text = read_logs(tmp_path / "logs")
    assert "Traceback (most recent call last)" in text and "ConnectionError" in text and "pairing failed" in text
    assert text.count("[redacted]") >= 4
    assert ENV_KEY not in text and STORED_KEY not in text


def test_warnings_on_standard_error_are_redacted_too(tmp_path: Path, keys: None,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with app_logging(tmp_path / "logs", console=False):
        log.warning("the server refused %s", STORED_KEY)
    err = capsys.readouterr().err
    assert "the server refused [redacted]" in err and STORED_KEY not in err


def test_an_unwritable_log_folder_does_not_stop_the_app(tmp_path: Path, restore_root_logging: None) -> None:
    from app.logging_setup import configure_logging

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the logs folder should be")
    assert configure_logging(blocker / "logs") is None
    log.warning("still fine")
