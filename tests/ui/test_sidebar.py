"""The clients/campaigns tree: a sound item model, selection, create, rename and delete with the impact shown."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QMessageBox

from app.core.domain import CampaignInfo, CampaignStatus, ClientInfo
from app.core.library.service import DeletionImpact
from app.core.services import Services
from app.ui.bridge import TaskBridge
from app.ui.change_feed import ChangeFeed
from app.ui.sidebar import LibraryTreeModel, Selection, Sidebar, describe_deletion
from tests.ui.conftest import wait_until

CLIENTS = [ClientInfo(1, "Acme", brand_colors=("#112233", "#ffcc00"), campaign_count=2),
           ClientInfo(2, "Bolt", campaign_count=0),
           ClientInfo(3, "Cora", campaign_count=1)]
CAMPAIGNS = [CampaignInfo(10, 1, "Autumn", client_name="Acme"),
             CampaignInfo(11, 1, "Spring", status=CampaignStatus.ARCHIVED, budget_usd=1500, client_name="Acme"),
             CampaignInfo(30, 3, "Launch", client_name="Cora")]


def test_the_tree_model_passes_the_model_tester(qtmodeltester, qapp) -> None:
    model = LibraryTreeModel()
    qtmodeltester.check(model, force_py=True)  # the tester stays connected and rechecks on every reset
    model.set_library(CLIENTS, CAMPAIGNS)
    model.set_library(CLIENTS[1:], CAMPAIGNS[2:])
    model.set_library([], [])
    model.set_library(CLIENTS, CAMPAIGNS)


def test_the_model_groups_campaigns_under_their_clients_and_finds_them_by_id(qapp) -> None:
    model = LibraryTreeModel()
    model.set_library(CLIENTS, CAMPAIGNS)
    assert model.rowCount() == 3
    acme = model.index(0, 0)
    assert [model.index(r, 0, acme).data() for r in range(model.rowCount(acme))] == ["Autumn", "Spring"]
    assert model.rowCount(model.index(1, 0)) == 0
    spring = model.index_of(Selection("campaign", 11))
    assert spring.parent() == acme and model.item(spring) == CAMPAIGNS[1]
    assert model.item(model.index_of(Selection("client", 3))) == CLIENTS[2]
    assert not model.index_of(Selection("campaign", 99)).isValid()
    assert model.item(QModelIndex()) is None
    assert "Archived · $1,500" in spring.data(Qt.ItemDataRole.ToolTipRole)
    assert spring.data(Qt.ItemDataRole.ForegroundRole) is not None  # archived campaigns are dimmed
    acme_icon = acme.data(Qt.ItemDataRole.DecorationRole).pixmap(16, 16).toImage()
    assert acme_icon.pixelColor(4, 8).name() == "#112233"  # the brand colours as stripes
    assert acme_icon.pixelColor(12, 8).name() == "#ffcc00"
    bolt_icon = model.index(1, 0).data(Qt.ItemDataRole.DecorationRole).pixmap(16, 16).toImage()
    assert bolt_icon.pixelColor(8, 8).alpha() == 0  # no colours: an empty frame keeps the names aligned
    assert spring.data(Qt.ItemDataRole.DecorationRole) is None


def test_renaming_in_the_model_only_asks(qapp) -> None:
    model = LibraryTreeModel()
    model.set_library(CLIENTS, CAMPAIGNS)
    asked: list[tuple[object, str]] = []
    model.rename_requested.connect(lambda item, name: asked.append((item, name)))
    index = model.index_of(Selection("campaign", 30))
    assert model.setData(index, "  Relaunch ") is False
    assert model.setData(index, "Launch") is False  # unchanged: nothing to ask
    assert model.setData(index, "   ") is False
    assert asked == [(CAMPAIGNS[2], "Relaunch")]
    assert index.data() == "Launch"


def test_the_deletion_question_says_what_goes() -> None:
    question, detail = describe_deletion(CLIENTS[0], DeletionImpact(campaigns=2, assets=1, jobs=3))
    assert question == "Delete the client “Acme”?"
    assert detail == ("This also deletes its 2 campaigns, 1 image in its library and 3 generation jobs. "
                      "This cannot be undone.")
    _, detail = describe_deletion(CLIENTS[1], DeletionImpact())
    assert detail == "It has no campaigns or images. This cannot be undone."
    _, detail = describe_deletion(CAMPAIGNS[0], DeletionImpact(assets=4, jobs=1))
    assert detail == ("Its 1 generation job and their clips are deleted too. Its 4 images stay in Acme's library. "
                      "This cannot be undone.")


async def _sidebar(services: Services, qtbot) -> Sidebar:
    sidebar = Sidebar(services.library, TaskBridge(), ChangeFeed(services.db.changes))
    qtbot.addWidget(sidebar)
    sidebar.show()
    return sidebar


def _button(box: QMessageBox, text: str):
    return next(b for b in box.buttons() if b.text() == text)


async def test_loading_and_selecting_reports_each_change_once(services: Services, qtbot) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring")).value
    sidebar = await _sidebar(services, qtbot)
    events: list[tuple[str, object]] = []
    sidebar.client_selected.connect(lambda c: events.append(("client", c.id)))
    sidebar.campaign_selected.connect(lambda c: events.append(("campaign", c.id)))
    sidebar.selection_cleared.connect(lambda: events.append(("cleared", None)))
    loads: list[bool] = []
    sidebar.loaded.connect(loads.append)
    await sidebar.reload(Selection("campaign", spring.id))
    await wait_until(lambda: loads)
    assert loads == [False]
    assert events == [("campaign", spring.id)]
    assert sidebar.view.isExpanded(sidebar.model.index(0, 0))
    await sidebar.reload()  # a reload keeps the selection and does not announce it again
    await wait_until(lambda: len(loads) == 2)
    assert events == [("campaign", spring.id)]
    sidebar.reload(Selection("client", acme.id))
    await sidebar.reload()  # a newer reload replaces the first one, not what it was to select
    await wait_until(lambda: len(loads) == 3)
    assert events[-1] == ("client", acme.id)
    assert sidebar.select(Selection("campaign", spring.id))
    assert sidebar.select(Selection("client", acme.id))
    assert events[-1] == ("client", acme.id)
    assert sidebar.details_action.isEnabled() is False and sidebar.delete_action.text() == "&Delete client…"


async def test_new_client_dialog_creates_and_selects_or_shows_the_refusal(services: Services, qtbot) -> None:
    await services.library.create_client("Acme")
    sidebar = await _sidebar(services, qtbot)
    selected: list[ClientInfo] = []
    sidebar.client_selected.connect(selected.append)
    sidebar.new_client()
    dialog = sidebar.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.form.name_edit.setText("acme")
    dialog.submit()
    await wait_until(lambda: dialog.error.message())
    assert "already exists" in dialog.error.message()
    assert dialog.isVisible()
    dialog.form.name_edit.setText("Northwind")
    dialog.form.homepage_edit.setText("https://northwind.example")
    dialog.submit()
    await wait_until(lambda: selected)
    assert selected[0].name == "Northwind" and selected[0].homepage == "https://northwind.example"
    assert [sidebar.model.index(r, 0).data() for r in range(sidebar.model.rowCount())] == ["Acme", "Northwind"]
    assert sidebar.current_item() == selected[0]


async def test_new_campaign_goes_to_the_selected_client(services: Services, qtbot) -> None:
    await services.library.create_client("Acme")
    bolt = (await services.library.create_client("Bolt")).value
    sidebar = await _sidebar(services, qtbot)
    await sidebar.reload(Selection("client", bolt.id))
    await wait_until(lambda: sidebar.current_item() is not None)
    chosen: list[CampaignInfo] = []
    sidebar.campaign_selected.connect(chosen.append)
    sidebar.new_campaign()
    dialog = sidebar.dialog
    assert dialog.form.client_id() == bolt.id
    dialog.form.name_edit.setText("Summer")
    dialog.submit()
    await wait_until(lambda: chosen)
    assert (chosen[0].client_id, chosen[0].name) == (bolt.id, "Summer")
    assert [c.name for c in await services.library.list_campaigns(bolt.id)] == ["Summer"]


async def test_renaming_saves_through_the_service_and_refusals_are_shown(services: Services, qtbot) -> None:
    acme = (await services.library.create_client("Acme")).value
    await services.library.create_client("Bolt")
    sidebar = await _sidebar(services, qtbot)
    await sidebar.reload(Selection("client", acme.id))
    await wait_until(lambda: sidebar.model.rowCount() == 2)
    sidebar.model.setData(sidebar.model.index_of(Selection("client", acme.id)), "Acme Corp")
    await wait_until(lambda: sidebar.model.index(0, 0).data() == "Acme Corp")
    assert (await services.library.get_client(acme.id)).name == "Acme Corp"
    assert sidebar.current_item().id == acme.id
    sidebar.model.setData(sidebar.model.index_of(Selection("client", acme.id)), "bolt")
    await wait_until(lambda: isinstance(sidebar.confirmation, QMessageBox) and sidebar.confirmation.isVisible())
    assert "already exists" in sidebar.confirmation.text()
    assert (await services.library.get_client(acme.id)).name == "Acme Corp"


async def test_deleting_a_client_says_what_goes_and_cancel_keeps_it(services: Services, qtbot) -> None:
    acme = (await services.library.create_client("Acme")).value
    for name in ("Spring", "Autumn"):
        await services.library.create_campaign(acme.id, name)
    sidebar = await _sidebar(services, qtbot)
    cleared: list[bool] = []
    sidebar.selection_cleared.connect(lambda: cleared.append(True))
    await sidebar.reload(Selection("client", acme.id))
    await wait_until(lambda: sidebar.current_item() is not None)

    sidebar.delete_current()
    await wait_until(lambda: sidebar.confirmation is not None and sidebar.confirmation.isVisible())
    box = sidebar.confirmation
    assert box.text() == "Delete the client “Acme”?"
    assert "its 2 campaigns" in box.informativeText()
    _button(box, "Cancel").click()
    await wait_until(lambda: not box.isVisible())
    assert [c.name for c in await services.library.list_clients()] == ["Acme"]

    sidebar.delete_current()
    await wait_until(lambda: sidebar.confirmation is not box and sidebar.confirmation.isVisible())
    _button(sidebar.confirmation, "Delete client").click()
    await wait_until(lambda: cleared and sidebar.model.is_empty())  # the tree follows the change it announced
    assert await services.library.list_clients() == []
    assert await services.library.list_campaigns() == []


async def test_deleting_a_campaign_keeps_its_client(services: Services, qtbot) -> None:
    acme = (await services.library.create_client("Acme")).value
    spring = (await services.library.create_campaign(acme.id, "Spring")).value
    sidebar = await _sidebar(services, qtbot)
    cleared: list[bool] = []
    sidebar.selection_cleared.connect(lambda: cleared.append(True))
    await sidebar.reload(Selection("campaign", spring.id))
    await wait_until(lambda: sidebar.current_item() is not None)
    sidebar.delete_current()
    await wait_until(lambda: sidebar.confirmation is not None and sidebar.confirmation.isVisible())
    assert sidebar.confirmation.text() == "Delete the campaign “Spring”?"
    _button(sidebar.confirmation, "Delete campaign").click()
    await wait_until(lambda: cleared)
    assert sidebar.model.rowCount() == 1 and sidebar.model.rowCount(sidebar.model.index(0, 0)) == 0
    assert [c.name for c in await services.library.list_clients()] == ["Acme"]
