"""The client editor and the campaign dialog save through the service, reload what was saved, and show refusals."""

from __future__ import annotations

from PySide6.QtGui import QColor

from app.core.domain import CampaignStatus
from app.core.media.brand_kit import default_font
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.campaign_editor import CampaignEditorDialog
from app.ui.change_feed import ChangeFeed
from app.ui.client_editor import ClientEditor
from app.ui.widgets.color_list import ColorSwatchList
from app.ui.widgets.forms import format_budget, parse_budget
from app.ui.widgets.string_list import StringListEditor
from tests.helpers.deliver_media import make_logo
from tests.helpers.images import make_image
from tests.ui.conftest import wait_until


def _pick(swatches: ColorSwatchList, color: str) -> None:
    dialog = swatches.color_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.setCurrentColor(QColor(color))
    dialog.accept()


async def test_colour_swatches_add_change_and_remove(qtbot) -> None:
    swatches = ColorSwatchList()
    qtbot.addWidget(swatches)
    swatches.show()
    changes: list[bool] = []
    swatches.changed.connect(lambda: changes.append(True))
    swatches.set_colors(["#112233", "#abc"])
    assert swatches.colors() == ["#112233", "#aabbcc"] and changes == []
    swatches.add_color()
    _pick(swatches, "#ff8800")
    assert swatches.colors() == ["#112233", "#aabbcc", "#ff8800"]
    swatches.list.setCurrentRow(0)
    swatches.change_current()
    _pick(swatches, "#000000")
    assert swatches.colors() == ["#000000", "#aabbcc", "#ff8800"]
    swatches.list.setCurrentRow(1)
    swatches.remove_current()
    assert swatches.colors() == ["#000000", "#ff8800"]
    swatches.add_color()
    swatches.color_dialog.reject()  # cancelling adds nothing
    assert swatches.colors() == ["#000000", "#ff8800"]
    assert len(changes) == 3


async def test_string_list_adds_moves_and_drops_empty_items(qtbot) -> None:
    editor = StringListEditor()
    qtbot.addWidget(editor)
    editor.set_items(["Fresh", "Local"])
    editor.add_item("Fair")
    editor.add_item("   ")
    assert editor.items() == ["Fresh", "Local", "Fair"]
    editor.list.setCurrentRow(2)
    editor.move_current(-1)
    assert editor.items() == ["Fresh", "Fair", "Local"]
    editor.list.setCurrentRow(0)
    editor.remove_current()
    assert editor.items() == ["Fair", "Local"]
    assert not editor.up_button.isEnabled()


def test_budgets_are_read_as_people_type_them() -> None:
    assert parse_budget("") is None
    assert parse_budget(" $1,500.50 ") == 1500.5
    assert parse_budget("2000 USD") == 2000
    for bad in ("lots", "nan", "1.2.3"):
        try:
            parse_budget(bad)
        except ValueError as exc:
            assert "US dollars" in str(exc)
        else:
            raise AssertionError(f"{bad!r} was accepted")
    assert format_budget(1500) == "1,500" and format_budget(99.5) == "99.50" and format_budget(None) == ""


async def test_client_editor_saves_every_field_and_reloads_it(services: Services, qtbot) -> None:
    client = (await services.library.create_client("Acme", brand_colors=["#112233"])).value
    editor = ClientEditor(services.library, TaskBridge(), ChangeFeed(services.db.changes))
    qtbot.addWidget(editor)
    editor.show()
    saved: list[object] = []
    editor.saved.connect(saved.append)
    editor.set_client(client)
    assert not editor.is_dirty() and not editor.save_button.isEnabled()
    form = editor.form
    form.name_edit.setText("Acme Coffee")
    form.homepage_edit.setText("https://acme.example")
    form.colors.add_color()
    _pick(form.colors, "#ffcc00")
    form.tone_edit.setPlainText("Warm, unhurried")
    form.restrictions_edit.setPlainText("No competitors' cups")
    form.notes_edit.setPlainText("Prefers morning light")
    assert editor.is_dirty() and editor.save_button.isEnabled()
    editor.save()
    await wait_until(lambda: saved)
    stored = await services.library.get_client(client.id)
    assert (stored.name, stored.homepage, stored.brand_colors) == ("Acme Coffee", "https://acme.example",
                                                                   ("#112233", "#ffcc00"))
    assert (stored.tone, stored.restrictions, stored.notes) == ("Warm, unhurried", "No competitors' cups",
                                                                "Prefers morning light")
    assert editor.client == saved[0] and not editor.is_dirty()
    assert editor.title.text() == "Acme Coffee"

    # a new editor shows exactly what was saved
    fresh = ClientEditor(services.library, TaskBridge(), ChangeFeed(services.db.changes))
    qtbot.addWidget(fresh)
    fresh.set_client(stored)
    assert fresh.form.values() == editor.form.values()


async def test_client_editor_shows_problems_inline_and_keeps_the_edits(services: Services, qtbot) -> None:
    await services.library.create_client("Bolt")
    client = (await services.library.create_client("Acme")).value
    editor = ClientEditor(services.library, TaskBridge(), ChangeFeed(services.db.changes))
    qtbot.addWidget(editor)
    editor.show()
    editor.set_client(client)
    editor.form.name_edit.setText("  ")
    editor.save()
    assert editor.error.message() == "The client needs a name"
    editor.form.name_edit.setText("Acme")
    editor.form.homepage_edit.setText("acme dot com")
    editor.save()
    assert "web address" in editor.error.message()
    editor.form.homepage_edit.setText("")
    editor.form.name_edit.setText("bolt")
    editor.save()
    await wait_until(lambda: editor.error.message())
    assert "already exists" in editor.error.message()
    assert editor.form.name_edit.text() == "bolt" and editor.is_dirty()
    assert (await services.library.get_client(client.id)).name == "Acme"
    editor.revert()
    assert editor.form.name_edit.text() == "Acme" and not editor.is_dirty()


async def test_campaign_dialog_saves_every_field_and_reopens_with_them(services: Services, qtbot) -> None:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    bridge = TaskBridge()
    dialog = CampaignEditorDialog(services.library, bridge, campaign)
    qtbot.addWidget(dialog)
    dialog.open()
    saved: list[object] = []
    dialog.saved.connect(saved.append)
    form = dialog.form
    assert form.client_combo.isHidden() or form.client_combo.count() == 0
    form.name_edit.setText("Spring launch")
    form.status_combo.setCurrentIndex(form.status_combo.findData("active"))
    form.goal_edit.setPlainText("Awareness")
    form.audience_edit.setPlainText("Commuters")
    form.messages.add_item("Fresh every morning")
    form.messages.add_item("Fair prices")
    form.product_url_edit.setText("https://acme.example/spring")
    form.budget_edit.setText("$1,250.50")
    assert not form.brand_check_box.isChecked()  # off by default: it is paid
    form.brand_check_box.setChecked(True)
    dialog.submit()
    await wait_until(lambda: saved)
    assert not dialog.isVisible()
    stored = await services.library.get_campaign(campaign.id)
    assert stored.name == "Spring launch" and stored.status is CampaignStatus.ACTIVE
    assert (stored.goal, stored.audience) == ("Awareness", "Commuters")
    assert stored.key_messages == ("Fresh every morning", "Fair prices")
    assert (stored.product_url, stored.budget_usd) == ("https://acme.example/spring", 1250.5)
    assert stored.brand_check
    again = CampaignEditorDialog(services.library, bridge, stored)
    qtbot.addWidget(again)
    assert again.form.values() == form.values()
    assert again.form.budget_edit.text() == "1,250.50"


async def test_campaign_dialog_refusals_stay_in_the_dialog(services: Services, qtbot) -> None:
    client = (await services.library.create_client("Acme")).value
    await services.library.create_campaign(client.id, "Autumn")
    campaign = (await services.library.create_campaign(client.id, "Spring", budget_usd=100)).value
    dialog = CampaignEditorDialog(services.library, TaskBridge(), campaign)
    qtbot.addWidget(dialog)
    dialog.open()
    dialog.form.budget_edit.setText("lots")
    dialog.submit()
    assert "not a number of US dollars" in dialog.error.message()
    dialog.form.budget_edit.setText("-5")
    dialog.submit()
    await wait_until(lambda: "0 or more" in dialog.error.message())
    dialog.form.budget_edit.setText("")
    dialog.form.name_edit.setText("autumn")
    dialog.submit()
    await wait_until(lambda: "already has a campaign named" in dialog.error.message())
    assert dialog.isVisible() and dialog.save_button.isEnabled()
    stored = await services.library.get_campaign(campaign.id)
    assert (stored.name, stored.budget_usd) == ("Spring", 100)


async def test_campaign_dialog_creates_for_the_chosen_client(services: Services, qtbot) -> None:
    acme = (await services.library.create_client("Acme")).value
    bolt = (await services.library.create_client("Bolt")).value
    dialog = CampaignEditorDialog(services.library, TaskBridge(), clients=[acme, bolt], client_id=acme.id)
    qtbot.addWidget(dialog)
    dialog.open()
    assert dialog.windowTitle() == "New campaign" and dialog.form.client_id() == acme.id
    dialog.form.select_client(bolt.id)
    dialog.form.name_edit.setText("Summer")
    dialog.form.messages.add_item("Cold brew is back")
    created: list[object] = []
    dialog.saved.connect(created.append)
    dialog.submit()
    dialog.reject()  # Cancel while the campaign is being created does not abandon it half way
    assert dialog.isVisible()
    await wait_until(lambda: created)
    assert not dialog.isVisible()
    campaigns = await services.library.list_campaigns(bolt.id)
    assert [(c.name, c.key_messages, c.status) for c in campaigns] == [("Summer", ("Cold brew is back",),
                                                                      CampaignStatus.DRAFT)]


async def test_client_editor_saves_the_brand_kit(services: Services, qtbot, tmp_path) -> None:
    client = (await services.library.create_client("Acme")).value
    campaign = (await services.library.create_campaign(client.id, "Spring")).value
    report = await services.library.import_sources(campaign.id, [str(make_image(tmp_path / "mark.jpg", (120, 60)))])
    asset_id = report.outcomes[0].asset_id
    editor = ClientEditor(services.library, TaskBridge(), ChangeFeed(services.db.changes))
    qtbot.addWidget(editor)
    editor.show()
    editor.set_client(client)
    brand = editor.brand
    await wait_until(lambda: brand.logo.findData(f"asset:{asset_id}") >= 0)
    assert not editor.is_dirty() and not brand.key_background.isEnabled()
    brand.logo.setCurrentIndex(brand.logo.findData(f"asset:{asset_id}"))
    brand.key_background.setChecked(True)
    brand.cta_edit.setText("Order today")
    brand.cta_edit.textEdited.emit("Order today")
    brand.file_chosen.emit("font", default_font())
    await wait_until(lambda: brand.values()["brand_fonts"])
    assert editor.is_dirty() and brand.fonts_label.text() == default_font().name
    saved: list[object] = []
    editor.saved.connect(saved.append)
    editor.save()
    await wait_until(lambda: saved)
    stored = await services.library.get_client(client.id)
    assert (stored.logo_asset_id, stored.logo_key_background, stored.cta) == (asset_id, True, "Order today")
    assert len(stored.brand_fonts) == 1 and services.paths.file(stored.brand_fonts[0]).is_file()

    # a logo file replaces the image; a file that is no image is refused under the form, nothing changes
    (tmp_path / "notes.txt").write_text("hello")
    brand.file_chosen.emit("logo", tmp_path / "notes.txt")
    await wait_until(lambda: editor.error.message())
    assert "cannot be read as an image" in editor.error.message() and not editor.is_dirty()
    brand.file_chosen.emit("logo", make_logo(tmp_path / "logo.png"))
    await wait_until(lambda: brand.values()["logo_file"])
    editor.save()
    await wait_until(lambda: len(saved) == 2)
    stored = await services.library.get_client(client.id)
    assert stored.logo_asset_id is None and stored.logo_file == brand.values()["logo_file"]
    kit = await services.library.brand_kit(campaign.id)
    assert kit.logo_path == services.paths.file(stored.logo_file) and kit.cta == "Order today"
