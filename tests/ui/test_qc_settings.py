"""The Quality tab of Settings: every QC limit with its default, saved where QC reads it, and a warning limit beyond
its failing one refused in plain words."""

from __future__ import annotations

from app.core.qc.thresholds import QcThresholds
from app.core.services import Services
from tests.ui.conftest import wait_until
from tests.ui.test_settings_dialog import _dialog


async def test_qc_limits_start_at_their_defaults_and_are_saved_for_qc(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    page = dialog.quality
    defaults = QcThresholds()
    assert set(page.spins) == {spec["name"] for spec in QcThresholds.describe()}
    assert all(spin.value() == getattr(defaults, name) for name, spin in page.spins.items())
    assert page.after_download.isChecked()
    assert "Default: 0.8" in page.spins["similarity_pass"].toolTip()

    page.spins["similarity_pass"].setValue(0.9)
    page.spins["frozen_fail_s"].setValue(4.0)
    page.after_download.setChecked(False)
    messages: list[str] = []
    dialog.saved.connect(messages.append)
    dialog.save()
    await wait_until(lambda: messages)
    current = services.settings.current
    assert current.qc_thresholds == {"similarity_pass": 0.9, "frozen_fail_s": 4.0}
    assert current.qc_after_download is False
    limits = services.generation.quality.thresholds()
    assert (limits.similarity_pass, limits.frozen_fail_s, limits.black_fail_s) == (0.9, 4.0, defaults.black_fail_s)

    again = await _dialog(services, qtbot)
    assert again.quality.spins["similarity_pass"].value() == 0.9 and not again.quality.after_download.isChecked()
    again.quality.restore_defaults()
    assert again.quality.thresholds() == {}


async def test_a_warning_limit_beyond_its_failing_one_is_refused(services: Services, qtbot) -> None:
    dialog = await _dialog(services, qtbot)
    dialog.quality.spins["black_warn_s"].setValue(3.0)  # fail stays at 1 s
    dialog.save()
    assert "black_warn_s=3 is beyond black_fail_s=1" in dialog.error.message()
    assert dialog.tabs.currentWidget() is dialog.quality
    assert services.settings.current.qc_thresholds == {}
