"""Quality presets in the Settings dialog: built-in ones read-only, the user's added, edited and deleted, and the
mapping round-trips through the saved settings."""

from __future__ import annotations

from app.core.generation.presets import Preset, all_presets, save_preset
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.settings_dialog import PRESETS_TAB, SettingsDialog
from tests.ui.conftest import wait_until


async def _dialog(services: Services, qtbot) -> SettingsDialog:
    dialog = SettingsDialog(services.settings, services.secrets, TaskBridge())
    qtbot.addWidget(dialog)
    dialog.open()
    await wait_until(lambda: dialog.key_state is not None)
    return dialog


async def _save(dialog: SettingsDialog) -> None:
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)


async def test_presets_are_added_edited_and_deleted_and_round_trip_through_the_settings(services: Services,
                                                                                       qtbot) -> None:
    save_preset(services.settings, Preset("Night", "kwaivgi/kling-o1", "720p", 10.0, "fade"))
    dialog = await _dialog(services, qtbot)
    editor = dialog.presets
    assert [editor.list.item(i).text() for i in range(editor.list.count())] == \
        ["Economy  (built in)", "Balanced  (built in)", "Premium  (built in)", "Night"]
    editor.list.setCurrentRow(2)
    assert not editor.name_edit.isEnabled() and not editor.delete_button.isEnabled()  # built in: read-only
    assert editor.model_combo.currentData() == "google/veo-3.1" and editor.duration_combo.currentData() == 8.0

    editor.list.setCurrentRow(3)
    assert (editor.model_combo.currentData(), editor.resolution_combo.currentData(),
            editor.duration_combo.currentData(), editor.transition_combo.currentData()) == \
        ("kwaivgi/kling-o1", "720p", 10.0, "fade")
    editor.add()
    editor.name_edit.setText("Hailuo long")
    editor.name_edit.textEdited.emit("Hailuo long")
    editor.model_combo.setCurrentIndex(editor.model_combo.findData("minimax/hailuo-02"))
    editor.resolution_combo.setCurrentIndex(editor.resolution_combo.findData("768p"))
    assert [editor.duration_combo.itemData(i) for i in range(editor.duration_combo.count())] == [None, 6.0, 10.0]
    editor.duration_combo.setCurrentIndex(editor.duration_combo.findData(10.0))
    editor.transition_combo.setCurrentIndex(editor.transition_combo.findData("cut"))
    editor.list.setCurrentRow(3)
    editor.delete_current()  # Night goes
    await _save(dialog)
    assert services.settings.current.quality_presets == {
        "Hailuo long": {"model": "minimax/hailuo-02", "resolution": "768p", "duration_s": 10.0, "transition": "cut"}}
    assert [p.name for p in all_presets(services.settings.current)][-1] == "Hailuo long"

    again = await _dialog(services, qtbot)
    assert again.presets.stored() == services.settings.current.quality_presets
    again.presets.list.setCurrentRow(3)
    assert again.presets.duration_combo.currentData() == 10.0


async def test_a_bad_preset_keeps_the_dialog_open_on_its_tab_and_saves_nothing(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    dialog.presets.add()
    dialog.presets.name_edit.setText("Premium")
    dialog.presets.name_edit.textEdited.emit("Premium")
    dialog.save()
    assert dialog.tabs.currentIndex() == PRESETS_TAB and dialog.isVisible()
    assert "Premium is a built-in preset" in dialog.error.message()
    assert services.settings.current.quality_presets == {}
