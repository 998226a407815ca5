"""What a team library adds to the window: Settings → Library, who did what in the details and the job summary,
and notes someone else saved first, shown beside mine to merge."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.core.services import Services
from app.ui.assets.detail_panel import NOTES_SAVE_MS
from app.ui.bridge import TaskBridge
from app.ui.jobs.job_summary import JobSummary
from app.ui.settings_dialog import LIBRARY_TAB, SettingsDialog
from app.ui.widgets.merge_dialog import MergeDialog
from tests.helpers import postgres
from tests.helpers.generation_data import seed_campaign
from tests.helpers.keyring_memory import MemoryKeyring
from tests.ui.assets_helpers import campaign_with_images, open_page, select_rows
from tests.ui.conftest import wait_until


async def _settings_dialog(services: Services, qtbot) -> SettingsDialog:
    dialog = SettingsDialog(services.settings, services.secrets, TaskBridge())
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.key_state is not None)
    return dialog


async def test_a_team_library_is_chosen_in_settings_and_its_password_goes_to_the_key_store(
        services: Services, qtbot, tmp_path: Path, isolated_environment: MemoryKeyring) -> None:
    dialog = await _settings_dialog(services, qtbot)
    page = dialog.library_page
    assert page.local_radio.isChecked() and not page.team_box.isEnabled()
    page.team_radio.setChecked(True)
    page.url_edit.setText("postgresql://ann:typed-in-url@db.agency.lan:5432/ads?sslmode=require")
    dialog.save()
    assert dialog.tabs.currentIndex() == LIBRARY_TAB and "shared folder" in dialog.error.message()
    page.store_edit.setText(str(tmp_path / "share"))
    page.name_edit.setText("Ann (Berlin)")
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)
    saved = json.loads(services.paths.settings.read_text())
    assert saved["team_library_url"] == "postgresql://ann@db.agency.lan:5432/ads?sslmode=require"
    assert saved["team_store"] == str(tmp_path / "share") and saved["user_name"] == "Ann (Berlin)"
    assert "typed-in-url" not in services.paths.settings.read_text()
    assert isolated_environment.passwords[("pairframe", "database:ann@db.agency.lan:5432/ads")] == "typed-in-url"
    assert "next start" in messages[0] and "typed-in-url" not in messages[0]


@pytest.mark.postgres
async def test_test_connection_says_what_the_server_holds(services: Services, qtbot, tmp_path: Path) -> None:
    (tmp_path / "share").mkdir()
    with postgres.fresh_database() as server:
        dialog = await _settings_dialog(services, qtbot)
        page = dialog.library_page
        page.team_radio.setChecked(True)
        page.url_edit.setText(server.display())
        page.store_edit.setText(str(tmp_path / "share"))
        page.test_button.click()
        await wait_until(lambda: page.test_result.text().startswith(("✔", "✖")), timeout=20)
        assert page.test_result.text().startswith("✔ Connected to PostgreSQL")
        assert "this version" in page.test_result.text()
        dialog.close()


async def test_details_show_who_imported_and_rated_and_a_stale_notes_save_opens_the_merge(
        services: Services, qtbot, tmp_path: Path) -> None:
    services.settings.update(user_name="Ann")
    campaign, _ = await campaign_with_images(services, tmp_path, count=2)
    async with open_page(services, qtbot, campaign) as page:
        select_rows(page, [0])
        asset = page.model.asset(0)
        assert "by Ann" in page.detail.facts["Imported"].text()
        services.settings.update(user_name="Bo")  # a colleague rates it: the last writer wins and is named
        await services.library.set_rating([asset.id], 3)
        await wait_until(lambda: "Rated by Bo" in page.detail.facts["By"].text())
        QTest.keyClicks(page.detail.notes, "mine")  # Ann starts typing…
        await services.library.set_notes(asset.id, "theirs", version=asset.notes_version)  # …Bo saves first
        await wait_until(lambda: page.notes_merge is not None, timeout=NOTES_SAVE_MS / 1000 + 3)
        dialog = page.notes_merge
        assert isinstance(dialog, MergeDialog)
        assert dialog.theirs.toPlainText() == "theirs" and dialog.mine.toPlainText() == "mine"
        assert "Bo saved" in dialog.findChildren(type(page.detail.title))[0].text()
        assert (await services.library.get_assets([asset.id]))[0].notes == "theirs"  # nothing overwritten
        dialog.mine.setPlainText("theirs + mine")
        QTest.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        await wait_until(lambda: page.model.asset(0).notes == "theirs + mine")
        stored = (await services.library.get_assets([asset.id]))[0]
        assert stored.notes == "theirs + mine" and stored.notes_by == "Bo"


async def test_the_job_summary_names_who_launched_the_job(services: Services, qtbot, tmp_path: Path) -> None:
    services.settings.update(user_name="Cy")
    campaign_id = await seed_campaign(services, tmp_path / "images", pairs=1)
    plan = await services.generation.plan(campaign_id, "local", duration_s=2)
    job = (await services.generation.create_job(plan)).value
    summary = JobSummary()
    qtbot.addWidget(summary)
    summary.show_job(job, job.clips)
    assert summary.launched_label.text() == "Cy"
    await services.generation.aclose()
