"""Settings: the API keys (OS keyring, masked, testable) and a few general settings of the library.

Keyring calls can block on D-Bus, so they run in an executor inside coroutines started through the bridge.
Keys are never shown in full, logged or put in a message; without a secure key store the dialog says plainly
that keys live for this session only. A pasted key that cannot be a key (a line break, a space, a non-ASCII
character inside) is refused before anything is saved.

The Pairing section chooses who pairs: xAI's Grok, or an OpenAI-compatible vision server (address, model, and
its key if it needs one). "Check server" and Save ask the server for its model list and show what was found.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings, SettingsStore
from app.core.keycheck import KeyCheck, check_key
from app.core.pairing.endpoint import (
    OPENAI_COMPATIBLE,
    XAI,
    EndpointProbe,
    endpoint_from_settings,
    normalise_base_url,
    probe_endpoint,
)
from app.core.pairing.errors import PairingError
from app.core.secrets import KeyFormatError, KeyName, KeySource, KeyStatus, SecretStore, clean_key
from app.ui.bridge import TaskBridge, describe_error
from app.ui.library_settings import LibraryChoice, LibraryPage, check_server
from app.ui.presets_editor import PresetsEditor
from app.ui.prices_editor import PricesEditor
from app.ui.qc_settings import QcSettingsPage
from app.ui.widgets.inline_error import InlineError

T = TypeVar("T")
GROK_MODELS = ("grok-4-1-fast-non-reasoning", "grok-4-1-fast-reasoning", "grok-4-fast-non-reasoning")
CLIP_AUDIO = {"keep": "Keep each clip's own sound", "mix": "Mix it under the music", "drop": "Drop it"}
PAIRING_PROVIDERS = {XAI: "xAI's Grok", OPENAI_COMPATIBLE: "An OpenAI-compatible server (Ollama, LM Studio, vLLM…)"}
KEY_TITLES = {KeyName.REPLICATE: "Replicate API token", KeyName.XAI: "xAI API key",
              KeyName.VISION: "Vision server API key (only if the server needs one)"}
GENERAL_TAB = 1
LIBRARY_TAB = 3
PRESETS_TAB = 4
INSECURE_TEXT = ("No secure key store was found on this computer. Keys entered here are kept for "
                 "this session only and are never written anywhere in plain text, so they will be asked for "
                 "again next time. To keep them, unlock or install the system keyring (GNOME Keyring, KWallet, "
                 "the macOS Keychain or the Windows Credential Manager), or set REPLICATE_API_TOKEN and "
                 "XAI_API_KEY in the environment.")


@dataclass(frozen=True, slots=True)
class KeyState:
    secure: bool
    backend: str
    statuses: dict[KeyName, KeyStatus]


def describe_status(status: KeyStatus) -> str:
    """Where a key comes from, with its masked value (or why it cannot be used)."""
    if status.problem:
        return status.problem[:1].upper() + status.problem[1:]
    if status.source is KeySource.ENVIRONMENT:
        return (f"Set by the environment variable {status.name.env_var}: {status.masked}. "
                "The environment's value wins over a stored key.")
    if status.source is KeySource.KEYRING:
        return f"Stored in the OS keyring: {status.masked}"
    if status.source is KeySource.SESSION:
        return f"Kept for this session only: {status.masked}"
    return "Not set"


def describe_stored(name: KeyName, source: KeySource) -> str:
    if source is KeySource.KEYRING:
        return f"The {name.label} was stored in the OS keyring."
    return f"The {name.label} is kept for this session only: there is no secure key store to save it in."


async def _off_loop(fn: Callable[[], T]) -> T:
    """Run a blocking call (keyring, settings file) in the default executor."""
    return await asyncio.get_running_loop().run_in_executor(None, fn)


async def _probe(secrets: SecretStore, settings: Settings, pasted_key: str) -> EndpointProbe:
    """What the vision server of ``settings`` offers, asked with ``pasted_key`` or else the stored key."""
    try:
        endpoint = await _off_loop(lambda: endpoint_from_settings(settings, secrets))
        if pasted_key.strip():
            endpoint = dataclasses.replace(endpoint, api_key=clean_key(KeyName.VISION, pasted_key))
    except (PairingError, KeyFormatError) as exc:
        return EndpointProbe(False, (), str(exc))
    return await probe_endpoint(endpoint)


class KeyRow(QGroupBox):
    """One key: where it comes from, a field for a new one, Test and Remove."""

    def __init__(self, name: KeyName, parent: QWidget | None = None) -> None:
        super().__init__(KEY_TITLES[name], parent)
        self.name = name
        self.status_label = QLabel("Reading…")
        self.status_label.setWordWrap(True)
        self.new_edit = QLineEdit()
        self.new_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.new_edit.setPlaceholderText("Paste a new key to store it on Save")
        self.new_edit.setAccessibleName(f"New {name.label}")
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Ask the service whether the key (the pasted one, else the stored one) works")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Forget the stored key")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        edit_row = QHBoxLayout()
        edit_row.addWidget(self.new_edit, 1)
        edit_row.addWidget(self.test_button)
        edit_row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addLayout(edit_row)
        layout.addWidget(self.result_label)

    def show_status(self, status: KeyStatus) -> None:
        self.status_label.setText(describe_status(status))
        self.remove_button.setEnabled(status.source in (KeySource.KEYRING, KeySource.SESSION))

    def show_result(self, ok: bool | None, message: str) -> None:
        mark = "" if ok is None else ("✔ " if ok else "✖ ")
        self.result_label.setText(mark + message[:1].upper() + message[1:] if message else "")


class SettingsDialog(QDialog):
    """API keys and general settings; Save stores pasted keys and the settings, Test and Remove act at once."""

    saved = Signal(str)  # what was saved, for the status bar

    def __init__(self, settings: SettingsStore, secrets: SecretStore, bridge: TaskBridge,
                 parent: QWidget | None = None, *, library_open: str = "") -> None:
        super().__init__(parent)
        self.settings_store = settings
        self.secrets = secrets
        self.bridge = bridge
        self.setWindowTitle("Settings")
        self.key_state: KeyState | None = None
        self.insecure_warning = InlineError()
        self.rows = {name: KeyRow(name) for name in KeyName}
        for name, row in self.rows.items():
            row.test_button.clicked.connect(lambda _c=False, n=name: self.test_key(n))
            row.remove_button.clicked.connect(lambda _c=False, n=name: self.remove_key(n))
        keys_page = QWidget()
        keys_layout = QVBoxLayout(keys_page)
        keys_layout.addWidget(self.insecure_warning)
        for name in (KeyName.REPLICATE, KeyName.XAI):
            keys_layout.addWidget(self.rows[name])
        keys_layout.addStretch(1)
        self.tabs = QTabWidget()
        self.tabs.addTab(keys_page, "API &keys")
        self.tabs.addTab(self._general_page(settings.current), "&General")
        self.prices = PricesEditor(settings.current)
        self.tabs.addTab(self.prices, "&Prices")
        self.library_page = LibraryPage(settings.saved, library_open or "the library folder of this computer")
        self.library_page.test_button.clicked.connect(self.test_library)
        self.tabs.addTab(self.library_page, "&Library")
        self.presets = PresetsEditor(settings.current)
        self.tabs.addTab(self.presets, "Pr&esets")
        self.quality = QcSettingsPage(settings.current)
        self.tabs.addTab(self.quality, "&Quality")
        self.error = InlineError()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(640, 640)
        self.refresh_keys()

    def _general_page(self, settings: Settings) -> QWidget:
        page = QWidget()
        self.provider_combo = QComboBox()
        for value, label in PAIRING_PROVIDERS.items():
            self.provider_combo.addItem(label, value)
        self.provider_combo.setCurrentIndex(max(0, self.provider_combo.findData(settings.pairing_provider)))
        self.provider_combo.setToolTip("Who looks at the images and suggests the pairs")
        self.vision_url_edit = QLineEdit(settings.vision_base_url)
        self.vision_url_edit.setPlaceholderText("http://127.0.0.1:11434/v1")
        self.vision_url_edit.setToolTip("The server's OpenAI-compatible address, usually ending in /v1")
        self.vision_model_edit = QLineEdit(settings.vision_model)
        self.vision_model_edit.setPlaceholderText("llava:13b")
        self.vision_model_edit.setToolTip("A model on that server that understands images")
        self.probe_button = QPushButton("C&heck server")
        self.probe_button.setToolTip("Ask the server which models it offers")
        self.probe_button.clicked.connect(self.probe_server)
        self.probe_label = QLabel()
        self.probe_label.setWordWrap(True)
        self.model_combo = QComboBox()
        self.model_combo.setEditable(True)
        self.model_combo.addItems(GROK_MODELS)
        self.model_combo.setCurrentText(settings.xai_model)
        self.max_images_spin = QSpinBox()
        self.max_images_spin.setRange(2, 200)
        self.max_images_spin.setValue(settings.pairing_max_images)
        self.max_images_spin.setToolTip("The most images sent to Grok in one pairing request")
        self.min_rating_spin = QSpinBox()
        self.min_rating_spin.setRange(0, 5)
        self.min_rating_spin.setSuffix(" ★")
        self.min_rating_spin.setSpecialValueText("any rating")
        self.min_rating_spin.setValue(settings.pairing_min_rating)
        self.crossfade_spin = QDoubleSpinBox()
        self.crossfade_spin.setRange(0.1, 5.0)
        self.crossfade_spin.setSingleStep(0.1)
        self.crossfade_spin.setDecimals(1)
        self.crossfade_spin.setSuffix(" s")
        self.crossfade_spin.setValue(settings.crossfade_s)
        self.volume_spin = QSpinBox()
        self.volume_spin.setRange(0, 100)
        self.volume_spin.setSuffix(" %")
        self.volume_spin.setValue(round(settings.music_volume * 100))
        self.clip_audio_combo = QComboBox()
        for value, label in CLIP_AUDIO.items():
            self.clip_audio_combo.addItem(label, value)
        self.clip_audio_combo.setCurrentIndex(max(0, self.clip_audio_combo.findData(settings.clip_audio)))
        pairing = QGroupBox("Pairing")
        form = QFormLayout(pairing)
        form.addRow("Pair &with:", self.provider_combo)
        form.addRow("Grok &model:", self.model_combo)
        probe_row = QHBoxLayout()
        probe_row.addWidget(self.vision_url_edit, 1)
        probe_row.addWidget(self.probe_button)
        address_label = QLabel("Server &address:")
        address_label.setBuddy(self.vision_url_edit)
        form.addRow(address_label, probe_row)
        form.addRow("Vision mo&del:", self.vision_model_edit)
        form.addRow("", self.probe_label)
        form.addRow("&Images per request:", self.max_images_spin)
        form.addRow("Minimum &rating to pair:", self.min_rating_spin)
        self.provider_combo.currentIndexChanged.connect(self._provider_changed)
        ad = QGroupBox("The ad")
        form = QFormLayout(ad)
        form.addRow("&Crossfade length:", self.crossfade_spin)
        form.addRow("Music &volume:", self.volume_spin)
        form.addRow("Clips' &sound with music:", self.clip_audio_combo)
        layout = QVBoxLayout(page)
        layout.addWidget(pairing)
        layout.addWidget(self.rows[KeyName.VISION])
        layout.addWidget(ad)
        layout.addStretch(1)
        self._provider_changed()
        return page

    def _provider_changed(self) -> None:
        """Grok's model for xAI; the server's address, model and key for an OpenAI-compatible server."""
        on_server = self.provider_combo.currentData() == OPENAI_COMPATIBLE
        self.model_combo.setEnabled(not on_server)
        for widget in (self.vision_url_edit, self.vision_model_edit, self.probe_button, self.rows[KeyName.VISION]):
            widget.setEnabled(on_server)

    def general_values(self) -> dict[str, Any]:
        """The general settings as ``SettingsStore.update`` arguments."""
        return {
            "pairing_provider": self.provider_combo.currentData(),
            "vision_base_url": self.vision_url_edit.text().strip(),
            "vision_model": self.vision_model_edit.text().strip(),
            "xai_model": self.model_combo.currentText().strip(),
            "pairing_max_images": self.max_images_spin.value(),
            "pairing_min_rating": self.min_rating_spin.value(),
            "crossfade_s": round(self.crossfade_spin.value(), 1),
            "music_volume": self.volume_spin.value() / 100,
            "clip_audio": self.clip_audio_combo.currentData(),
            "model_prices": self.prices.overrides(),
            "quality_presets": self.presets.stored(),
            **self.quality.values(),
        }

    # ---- the library ---------------------------------------------------------------------------------
    def test_library(self) -> None:
        """Connect to the team library as typed (off the loop) and say what is there."""
        page, secrets = self.library_page, self.secrets
        url, store, password = page.url_edit.text(), page.store_edit.text(), page.password_edit.text()
        page.test_button.setEnabled(False)
        page.test_result.setText("Connecting…")
        self.bridge.run("settings-library-test", _off_loop(lambda: check_server(url, store, password, secrets)),
                        on_done=lambda result: page.show_test(*result),
                        on_error=lambda exc: page.show_test(False, describe_error(exc)))

    # ---- keys --------------------------------------------------------------------------------------
    def refresh_keys(self) -> None:
        """Read where each key comes from (off the loop thread) and show it."""
        secrets = self.secrets

        def read() -> KeyState:
            return KeyState(secrets.is_secure(), secrets.backend_name(), {n: secrets.status(n) for n in KeyName})

        self.bridge.run("settings-read-keys", _off_loop(read), on_done=self._show_key_state,
                        on_error=lambda exc: self.error.show_message(f"the keys could not be read: "
                                                                     f"{describe_error(exc)}"))

    def _show_key_state(self, state: KeyState) -> None:
        self.key_state = state
        self.insecure_warning.show_message("" if state.secure else INSECURE_TEXT)
        self.insecure_warning.setToolTip(f"Key store in use: {state.backend}")
        for name, row in self.rows.items():
            row.show_status(state.statuses[name])

    def test_key(self, name: KeyName) -> None:
        row = self.rows[name]
        pasted = row.new_edit.text().strip()
        secrets = self.secrets
        settings = self.settings_store.current
        if name is KeyName.VISION:  # the server as typed, saved or not
            settings = settings.updated({k: v for k, v in self.general_values().items() if k.startswith("vision_")})

        async def work() -> KeyCheck:
            key = pasted or await _off_loop(lambda: secrets.get(name))
            if not key:
                return KeyCheck(False, "there is no key to test: paste one first")
            return await check_key(name, key, settings)

        row.test_button.setEnabled(False)
        row.show_result(None, "Testing the pasted key…" if pasted else "Testing the key in use…")
        self.bridge.run(f"settings-test-{name.value}", work(), on_done=lambda r: self._tested(row, r),
                        on_error=lambda exc: self._tested(row, KeyCheck(False, describe_error(exc))))

    def _tested(self, row: KeyRow, result: KeyCheck) -> None:
        row.test_button.setEnabled(True)
        row.show_result(result.ok, result.message)

    def remove_key(self, name: KeyName) -> None:
        secrets = self.secrets
        row = self.rows[name]

        def removed(_result: None) -> None:
            row.show_result(None, f"The stored {name.label} was removed.")
            self.refresh_keys()

        self.bridge.run(f"settings-remove-{name.value}", _off_loop(lambda: secrets.delete(name)),
                        on_done=removed, on_error=lambda exc: row.show_result(False, describe_error(exc)))

    # ---- the vision server ------------------------------------------------------------------------
    @staticmethod
    def server_problem(values: dict[str, Any]) -> str | None:
        """Why the Pairing section's server cannot be asked as typed; None when it can (or when Grok pairs)."""
        if values["pairing_provider"] != OPENAI_COMPATIBLE:
            return None
        if not values["vision_base_url"]:
            return "enter the vision server's address (for example http://127.0.0.1:11434/v1)"
        try:
            normalise_base_url(values["vision_base_url"])
        except PairingError as exc:
            return str(exc)
        if not values["vision_model"]:
            return "name the vision model to ask on the server"
        return None

    def probe_server(self) -> None:
        """Ask the server as typed (with the pasted key, else the stored one) which models it offers."""
        values = {**self.general_values(), "pairing_provider": OPENAI_COMPATIBLE}
        if problem := self.server_problem(values):
            self.show_probe(EndpointProbe(False, (), problem))
            return
        settings = self.settings_store.current.updated(values)
        pasted = self.rows[KeyName.VISION].new_edit.text()
        self.probe_button.setEnabled(False)
        self.probe_label.setText("Asking the server for its models…")
        self.bridge.run("settings-probe", _probe(self.secrets, settings, pasted), on_done=self.show_probe,
                        on_error=lambda exc: self.show_probe(EndpointProbe(False, (), describe_error(exc))))

    def show_probe(self, probe: EndpointProbe) -> None:
        self.probe_button.setEnabled(self.provider_combo.currentData() == OPENAI_COMPATIBLE)
        text = probe.message[:1].upper() + probe.message[1:]
        self.probe_label.setText(("✔ " if probe.ok else "✖ ") + text + ".")

    # ---- save --------------------------------------------------------------------------------------
    def save(self) -> None:
        """Store the general settings, then every pasted key; with a vision server, ask it for its models.
        Close when everything worked; stay open, saying why, when the server cannot be used."""
        if self.bridge.is_running("settings-save"):
            return
        values = self.general_values()
        if not values["xai_model"]:
            self._refuse(GENERAL_TAB, "the Grok model needs a name")
            return
        if problem := self.server_problem(values):
            self._refuse(GENERAL_TAB, problem)
            return
        if problem := self.library_page.problem():
            self._refuse(LIBRARY_TAB, problem)
            return
        if problem := self.presets.problem():
            self._refuse(PRESETS_TAB, problem)
            return
        if problem := self.quality.problem():
            self._refuse(self.tabs.indexOf(self.quality), problem)
            return
        library = self.library_page.choice()
        values.update(library.values)
        pasted: dict[KeyName, str] = {}
        for name, row in self.rows.items():
            if row.new_edit.text().strip():
                try:
                    pasted[name] = clean_key(name, row.new_edit.text())
                except KeyFormatError as exc:
                    self._refuse(GENERAL_TAB if name is KeyName.VISION else 0, f"{exc} Nothing was saved.")
                    return
        self.error.clear()
        self.buttons.setEnabled(False)
        self.bridge.run("settings-save", self._save(values, pasted, library), on_done=self._saved,
                        on_error=self._failed)

    def _refuse(self, tab: int, message: str) -> None:
        self.tabs.setCurrentIndex(tab)
        self.error.show_message(message)

    async def _save(self, values: dict[str, Any], pasted: dict[KeyName, str], library: LibraryChoice
                    ) -> tuple[list[str], EndpointProbe | None]:
        settings, secrets = self.settings_store, self.secrets
        changed_library = any(getattr(settings.saved, k) != values[k] for k in ("team_library_url", "team_store"))
        await _off_loop(lambda: settings.update(**values))
        notes = ["Settings saved."]
        if library.account and library.password:
            account, password = library.account, library.password
            where = await _off_loop(lambda: secrets.set_database_password(account, password))
            notes.append("The database password was stored in the OS key store." if where is KeySource.KEYRING
                         else "The database password is kept for this session only: there is no secure key store.")
        if changed_library:
            notes.append("The library chosen opens at the next start.")
        for name, key in pasted.items():
            source = await _off_loop(lambda n=name, k=key: secrets.set(n, k))
            notes.append(describe_stored(name, source))
        probe = None
        if values["pairing_provider"] == OPENAI_COMPATIBLE:
            probe = await _probe(secrets, settings.current, "")
            notes.append(f"Vision server: {probe.message}.")
        return notes, probe

    def _saved(self, result: tuple[list[str], EndpointProbe | None]) -> None:
        notes, probe = result
        self.buttons.setEnabled(True)
        for row in self.rows.values():
            row.new_edit.clear()
        self.library_page.password_edit.clear()
        self.saved.emit(" ".join(notes))
        if probe is not None:
            self.show_probe(probe)
            if not probe.ok:
                self._refuse(GENERAL_TAB, f"the settings were saved, but {probe.message}")
                self.refresh_keys()
                return
        self.accept()

    def reject(self) -> None:
        """Close without saving, except while a save runs (it is not left half done)."""
        if not self.bridge.is_running("settings-save"):
            super().reject()

    def done(self, result: int) -> None:
        """Closing stops the dialog's other work (key reads, tests, removals): nobody would see the answers."""
        names = [f"settings-{action}-{n.value}" for n in KeyName for action in ("test", "remove")]
        for name in [*names, "settings-read-keys", "settings-probe", "settings-library-test"]:
            self.bridge.cancel(name)
        super().done(result)

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.show_message(describe_error(exc))
        self.refresh_keys()
