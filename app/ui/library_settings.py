"""Settings → Library: where the library lives (this computer's folder, or a team library: a PostgreSQL URL and a
shared store folder), the database password (into the OS key store, never into settings), and the name this
workstation's work is recorded under. The choice takes effect at the next start."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Settings, actor_name
from app.core.db.location import LocationError, parse_server_url
from app.core.secrets import SecretStore


@dataclass(frozen=True, slots=True)
class LibraryChoice:
    """What the page holds: the settings to save and a password to keep in the key store (None: keep as is)."""

    values: dict[str, Any]
    account: str | None
    password: str | None


def check_server(url: str, store: str, password: str, secrets: SecretStore) -> tuple[bool, str]:
    """Connect to the team library as typed (blocking: run it off the loop); says what was found."""
    from sqlalchemy import text

    from app.core.db.engine import DatabaseUnavailable, current_revision, head_revision, make_server_engine

    try:
        server, in_url = parse_server_url(url)
    except LocationError as exc:
        return False, str(exc)
    folder = Path(store).expanduser() if store.strip() else None
    if folder is None or not folder.is_dir() or not os.access(folder, os.W_OK):
        return False, "the shared store folder must exist and be writable (is the share mounted?)"
    try:
        engine = make_server_engine(server, password or in_url or secrets.database_password(server.account))
    except DatabaseUnavailable as exc:
        return False, str(exc)
    try:
        with engine.connect() as connection:
            version = connection.scalar(text("SHOW server_version"))
        revision = current_revision(engine)
    except Exception as exc:  # the server's or libpq's own words
        first = str(getattr(exc, "orig", exc)).strip().splitlines()
        return False, f"could not connect: {first[0] if first else type(exc).__name__}"
    finally:
        engine.dispose()
    if revision is None:
        state = "an empty database: Pairframe creates the library in it at the next start"
    elif revision == head_revision():
        state = "a team library of this version"
    else:
        state = f"a team library of schema {revision}: it is upgraded (after a backup) at the next start"
    return True, f"connected to PostgreSQL {version}: {state}"


class LibraryPage(QWidget):
    """The Library tab of Settings."""

    def __init__(self, settings: Settings, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.local_radio = QRadioButton("This &computer: a library folder of my own")
        self.team_radio = QRadioButton("A &team library: a PostgreSQL database and a shared folder")
        group = QButtonGroup(self)
        group.addButton(self.local_radio)
        group.addButton(self.team_radio)
        (self.team_radio if settings.team_library_url else self.local_radio).setChecked(True)
        self.url_edit = QLineEdit(settings.team_library_url)
        self.url_edit.setPlaceholderText("postgresql://you@db.agency.lan:5432/pairframe?sslmode=require")
        self.url_edit.setToolTip("The database's address; libpq's own parameters (sslmode, …) may follow the ?")
        self.store_edit = QLineEdit(settings.team_store)
        self.store_edit.setPlaceholderText("/mnt/pairframe  or  Z:\\pairframe")
        self.store_edit.setToolTip("A folder every workstation sees (an SMB or NFS share): originals, jobs, exports")
        self.browse_button = QPushButton("&Browse…")
        self.browse_button.clicked.connect(self._browse)
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_edit.setPlaceholderText("Stored in the OS key store on Save (leave empty to keep it)")
        self.test_button = QPushButton("Test &connection")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.name_edit = QLineEdit(settings.user_name)
        self.name_edit.setPlaceholderText(actor_name(Settings()))
        self.name_edit.setToolTip("Shown beside what you import, rate and launch (empty: your login and computer)")
        team = QGroupBox("Team library")
        form = QFormLayout(team)
        form.addRow("Database &URL:", self.url_edit)
        store_row = QHBoxLayout()
        store_row.addWidget(self.store_edit, 1)
        store_row.addWidget(self.browse_button)
        store_label = QLabel("Shared &folder:")
        store_label.setBuddy(self.store_edit)
        form.addRow(store_label, store_row)
        form.addRow("&Password:", self.password_edit)
        form.addRow(self.test_button, self.test_result)
        self.team_box = team
        who = QGroupBox("Who you are")
        who_form = QFormLayout(who)
        who_form.addRow("Record my work &as:", self.name_edit)
        note = QLabel(f"Open now: {current}. A change of library takes effect at the next start.")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.local_radio)
        layout.addWidget(self.team_radio)
        layout.addWidget(team)
        layout.addWidget(who)
        layout.addWidget(note)
        layout.addStretch(1)
        self.team_radio.toggled.connect(self._mode_changed)
        self._mode_changed()

    def _mode_changed(self) -> None:
        self.team_box.setEnabled(self.team_radio.isChecked())

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "The team library's shared folder", self.store_edit.text())
        if folder:
            self.store_edit.setText(folder)

    def problem(self) -> str | None:
        """Why the page cannot be saved as it is; None when it can."""
        if not self.team_radio.isChecked():
            return None
        try:
            parse_server_url(self.url_edit.text())
        except LocationError as exc:
            return str(exc)
        if not self.store_edit.text().strip():
            return "a team library needs its shared folder (where the originals, jobs and exports live)"
        return None

    def choice(self) -> LibraryChoice:
        """The settings to save (the URL without a password) and the password to keep, if one was typed."""
        name = self.name_edit.text().strip()
        if not self.team_radio.isChecked():
            return LibraryChoice({"team_library_url": "", "team_store": "", "user_name": name}, None, None)
        server, in_url = parse_server_url(self.url_edit.text())
        password = self.password_edit.text() or in_url
        values = {"team_library_url": server.display(), "team_store": self.store_edit.text().strip(),
                  "user_name": name}
        return LibraryChoice(values, server.account, password or None)

    def show_test(self, ok: bool, message: str) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(("✔ " if ok else "✖ ") + message[:1].upper() + message[1:] + ".")
