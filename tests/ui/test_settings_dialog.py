"""The Settings dialog: keys go to the keyring and come back masked, the insecure case and the environment are
stated plainly, Test asks a loopback service, and general settings are saved."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import keyring.backends.fail
import pytest
from PySide6.QtWidgets import QLabel, QLineEdit

from app.core.secrets import KeyName, SecretStore
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.settings_dialog import SettingsDialog
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.conftest import wait_until

TOKEN = "r8_dialog-token-abcd9876"


class _AccountHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = self.headers.get("Authorization") == f"Bearer {TOKEN}" and self.path == "/v1/account"
        body = json.dumps({"username": "acme-agency"} if ok else {"detail": "Invalid token"}).encode()
        self.send_response(200 if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def replicate_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AccountHandler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("REPLICATE_BASE_URL", url)
    yield url
    server.shutdown()
    server.server_close()


async def _dialog(services: Services, qtbot) -> SettingsDialog:
    dialog = SettingsDialog(services.settings, services.secrets, TaskBridge())
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.key_state is not None)
    return dialog


def _all_text(dialog: SettingsDialog) -> str:
    labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
    return labels + " ".join(edit.text() for edit in dialog.findChildren(QLineEdit)
                             if edit.echoMode() == QLineEdit.EchoMode.Normal)


async def test_a_pasted_key_is_stored_in_the_keyring_and_shown_masked(services: Services, qtbot,
                                                                      isolated_environment: MemoryKeyring) -> None:
    dialog = await _dialog(services, qtbot)
    row = dialog.rows[KeyName.REPLICATE]
    assert row.status_label.text() == "Not set" and not row.remove_button.isEnabled()
    assert dialog.insecure_warning.isHidden()
    assert row.new_edit.echoMode() == QLineEdit.EchoMode.Password
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    row.new_edit.setText(f"  {TOKEN}\n")
    dialog.save()
    await wait_until(lambda: messages)
    assert not dialog.isVisible()
    assert isolated_environment.passwords[("pairframe", "replicate")] == TOKEN
    assert "stored in the OS keyring" in messages[0] and TOKEN not in messages[0]

    again = await _dialog(services, qtbot)
    status = again.rows[KeyName.REPLICATE].status_label.text()
    assert status == "Stored in the OS keyring: ••••••••9876"
    assert again.rows[KeyName.XAI].status_label.text() == "Not set"
    assert TOKEN not in _all_text(again)


async def test_without_a_secure_store_the_dialog_says_keys_last_this_session_only(
        services: Services, qtbot, isolated_environment: MemoryKeyring) -> None:
    services.secrets = SecretStore(keyring.backends.fail.Keyring())
    dialog = await _dialog(services, qtbot)
    warning = dialog.insecure_warning.message()
    assert "No secure key store" in warning and "this session only" in warning and "plain text" in warning
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.rows[KeyName.XAI].new_edit.setText("xai-session-only-5555")
    dialog.save()
    await wait_until(lambda: messages)
    assert "kept for this session only" in messages[0]
    assert isolated_environment.passwords == {}
    again = await _dialog(services, qtbot)
    assert again.rows[KeyName.XAI].status_label.text() == "Kept for this session only: ••••••••5555"


async def test_an_environment_key_is_said_to_win(services: Services, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    services.secrets.set(KeyName.XAI, "xai-stored-key-1111")
    monkeypatch.setenv("XAI_API_KEY", "xai-environment-key-2222")
    dialog = await _dialog(services, qtbot)
    status = dialog.rows[KeyName.XAI].status_label.text()
    assert "environment variable XAI_API_KEY" in status and "••••••••2222" in status and "wins" in status
    assert not dialog.rows[KeyName.XAI].remove_button.isEnabled()
    assert "xai-environment-key-2222" not in _all_text(dialog)


async def test_test_checks_the_pasted_key_then_the_stored_one(services: Services, qtbot, replicate_url: str) -> None:
    dialog = await _dialog(services, qtbot)
    row = dialog.rows[KeyName.REPLICATE]
    row.test_button.click()
    await wait_until(lambda: row.test_button.isEnabled())
    assert row.result_label.text() == "✖ There is no key to test: paste one first"
    row.new_edit.setText("r8_wrong-token-0000")
    row.test_button.click()
    await wait_until(lambda: row.result_label.text().startswith("✖ 127.0.0.1"))
    assert "refused the key (HTTP 401)" in row.result_label.text()
    row.new_edit.clear()
    services.secrets.set(KeyName.REPLICATE, TOKEN)
    row.test_button.click()
    await wait_until(lambda: row.result_label.text().startswith("✔"))
    assert row.result_label.text() == "✔ The key works (account acme-agency)"
    assert TOKEN not in _all_text(dialog)


async def test_closing_during_a_test_stops_it_quietly(services: Services, qtbot,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("REPLICATE_BASE_URL", f"http://127.0.0.1:{silent.getsockname()[1]}")
        dialog = await _dialog(services, qtbot)
        failures: list[str] = []
        dialog.bridge.task_failed.connect(lambda _name, message: failures.append(message))
        row = dialog.rows[KeyName.REPLICATE]
        row.new_edit.setText(TOKEN)
        row.test_button.click()
        await wait_until(lambda: dialog.bridge.is_running("settings-test-replicate"))
        dialog.reject()
        await wait_until(lambda: not dialog.bridge.is_running("settings-test-replicate"))
        assert not dialog.isVisible() and failures == []


async def test_remove_forgets_the_stored_key(services: Services, qtbot, isolated_environment: MemoryKeyring) -> None:
    services.secrets.set(KeyName.REPLICATE, TOKEN)
    dialog = await _dialog(services, qtbot)
    row = dialog.rows[KeyName.REPLICATE]
    assert row.remove_button.isEnabled()
    row.remove_button.click()
    await wait_until(lambda: row.status_label.text() == "Not set")
    assert isolated_environment.passwords == {}
    assert "was removed" in row.result_label.text()


async def test_general_settings_are_saved(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    dialog.model_combo.setCurrentText("grok-4-1-fast-reasoning")
    dialog.max_images_spin.setValue(24)
    dialog.min_rating_spin.setValue(3)
    dialog.crossfade_spin.setValue(0.8)
    dialog.volume_spin.setValue(55)
    dialog.clip_audio_combo.setCurrentIndex(dialog.clip_audio_combo.findData("mix"))
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)
    current = services.settings.current
    assert (current.xai_model, current.pairing_max_images, current.pairing_min_rating) == (
        "grok-4-1-fast-reasoning", 24, 3)
    assert (current.crossfade_s, current.music_volume, current.clip_audio) == (0.8, 0.55, "mix")
    saved = json.loads(services.paths.settings.read_text(encoding="utf-8"))
    assert saved["pairing_max_images"] == 24 and saved["clip_audio"] == "mix"
    again = await _dialog(services, qtbot)
    assert again.general_values() == dialog.general_values()
    assert again.min_rating_spin.text() == "3 ★"


async def test_an_empty_model_name_is_refused_inline(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    dialog.model_combo.setCurrentText("  ")
    dialog.save()
    assert dialog.error.message() == "The Grok model needs a name"
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 1
    assert services.settings.current.xai_model == "grok-4-1-fast-non-reasoning"


async def test_model_prices_are_edited_in_the_dialog_and_used_by_estimates(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    assert "local" not in dialog.prices.spins  # the offline model is free
    dialog.prices.spins["minimax/hailuo-02"].setValue(0.07)
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)
    assert services.settings.current.model_prices == {"minimax/hailuo-02": 0.07}
    hailuo = next(m for m in services.generation.models() if m.id == "minimax/hailuo-02")
    assert hailuo.price_usd == 0.07
    again = await _dialog(services, qtbot)
    assert again.prices.spins["minimax/hailuo-02"].value() == 0.07
    again.prices.reset()
    assert again.prices.overrides() == {}
