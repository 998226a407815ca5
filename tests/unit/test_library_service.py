"""LibraryService: clients, campaigns, curation, tags, filters and sorts, deletion and the store's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.domain import AssetFilter, AssetSort, CampaignInfo, CampaignStatus, Flag, ImportResult
from app.core.library.service import DeletionImpact, LibraryError, LibraryService
from app.core.services import Services
from tests.helpers.images import make_image

pytestmark = pytest.mark.both_backends  # each test runs on SQLite and on PostgreSQL


async def imported(services: Services, campaign: CampaignInfo, folder: Path, names: list[str],
                   seed: int = 0) -> list[int]:
    """Import real small images named ``names``; returns their asset ids in order."""
    paths = [str(make_image(folder / name, (160, 90), seed=seed + i)) for i, name in enumerate(names)]
    report = await services.library.import_sources(campaign.id, paths)
    assert all(o.result in (ImportResult.IMPORTED, ImportResult.LINKED) for o in report.outcomes), report
    return [o.asset_id for o in report.outcomes]  # type: ignore[misc]


@pytest.fixture
def library(services: Services) -> LibraryService:
    return services.library


# ---- clients ------------------------------------------------------------------------------------------
async def test_create_list_rename_and_delete_clients(library: LibraryService) -> None:
    acme = (await library.create_client("  Acme  ", homepage=" https://acme.test ", brand_colors=["#FF0000", "0a0"],
                                       tone="friendly", restrictions="no red cars")).value
    assert (acme.name, acme.homepage, acme.brand_colors) == ("Acme", "https://acme.test", ("#ff0000", "#0a0"))
    globex = (await library.create_client("globex")).value
    assert [c.name for c in await library.list_clients()] == ["Acme", "globex"]
    assert (await library.get_client("ACME")).id == acme.id
    assert (await library.get_client(str(globex.id))).name == "globex"

    renamed = (await library.update_client(acme.id, name="Acme Corp", tone="bold", brand_colors=["#123456"])).value
    assert (renamed.name, renamed.tone, renamed.brand_colors, renamed.restrictions) == (
        "Acme Corp", "bold", ("#123456",), "no red cars")
    await library.delete_client(globex.id)
    assert [c.name for c in await library.list_clients()] == ["Acme Corp"]


async def test_client_names_are_unique_ignoring_case_and_must_not_be_empty(library: LibraryService) -> None:
    acme = (await library.create_client("Acme")).value
    other = (await library.create_client("Other")).value
    with pytest.raises(LibraryError, match="already exists"):
        await library.create_client("ACME")
    with pytest.raises(LibraryError, match="already exists"):
        await library.update_client(other.id, name="acme")
    with pytest.raises(LibraryError, match="empty"):
        await library.create_client("   ")
    with pytest.raises(LibraryError, match="not a colour"):
        await library.update_client(acme.id, brand_colors=["reddish"])
    with pytest.raises(LibraryError, match="unknown field"):
        await library.update_client(acme.id, owner="me")
    with pytest.raises(LibraryError, match="no client"):
        await library.get_client("Nobody")


# ---- campaigns ----------------------------------------------------------------------------------------
async def test_create_list_update_and_delete_campaigns(library: LibraryService) -> None:
    acme = (await library.create_client("Acme")).value
    spring = (await library.create_campaign("acme", "Spring", goal="sell", key_messages=["fast", " ", "cheap"],
                                           budget_usd=250)).value
    assert (spring.client_name, spring.key_messages, spring.budget_usd, spring.status) == (
        "Acme", ("fast", "cheap"), 250, CampaignStatus.DRAFT)
    autumn = (await library.create_campaign(acme.id, "Autumn")).value
    assert [c.name for c in await library.list_campaigns("Acme")] == ["Autumn", "Spring"]
    updated = (await library.update_campaign(spring.id, name="Spring sale", status="active", budget_usd=None,
                                            audience="students")).value
    assert (updated.name, updated.status, updated.budget_usd, updated.audience) == (
        "Spring sale", CampaignStatus.ACTIVE, None, "students")
    assert [(c.name, c.campaign_count) for c in await library.list_clients()] == [("Acme", 2)]
    await library.delete_campaign(autumn.id)
    assert [c.name for c in await library.list_campaigns()] == ["Spring sale"]


async def test_campaign_names_are_unique_per_client_and_ambiguous_names_need_an_id(library: LibraryService) -> None:
    acme = (await library.create_client("Acme")).value
    globex = (await library.create_client("Globex")).value
    first = (await library.create_campaign(acme.id, "Launch")).value
    with pytest.raises(LibraryError, match="already has a campaign named 'launch'"):
        await library.create_campaign(acme.id, "launch")
    second = (await library.create_campaign(globex.id, "Launch")).value  # another client may use the name
    with pytest.raises(LibraryError, match=r"several clients .* \(Acme, Globex\): use its id"):
        await library.get_campaign("Launch")
    assert (await library.get_campaign(str(second.id))).client_name == "Globex"
    assert (await library.get_campaign(first.id)).client_name == "Acme"
    other = (await library.create_campaign(acme.id, "Other")).value
    with pytest.raises(LibraryError, match="already has a campaign"):
        await library.update_campaign(other.id, name="LAUNCH")
    with pytest.raises(LibraryError, match="budget"):
        await library.create_campaign(acme.id, "Cheap", budget_usd=-1)
    with pytest.raises(LibraryError, match="no client"):
        await library.create_campaign("Nobody", "X")


async def test_deletion_impact_counts_what_goes_with_a_client_or_campaign(
        services: Services, library: LibraryService, tmp_path: Path) -> None:
    acme = (await library.create_client("Acme")).value
    spring = (await library.create_campaign(acme.id, "Spring")).value
    autumn = (await library.create_campaign(acme.id, "Autumn")).value
    await imported(services, spring, tmp_path, ["a.jpg", "b.jpg", "c.jpg"])
    await imported(services, autumn, tmp_path, ["a.jpg"])  # linked: same bytes, same seed
    assert await library.client_deletion_impact(acme.id) == DeletionImpact(campaigns=2, assets=3, jobs=0)
    assert await library.campaign_deletion_impact(autumn.id) == DeletionImpact(assets=1)
    await library.delete_campaign(autumn.id)
    assert len(await library.list_assets(spring.id)) == 3, "a campaign's assets stay in the client's library"


# ---- curation, tags, filters --------------------------------------------------------------------------
async def test_rating_flag_notes_and_tags(services: Services, library: LibraryService, tmp_path: Path) -> None:
    campaign = (await library.create_campaign(((await library.create_client("Acme")).value).id, "Spring")).value
    a, b = await imported(services, campaign, tmp_path, ["a.jpg", "b.jpg"])
    await library.set_rating([a, b], 4)
    await library.set_flag([a], Flag.PICK)
    await library.set_notes(b, "too dark")
    with pytest.raises(LibraryError, match="0 to 5"):
        await library.set_rating([a], 6)
    await library.add_tags([a, b], ["Beach", " summer  time ", "beach"])
    await library.add_tags([a], ["beach", "hero"])  # adding again does not duplicate
    await library.remove_tags([b], ["BEACH"])
    first, second = await library.get_assets([a, b])
    assert (first.rating, first.flag, first.tags) == (4, Flag.PICK, ("Beach", "hero", "summer time"))
    assert (second.rating, second.flag, second.notes, second.tags) == (4, Flag.NONE, "too dark", ("summer time",))
    assert await library.all_tags() == ["Beach", "hero", "summer time"]
    assert [x.id for x in await library.get_assets([b, 999, a])] == [b, a]


async def test_filters_and_sorts(services: Services, library: LibraryService, tmp_path: Path) -> None:
    campaign = (await library.create_campaign(((await library.create_client("Acme")).value).id, "Spring")).value
    sunset, beach, city = await imported(services, campaign, tmp_path, ["Sunset.jpg", "beach.png", "city.jpg"])
    await library.set_rating([sunset], 5)
    await library.set_rating([beach], 3)
    await library.set_flag([city], Flag.REJECT)
    await library.set_flag([beach], Flag.PICK)
    await library.add_tags([beach], ["summer"])
    await library.set_notes(city, "night skyline")

    async def ids(**kwargs: object) -> list[int]:
        return [x.id for x in await library.list_assets(campaign.id, AssetFilter(**kwargs))]  # type: ignore[arg-type]

    assert await ids() == [sunset, beach, city]
    assert await ids(min_rating=3) == [sunset, beach]
    assert await ids(flags=frozenset({Flag.PICK, Flag.NONE})) == [sunset, beach]
    assert await ids(tag="SUMMER") == [beach]
    assert await ids(text="sky") == [city]  # notes
    assert await ids(text="summ") == [beach]  # tags
    assert await ids(text="sun") == [sunset]  # names
    assert await ids(sort=AssetSort.NAME) == [beach, city, sunset]
    assert await ids(sort=AssetSort.RATING, descending=True) == [sunset, beach, city]
    assert await ids(sort=AssetSort.IMPORTED, descending=True) == [city, beach, sunset]


# ---- deleting assets and the store ----------------------------------------------------------------------
async def test_deleting_an_asset_removes_its_file_only_when_no_other_asset_uses_it(
        services: Services, library: LibraryService, tmp_path: Path) -> None:
    acme = (await library.create_campaign(((await library.create_client("Acme")).value).id, "Spring")).value
    globex = (await library.create_campaign(((await library.create_client("Globex")).value).id, "Launch")).value
    [acme_copy, only_acme] = await imported(services, acme, tmp_path / "acme", ["shared.jpg", "own.jpg"])
    [globex_copy] = await imported(services, globex, tmp_path / "globex", ["shared.jpg"])  # same seed, same bytes
    shared, own = await library.get_assets([acme_copy, only_acme])
    shared_file, own_file = library.asset_path(shared), library.asset_path(own)
    assert (await library.get_assets([globex_copy]))[0].sha256 == shared.sha256

    assert (await library.delete_assets([acme_copy, only_acme])).value == 2
    assert not own_file.exists()
    assert shared_file.is_file(), "the other client's asset still needs the file"
    assert (await library.delete_assets([globex_copy])).value == 1
    assert not shared_file.exists()


async def test_deleting_a_client_removes_its_files_and_unlinking_keeps_the_asset(
        services: Services, library: LibraryService, tmp_path: Path) -> None:
    client = (await library.create_client("Acme")).value
    spring = (await library.create_campaign(client.id, "Spring")).value
    autumn = (await library.create_campaign(client.id, "Autumn")).value
    a, b = await imported(services, spring, tmp_path, ["a.jpg", "b.jpg"])
    await library.link_assets(autumn.id, [a, b])
    await library.link_assets(autumn.id, [a])
    assert [x.id for x in await library.list_assets(autumn.id)] == [a, b]
    await library.remove_from_campaign(spring.id, [a])
    assert [x.id for x in await library.list_assets(spring.id)] == [b]
    assert [x.id for x in await library.list_assets(autumn.id)] == [a, b]
    files = [library.asset_path(x) for x in await library.get_assets([a, b])]
    assert all(f.is_file() for f in files)
    await library.delete_client(client.id)
    assert not any(f.exists() for f in files)
    assert await library.list_campaigns() == []


async def test_linking_the_same_asset_twice_in_one_call_links_it_once(services) -> None:
    library = services.library
    client = (await library.create_client("Initech")).value
    first = (await library.create_campaign(client.id, "One")).value
    second = (await library.create_campaign(client.id, "Two")).value
    from tests.helpers.images import make_image

    source = make_image(services.paths.root / "in" / "a.png", seed=3)
    report = await library.import_sources(first.id, [str(source)])
    asset_id = report.outcomes[0].asset_id
    assert asset_id is not None
    await library.link_assets(second.id, [asset_id, asset_id])
    assert [a.id for a in await library.list_assets(second.id)] == [asset_id]
    assert (await library.get_client(client.id)).campaign_count == 2
