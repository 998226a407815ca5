"""Campaigns: their records, deletion, and which of the client's assets each one uses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Asset, Campaign, CampaignAsset, Client, Job
from app.core.db.tracking import record
from app.core.domain import CampaignInfo, CampaignStatus, Membership
from app.core.library.errors import LibraryError, check_fields, name_taken_meanwhile, required
from app.core.library.records import DeletionImpact, campaign_info, find_campaign, find_client


def campaigns_gone(campaign_ids: frozenset[int]) -> Changes:
    """Everything that hangs off deleted campaigns (the database's cascades remove it unseen by the session)."""
    return Changes(campaigns=campaign_ids, campaign_assets=campaign_ids, pairs=campaign_ids,
                   job_campaigns=campaign_ids, spend=campaign_ids)


class CampaignsMixin:
    """Part of ``LibraryService``: campaigns and the assets they use."""

    db: Database

    async def list_campaigns(self, client: int | str | None = None) -> list[CampaignInfo]:
        def work(s: Session) -> list[CampaignInfo]:
            query = select(Campaign).join(Client).order_by(func.lower(Client.name), func.lower(Campaign.name))
            if client is not None:
                query = query.where(Campaign.client_id == find_client(s, client).id)
            return [campaign_info(r) for r in s.scalars(query)]
        return await self.db.read(work)

    async def get_campaign(self, campaign: int | str) -> CampaignInfo:
        """A campaign by id or by name (a name must be unambiguous across clients)."""
        return await self.db.read(lambda s: campaign_info(find_campaign(s, campaign)))

    async def create_campaign(self, client: int | str, name: str, *, goal: str = "", audience: str = "",
                              key_messages: Sequence[str] = (), product_url: str = "",
                              budget_usd: float | None = None,
                              status: CampaignStatus = CampaignStatus.DRAFT,
                              brand_check: bool = False) -> Op[CampaignInfo]:
        name = required(name, "campaign name")
        _check_budget(budget_usd)
        def work(s: Session) -> CampaignInfo:
            owner = find_client(s, client)
            taken = f"{owner.name} already has a campaign named {name!r}"
            if s.scalar(select(Campaign.id).where(Campaign.client_id == owner.id,
                                                  func.lower(Campaign.name) == name.lower())):
                raise LibraryError(taken)
            row = Campaign(client_id=owner.id, name=name, goal=goal, audience=audience,
                           key_messages=[m.strip() for m in key_messages if m.strip()],
                           product_url=product_url.strip(), budget_usd=budget_usd, status=status.value,
                           brand_check=brand_check)
            row.client = owner
            s.add(row)
            with name_taken_meanwhile("campaigns", taken):
                s.flush()
            return campaign_info(row)
        return await self.db.op(work)

    async def update_campaign(self, campaign_id: int, **fields: object) -> Op[CampaignInfo]:
        """Change any of name, goal, audience, key_messages, product_url, budget_usd, status, brand_check."""
        allowed = {"name", "goal", "audience", "key_messages", "product_url", "budget_usd", "status", "brand_check"}
        check_fields(fields, allowed)
        def work(s: Session) -> CampaignInfo:
            row = find_campaign(s, campaign_id)
            if "name" in fields:
                new_name = required(str(fields["name"]), "campaign name")
                taken = f"{row.client.name} already has a campaign named {new_name!r}"
                if s.scalar(select(Campaign.id).where(Campaign.client_id == row.client_id,
                                                      func.lower(Campaign.name) == new_name.lower(),
                                                      Campaign.id != row.id)):
                    raise LibraryError(taken)
                row.name = new_name
                with name_taken_meanwhile("campaigns", taken):
                    s.flush()
            if "key_messages" in fields:
                row.key_messages = [str(m).strip() for m in fields["key_messages"] or () if str(m).strip()]
            if "budget_usd" in fields:
                budget = fields["budget_usd"]
                _check_budget(budget)  # type: ignore[arg-type]
                row.budget_usd = None if budget is None else float(budget)  # type: ignore[arg-type]
            if "status" in fields:
                row.status = CampaignStatus(fields["status"]).value
            if "brand_check" in fields:
                row.brand_check = bool(fields["brand_check"])
            for key in ("goal", "audience", "product_url"):
                if key in fields:
                    setattr(row, key, str(fields[key] or ""))
            s.flush()
            return campaign_info(row)
        return await self.db.op(work)

    async def campaign_deletion_impact(self, campaign_id: int) -> DeletionImpact:
        def work(s: Session) -> DeletionImpact:
            assets = s.scalar(select(func.count()).select_from(CampaignAsset)
                              .where(CampaignAsset.campaign_id == campaign_id))
            jobs = s.scalar(select(func.count()).select_from(Job).where(Job.campaign_id == campaign_id))
            return DeletionImpact(0, assets or 0, jobs or 0)
        return await self.db.read(work)

    async def delete_campaign(self, campaign_id: int) -> Changes:
        """Delete a campaign; its assets stay in the client's library."""
        def work(s: Session) -> None:
            row = find_campaign(s, campaign_id)
            record(s, campaigns_gone(frozenset({row.id})) | Changes(clients=frozenset({row.client_id})))
            s.delete(row)
        return (await self.db.op(work)).changes

    async def link_assets(self, campaign_id: int, asset_ids: Sequence[int]) -> Changes:
        """Let a campaign use assets of its client's library."""
        def work(s: Session) -> None:
            existing = set(s.scalars(select(CampaignAsset.asset_id).where(CampaignAsset.campaign_id == campaign_id)))
            s.add_all(CampaignAsset(campaign_id=campaign_id, asset_id=a) for a in dict.fromkeys(asset_ids)
                      if a not in existing)
        return (await self.db.op(work)).changes

    async def remove_from_campaign(self, campaign_id: int, asset_ids: Sequence[int]) -> Changes:
        """Unlink assets from a campaign; they stay in the client's library."""
        return (await self.unlink_assets(campaign_id, asset_ids)).changes

    async def unlink_assets(self, campaign_id: int, asset_ids: Sequence[int]) -> Op[Membership]:
        """Unlink assets from a campaign (they stay in the client's library); the value says which were members and
        since when (``restore_membership`` links them again)."""
        ids = list(dict.fromkeys(asset_ids))
        def work(s: Session) -> Membership:
            joined: list[tuple[int, datetime]] = []
            for start in range(0, len(ids), 900):
                chunk = ids[start:start + 900]
                joined.extend(tuple(r) for r in s.execute(select(CampaignAsset.asset_id, CampaignAsset.added_at).where(
                    CampaignAsset.campaign_id == campaign_id, CampaignAsset.asset_id.in_(chunk))))
                record(s, Changes(campaign_assets=frozenset({campaign_id}), assets=frozenset(chunk)))
                s.execute(delete(CampaignAsset).where(CampaignAsset.campaign_id == campaign_id,
                                                      CampaignAsset.asset_id.in_(chunk)))
            return Membership(campaign_id, tuple(joined))
        return await self.db.op(work)

    async def restore_membership(self, membership: Membership) -> Changes:
        """Link assets to the campaign again, each with the time it first joined (assets or a campaign deleted
        since are skipped)."""
        def work(s: Session) -> None:
            if s.get(Campaign, membership.campaign_id) is None:
                raise LibraryError("the campaign was deleted: its images cannot be put back")
            ids = [a for a, _ in membership.joined]
            present = set(s.scalars(select(Asset.id).where(Asset.id.in_(ids))))
            linked = set(s.scalars(select(CampaignAsset.asset_id).where(
                CampaignAsset.campaign_id == membership.campaign_id, CampaignAsset.asset_id.in_(ids))))
            s.add_all(CampaignAsset(campaign_id=membership.campaign_id, asset_id=a, added_at=at)
                      for a, at in membership.joined if a in present and a not in linked)
        return (await self.db.op(work)).changes


def _check_budget(budget: float | None) -> None:
    if budget is not None and (not isinstance(budget, int | float) or budget < 0):
        raise LibraryError("the budget is a number of US dollars, 0 or more")


__all__ = ["CampaignsMixin", "campaigns_gone"]
