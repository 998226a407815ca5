"""The Settings dialog's Pairing section: who pairs (xAI or an OpenAI-compatible server), the server's address,
model and key; Check server and Save ask its model list and show what was found. Pasted keys that cannot be
keys are refused before anything is saved."""

from __future__ import annotations

import pytest

from app.core.secrets import KeyName
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.settings_dialog import GENERAL_TAB, SettingsDialog
from tests.fakes.xai_server import SCHEMA_AND_OBJECT, VISION_MODEL, FakeXai, vision_server  # noqa: F401
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.conftest import wait_until

VISION_KEY = "sk-dialog-VisionKey0123456789"


async def _dialog(services: Services, qtbot) -> SettingsDialog:
    dialog = SettingsDialog(services.settings, services.secrets, TaskBridge())
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.key_state is not None)
    return dialog


def _choose_server(dialog: SettingsDialog, url: str, model: str = VISION_MODEL) -> None:
    dialog.provider_combo.setCurrentIndex(dialog.provider_combo.findData("openai-compatible"))
    dialog.vision_url_edit.setText(url)
    dialog.vision_model_edit.setText(model)


async def test_xai_is_the_default_and_the_server_fields_wait_until_a_server_is_chosen(services: Services,
                                                                                      qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    assert dialog.provider_combo.currentData() == "xai" and dialog.model_combo.isEnabled()
    assert not dialog.vision_url_edit.isEnabled() and not dialog.rows[KeyName.VISION].isEnabled()
    _choose_server(dialog, "http://127.0.0.1:1/v1")
    assert dialog.vision_url_edit.isEnabled() and dialog.rows[KeyName.VISION].isEnabled()
    assert not dialog.model_combo.isEnabled()


async def test_saving_a_server_stores_it_and_reports_what_it_offers(services: Services, qtbot,
                                                                    vision_server: FakeXai) -> None:  # noqa: F811
    dialog = await _dialog(services, qtbot)
    _choose_server(dialog, vision_server.base_url)
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)
    current = services.settings.current
    assert (current.pairing_provider, current.vision_base_url, current.vision_model) == (
        "openai-compatible", vision_server.base_url, VISION_MODEL)
    assert f"offers 1 model, {VISION_MODEL} among them" in messages[0]
    assert not dialog.isVisible()
    assert [r.path for r in vision_server.requests] == ["/v1/models"]


async def test_a_server_without_the_model_keeps_the_dialog_open_saying_what_it_offers(
        services: Services, qtbot, vision_server: FakeXai) -> None:  # noqa: F811
    vision_server.models = ("moondream",)
    dialog = await _dialog(services, qtbot)
    _choose_server(dialog, vision_server.base_url)
    dialog.save()
    await wait_until(lambda: dialog.error.message())
    assert dialog.isVisible() and dialog.tabs.currentIndex() == GENERAL_TAB
    assert dialog.error.message().startswith("The settings were saved, but the vision server")
    assert f"not {VISION_MODEL}: it offers moondream" in dialog.probe_label.text()
    assert dialog.probe_label.text().startswith("✖")
    assert services.settings.current.vision_model == VISION_MODEL


async def test_check_server_asks_without_saving(services: Services, qtbot, vision_server: FakeXai) -> None:  # noqa: F811
    dialog = await _dialog(services, qtbot)
    _choose_server(dialog, vision_server.base_url.removesuffix("/v1"))
    dialog.probe_button.click()
    await wait_until(lambda: dialog.probe_label.text().startswith(("✔", "✖")))
    assert dialog.probe_label.text() == (f"✔ The vision server at {vision_server.base_url.split('/')[2]} offers 1 "
                                         f"model, {VISION_MODEL} among them.")
    assert services.settings.current.pairing_provider == "xai"


@pytest.mark.parametrize(("url", "model", "words"), [
    ("", VISION_MODEL, "enter the vision server's address"),
    ("ftp://files.example", VISION_MODEL, "is not a web address of a vision server"),
    ("http://127.0.0.1:1/v1", "", "name the vision model"),
])
async def test_an_unusable_server_is_refused_inline_and_nothing_is_saved(
        url: str, model: str, words: str, services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    _choose_server(dialog, url, model)
    dialog.save()
    assert words.lower() in dialog.error.message().lower()
    assert dialog.isVisible() and services.settings.current.pairing_provider == "xai"


async def test_the_servers_key_is_stored_trimmed_and_used_by_the_check(
        services: Services, qtbot, isolated_environment: MemoryKeyring) -> None:
    with FakeXai(api_key=VISION_KEY, model=VISION_MODEL, formats=SCHEMA_AND_OBJECT) as server:
        dialog = await _dialog(services, qtbot)
        _choose_server(dialog, server.base_url)
        dialog.probe_button.click()
        await wait_until(lambda: dialog.probe_label.text().startswith(("✔", "✖")))
        assert "refused the key (HTTP 401): it needs one" in dialog.probe_label.text()
        dialog.rows[KeyName.VISION].new_edit.setText(f" {VISION_KEY}\r\n")
        messages: list[str] = []
        dialog.saved.connect(messages.append)
        dialog.save()
        await wait_until(lambda: messages)
        assert isolated_environment.passwords[("pairframe", "vision")] == VISION_KEY
        assert not dialog.isVisible() and VISION_KEY not in messages[0]


@pytest.mark.parametrize("inside", ["\r", "\n", " ", "é"])
async def test_a_pasted_key_with_a_bad_character_inside_is_refused_and_nothing_is_saved(
        inside: str, services: Services, qtbot, isolated_environment: MemoryKeyring) -> None:
    dialog = await _dialog(services, qtbot)
    dialog.max_images_spin.setValue(17)
    key = "r8_Dialog" + inside + "Token0123456789"
    dialog.rows[KeyName.REPLICATE].new_edit.setText(key)
    dialog.save()
    message = dialog.error.message()
    assert "Replicate API token has" in message and "Nothing was saved" in message
    assert "Token0123456789" not in message
    assert dialog.isVisible() and dialog.tabs.currentIndex() == 0
    assert isolated_environment.passwords == {} and services.settings.current.pairing_max_images != 17
