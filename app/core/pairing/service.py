"""Pair suggestions of a campaign: made by Grok (or another vision model) or the local pairer, edited, stored.

A "Suggest pairs" run stores its suggestions in one transaction, together with its ``pairing_runs`` row (tokens,
repairs). By default it replaces the campaign's grok and local suggestions and keeps the pairs the user added by
hand (source ``manual``), which follow the new ones in their order; it can also replace the whole list, or add to
it. Every edit of the list is one ``edit_pairs`` (or ``save_pairs``) transaction, which marks the pairs it changed
as edited; each write returns the list it replaced, so ``restore_pairs`` can put it back (Undo).
Every request to the vision model enters the ledger the moment it returns (its id, tokens and price), also
when its reply cannot be used: it was paid for. The "grok" pairer asks the vision model
of the settings' ``VisionEndpoint``: xAI's Grok, or an OpenAI-compatible server (``pairing_provider``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings, SettingsStore, actor_name
from app.core.changes import Changes, Op
from app.core.db import Database
from app.core.db.models import Campaign, CampaignAsset, PairingRun, PairSuggestionRow
from app.core.db.tracking import record
from app.core.domain import (
    CampaignInfo,
    ClientInfo,
    Flag,
    PairingProgress,
    PairingResult,
    PairingStage,
    PairListEdit,
    PairListSnapshot,
    PairSource,
    PairSuggestion,
    StoredPair,
)
from app.core.library.service import LibraryService
from app.core.money import ledger
from app.core.money.charges import CallKind, Charge, to_usd, token_charge
from app.core.pairing.endpoint import VisionEndpoint, endpoint_from_settings
from app.core.pairing.errors import PairingError, PromptConflict
from app.core.pairing.feature_store import load_candidates
from app.core.pairing.local import pair_locally
from app.core.pairing.previews import load_previews
from app.core.pairing.prompt import MAX_PAIRS, build_pairing_messages, build_rewrite_messages
from app.core.pairing.schema import (
    JSON_OBJECT,
    PAIRS_SCHEMA,
    PAIRS_SCHEMA_NAME,
    REWRITE_SCHEMA,
    REWRITE_SCHEMA_NAME,
)
from app.core.pairing.similarity import Candidate, preselect
from app.core.pairing.templates import motion_prompt
from app.core.pairing.validate import MalformedReply, ReplyRules, validate_pairs, validate_rewrite
from app.core.secrets import KeyFormatError, KeyName, SecretStore

if TYPE_CHECKING:
    from app.core.pairing.grok import Completion, GrokClient

log = logging.getLogger(__name__)
T = TypeVar("T")
PAIRERS = ("grok", "local")
EXISTING_PAIRS = ("keep-manual", "replace", "append")  # what a suggest run does with the stored list
REWRITE_RUN = "grok-rewrite"  # pairing_runs.pairer of a prompt rewrite (its tokens)
MAX_FEEDBACK_CHARS = 500
ProgressCallback = Callable[[PairingProgress], None]

__all__ = ["PairingError", "PairingResult", "PairingService"]


@dataclass(slots=True)
class _Usage:
    """The requests of one run to the vision model: their tokens, and each one's ledger charge."""

    campaign_id: int
    kind: CallKind
    endpoint: VisionEndpoint | None
    settings: Settings
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_nanos: int = 0

    def add(self, completion: Completion) -> Charge:
        """Count ``completion``'s tokens; its charge, priced at xAI's prices (another server's: unknown, free)."""
        endpoint = self.endpoint
        assert endpoint is not None
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        prices = (self.settings.xai_price_input_per_mtok, self.settings.xai_price_output_per_mtok) \
            if endpoint.priced else (0.0, 0.0)
        charge = token_charge("xai" if endpoint.is_xai else f"vision:{endpoint.host}",
                              completion.request_id or f"unnamed-{secrets.token_hex(12)}", self.kind, endpoint.model,
                              completion.prompt_tokens, completion.completion_tokens, *prices)
        self.cost_nanos += charge.amount_nanos
        return charge.owned_by(campaign_id=self.campaign_id)

    @property
    def cost_usd(self) -> float:
        return to_usd(self.cost_nanos)


@dataclass(slots=True)
class _Pool:
    """The campaign's usable assets with their features, and what the user should know about the rest."""

    candidates: list[Candidate]
    rejected_ids: frozenset[int]
    campaign_ids: frozenset[int]
    notes: list[str] = field(default_factory=list)


def _suggestion(row: PairSuggestionRow) -> PairSuggestion:
    return PairSuggestion(row.first_asset_id, row.last_asset_id, row.score, row.reasoning, row.prompt,
                          PairSource(row.source), row.position, row.id, row.prompt_version, row.prompt_by)


def _noop(_progress: PairingProgress) -> None:
    return None


class PairingService:
    """Suggests, stores and edits the pair list of a campaign."""

    def __init__(self, db: Database, library: LibraryService, settings: SettingsStore, secrets: SecretStore) -> None:
        self.db = db
        self.library = library
        self.settings = settings
        self.secrets = secrets
        self._open_clients: set[GrokClient] = set()

    def grok_available(self) -> bool:
        """True when the vision pairer can be asked: an xAI key is set (environment, keyring or this session), or
        an OpenAI-compatible server is configured. A key that cannot be used counts: asking then says why."""
        settings = self.settings.current
        if settings.pairing_provider != "xai":
            return bool(settings.vision_base_url.strip() and settings.vision_model.strip())
        try:
            return bool(self.secrets.get(KeyName.XAI))
        except KeyFormatError:
            return True

    def vision_endpoint(self, *, base_url: str | None = None, model: str | None = None) -> VisionEndpoint:
        """The vision model pairing asks (``base_url``/``model`` override the settings, as ``pair --endpoint``
        does); raises ``PairingError`` when it cannot be asked. Blocking: it reads the keyring."""
        return endpoint_from_settings(self.settings.current, self.secrets, base_url=base_url, model=model)

    # ---- suggestions -------------------------------------------------------------------------------
    async def suggest(self, campaign_id: int, *, pairer: str | None = None, count: int | None = None,
                      chain: bool = False, on_progress: ProgressCallback | None = None,
                      endpoint: VisionEndpoint | None = None, existing: str = "keep-manual") -> PairingResult:
        """Suggest pairs with ``pairer`` (default: grok when it can be asked, else local) and store them.

        ``count`` is 1–12, or None for the pairer's choice. ``on_progress`` receives ``PairingProgress``
        values (``str()`` of one is a short status line). ``endpoint`` (default: the settings') is the vision
        model the grok pairer asks. ``existing`` says what happens to the stored list: ``keep-manual`` replaces
        the suggested pairs and keeps those added by hand after the new ones, ``replace`` replaces every pair,
        ``append`` keeps every pair and adds the new ones after them. The result's ``replaced`` is the list as it
        was. Raises ``PairingError`` with a message for the user.
        """
        pairer = pairer or ("grok" if endpoint is not None or self.grok_available() else "local")
        if pairer not in PAIRERS:
            raise PairingError(f"unknown pairer {pairer!r}: use grok or local")
        if existing not in EXISTING_PAIRS:
            raise PairingError(f"unknown choice {existing!r} for the stored pairs: use {', '.join(EXISTING_PAIRS)}")
        if count is not None and not 1 <= count <= MAX_PAIRS:
            raise PairingError(f"ask for 1 to {MAX_PAIRS} pairs (or let the pairer decide)")
        report = on_progress or _noop
        settings = self.settings.current
        if pairer == "grok" and endpoint is None:
            endpoint = self.vision_endpoint()
        campaign = await self.library.get_campaign(campaign_id)
        client = await self.library.get_client(campaign.client_id)
        pool = await self._pool(campaign.id, settings, report)
        usage = _Usage(campaign.id, CallKind.PAIRING, endpoint if pairer == "grok" else None, settings)
        if pairer == "grok":
            assert endpoint is not None
            try:
                pairs, repairs, notes = await self._grok_pairs(endpoint, settings, campaign, client, pool, count,
                                                               chain, usage, report)
            except PairingError as exc:
                await self._record_failed_run(campaign.id, "grok", endpoint, usage, chain, count, str(exc))
                raise
        else:
            pairs, repairs, notes = await self._local_pairs(campaign, client, pool, count, chain, report)
        report(PairingProgress(PairingStage.SAVING))
        model = endpoint.model if pairer == "grok" and endpoint is not None else ""
        stored = await self._write(lambda s: _store_run(s, campaign.id, pairer, model, chain, count, usage, repairs,
                                                        pairs, existing))
        made, replaced = stored.value
        return PairingResult(tuple(made), pairer, tuple(repairs), tuple(pool.notes + notes),
                             usage.prompt_tokens, usage.completion_tokens, usage.cost_usd, replaced)

    async def _pool(self, campaign_id: int, settings: Settings, report: ProgressCallback) -> _Pool:
        assets = await self.library.list_assets(campaign_id)
        minimum = settings.pairing_min_rating
        rejected = [a for a in assets if a.flag is Flag.REJECT]
        below = [a for a in assets if a.flag is not Flag.REJECT and a.rating < minimum]
        usable = [a for a in assets if a.flag is not Flag.REJECT and a.rating >= minimum]
        left_out = [f"{len(rejected)} rejected"] if rejected else []
        if below:
            left_out.append(f"{len(below)} under {minimum}★")
        notes = [f"{len(usable)} of {len(assets)} assets usable ({', '.join(left_out)} left out)"] if left_out else []
        candidates, unreadable = await load_candidates(self.db, self.library.store, usable, report)
        if len(candidates) < 2:
            rule = "rejected assets" + (f" and those under {minimum}★" if minimum else "") + " are left out"
            raise PairingError(f"Pairing needs at least two usable assets; this campaign has {len(candidates)} "
                               f"({rule}). Import or un-reject some images first.")
        return _Pool(candidates, frozenset(a.id for a in rejected), frozenset(a.id for a in assets),
                     notes + unreadable)

    async def _local_pairs(self, campaign: CampaignInfo, client: ClientInfo, pool: _Pool, count: int | None,
                           chain: bool, report: ProgressCallback
                           ) -> tuple[list[PairSuggestion], list[str], list[str]]:
        report(PairingProgress(PairingStage.PAIRING, total=len(pool.candidates)))
        work = functools.partial(pair_locally, pool.candidates, count=count, chain=chain,
                                 prompt_for=lambda position: motion_prompt(campaign, client, position))
        made = await asyncio.get_running_loop().run_in_executor(None, work)
        return made.pairs, [], made.notes

    async def _grok_pairs(self, endpoint: VisionEndpoint, settings: Settings, campaign: CampaignInfo,
                          client: ClientInfo, pool: _Pool, count: int | None, chain: bool, usage: _Usage,
                          report: ProgressCallback) -> tuple[list[PairSuggestion], list[str], list[str]]:
        candidates, notes = pool.candidates, []
        if len(candidates) > settings.pairing_max_images:
            chosen = await asyncio.get_running_loop().run_in_executor(
                None, preselect, candidates, settings.pairing_max_images)
            notes.append(f"{len(candidates)} usable assets: sent the {len(chosen)} best rated and most diverse")
            candidates = chosen
        assets = [c.asset for c in candidates]
        previews, unreadable = await load_previews(self.library.store, self.library.paths.previews, assets,
                                                   settings.pairing_preview_px, report)
        notes.extend(unreadable)
        images = [(a, previews[a.id]) for a in assets if a.id in previews]
        if len(images) < 2:
            raise PairingError("Fewer than two previews could be made from this campaign's images.")
        rules = ReplyRules(frozenset(a.id for a, _ in images), pool.rejected_ids, pool.campaign_ids, count, chain,
                           lambda position: motion_prompt(campaign, client, position))
        messages = build_pairing_messages(campaign, client, images, count, chain)
        async with self._grok(endpoint) as grok:
            (pairs, repairs), mode = await self._ask(grok, messages, (PAIRS_SCHEMA_NAME, PAIRS_SCHEMA),
                                                     lambda text: validate_pairs(text, rules), usage, report,
                                                     len(images))
        notes.append(answer_format_note(endpoint, mode))
        return pairs, repairs, notes

    async def _ask(self, grok: GrokClient, messages: list[dict[str, Any]], schema: tuple[str, dict[str, Any]],
                   parse: Callable[[str | None], T], usage: _Usage, report: ProgressCallback, images: int
                   ) -> tuple[T, str]:
        """Ask Grok for a reply of ``schema`` (name, JSON schema) and parse it; an unusable reply is asked for
        once more, then a ``PairingError``. Returns the parsed reply and the reply format that was used."""
        def on_retry(wait_s: float, reason: str) -> None:
            report(PairingProgress(PairingStage.RETRY, wait_s=wait_s, reason=reason))

        attempt = 1
        while True:
            report(PairingProgress(PairingStage.REQUEST, attempt, images))
            completion = await grok.complete_structured(messages, *schema, on_retry)
            charge = usage.add(completion)
            await self._record_call(charge)
            try:
                return parse(completion.text), completion.mode
            except MalformedReply as exc:
                log.warning("unusable reply of %s (attempt %d): %s", grok.assistant, attempt, exc)
                if attempt == 2:
                    raise PairingError(f"{grok.assistant}'s reply could not be used, twice in a row ({exc}). Try "
                                       "again, or use the local pairer.") from None
                report(PairingProgress(PairingStage.RETRY,
                                       reason=f"{grok.assistant}'s reply could not be used ({exc})"))
                attempt += 1

    @contextlib.asynccontextmanager
    async def _grok(self, endpoint: VisionEndpoint) -> AsyncIterator[GrokClient]:
        client = endpoint.client()  # the openai SDK loads only when a vision model is asked
        self._open_clients.add(client)
        try:
            yield client
        finally:
            self._open_clients.discard(client)
            await client.aclose()

    async def _record_call(self, charge: Charge) -> None:
        """Put one request to the vision model in the ledger (its own transaction: it was paid for, whatever
        happens to the run)."""
        await self.db.run(lambda s: ledger.record(s, charge))

    async def _record_failed_run(self, campaign_id: int, pairer: str, endpoint: VisionEndpoint, usage: _Usage,
                                 chain: bool, count: int | None, error: str) -> None:
        """Keep a run whose replies were not used, with its tokens and why (its requests are in the ledger)."""
        if not (usage.prompt_tokens or usage.completion_tokens):
            return
        run = PairingRun(campaign_id=campaign_id, pairer=pairer, model=endpoint.model, chain=chain,
                         requested_count=count, prompt_tokens=usage.prompt_tokens,
                         completion_tokens=usage.completion_tokens, repairs=[error])
        with contextlib.suppress(IntegrityError):  # the campaign was deleted meanwhile
            await self.db.run(lambda s: s.add(run))

    async def _write(self, work: Callable[[Session], T]) -> Op[T]:
        try:
            return await self.db.op(work)
        except IntegrityError:
            raise PairingError("The campaign or its images changed meanwhile (something was deleted). "
                               "Reload the pairs and try again.") from None

    # ---- the edited list ---------------------------------------------------------------------------
    async def list_pairs(self, campaign_id: int) -> list[PairSuggestion]:
        """The campaign's pairs in order."""
        def work(s: Session) -> list[PairSuggestion]:
            rows = s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                             .order_by(PairSuggestionRow.position, PairSuggestionRow.id))
            return [_suggestion(r) for r in rows]
        return await self.db.read(work)

    async def save_pairs(self, campaign_id: int, pairs: Sequence[PairSuggestion]) -> Op[list[PairSuggestion]]:
        """Store the whole edited list in one transaction: order, removals, new pairs (id None), edits.

        Raises ``PairingError`` (and changes nothing) when a pair uses an asset outside the campaign, pairs an
        image with itself, or refers to a pair that no longer exists; ``PromptConflict`` when a prompt edited from
        an older ``prompt_version`` meets one someone else saved meanwhile (it carries their text to merge).
        """
        op = await self.edit_pairs(campaign_id, pairs)
        return Op(list(op.value.saved), op.changes)

    async def edit_pairs(self, campaign_id: int, pairs: Sequence[PairSuggestion]) -> Op[PairListEdit]:
        """``save_pairs``, returning the stored list before and after the edit as well (for Undo and Redo)."""
        actor = actor_name(self.settings.current)

        def work(s: Session) -> PairListEdit:
            before = _snapshot(s, campaign_id)
            saved = _save_pairs(s, campaign_id, list(pairs), actor)
            return PairListEdit(tuple(saved), before, _snapshot(s, campaign_id))
        return await self._write(work)

    async def restore_pairs(self, snapshot: PairListSnapshot) -> Op[PairListEdit]:
        """Make the campaign's stored list exactly ``snapshot`` again (ids, runs, marks and times; a new id where the
        old one was taken since). Pairs whose images left the campaign since are left out. One transaction."""
        def work(s: Session) -> PairListEdit:
            before = _snapshot(s, snapshot.campaign_id)
            _put_back(s, snapshot)
            after = _snapshot(s, snapshot.campaign_id)
            return PairListEdit(tuple(after.pairs()), before, after)
        return await self._write(work)

    async def has_manual_edits(self, campaign_id: int) -> bool:
        """Whether the stored list holds work of a person: pairs added by hand, or pairs edited, moved or swapped."""
        def work(s: Session) -> bool:
            return s.scalar(select(PairSuggestionRow.id).where(
                PairSuggestionRow.campaign_id == campaign_id,
                (PairSuggestionRow.source == PairSource.MANUAL.value) | PairSuggestionRow.edited).limit(1)) is not None
        return await self.db.read(work)

    async def rewrite_prompt(self, pair_id: int, feedback: str) -> Op[PairSuggestion]:
        """Grok writes a new motion prompt for one pair, following ``feedback``; stored and returned."""
        feedback = " ".join(feedback.split())[:MAX_FEEDBACK_CHARS]
        settings = self.settings.current
        try:
            endpoint = self.vision_endpoint()
        except PairingError as exc:
            if settings.pairing_provider == "xai" and not self.grok_available():
                raise PairingError("Rewriting a prompt needs Grok, and no xAI API key is set. Add it in Settings, "
                                   "or edit the prompt by hand.") from None
            raise PairingError(f"Rewriting a prompt needs the vision model: {exc}") from None

        def load(s: Session) -> tuple[PairSuggestion, int]:
            row = s.get(PairSuggestionRow, pair_id)
            if row is None:
                raise PairingError("That pair no longer exists; reload the pairs.")
            return _suggestion(row), row.campaign_id

        pair, campaign_id = await self.db.read(load)
        campaign = await self.library.get_campaign(campaign_id)
        client = await self.library.get_client(campaign.client_id)
        assets = await self.library.get_assets([pair.first_asset_id, pair.last_asset_id])
        previews, _ = await load_previews(self.library.store, self.library.paths.previews, assets,
                                          settings.pairing_preview_px)
        if len(assets) != 2 or any(a.id not in previews for a in assets):
            raise PairingError("The images of this pair could not be read.")
        first, last = assets
        messages = build_rewrite_messages(campaign, client, (first, previews[first.id]), (last, previews[last.id]),
                                          pair.prompt, feedback)
        usage = _Usage(campaign_id, CallKind.REWRITE, endpoint, settings)
        try:
            async with self._grok(endpoint) as grok:
                prompt, _mode = await self._ask(grok, messages, (REWRITE_SCHEMA_NAME, REWRITE_SCHEMA),
                                                validate_rewrite, usage, _noop, 2)
        except PairingError as exc:
            await self._record_failed_run(campaign_id, REWRITE_RUN, endpoint, usage, False, None, str(exc))
            raise

        def store(s: Session) -> PairSuggestion:
            row = s.get(PairSuggestionRow, pair_id)
            if row is None:
                raise PairingError("That pair was removed while its prompt was being rewritten.")
            row.prompt, row.prompt_version, row.prompt_by = prompt, row.prompt_version + 1, actor_name(
                self.settings.current)
            row.edited = True
            s.add(PairingRun(campaign_id=campaign_id, pairer=REWRITE_RUN, model=endpoint.model,
                             prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                             repairs=[f"rewrite of pair {pair_id}: {feedback}"]))
            s.flush()
            return _suggestion(row)

        return await self._write(store)

    async def aclose(self) -> None:
        """Close the HTTP clients of requests still open."""
        for client in list(self._open_clients):
            with contextlib.suppress(Exception):
                await client.aclose()
        self._open_clients.clear()


def answer_format_note(endpoint: VisionEndpoint, mode: str) -> str:
    """The note saying how the vision model was asked to answer (``Completion.mode``)."""
    if mode == JSON_OBJECT:
        return (f"{endpoint.describe()} answered as a JSON object: the server does not take strict JSON schemas, "
                "so the reply was checked and repaired")
    return f"{endpoint.describe()} answered with a strict JSON schema"


def _store_run(s: Session, campaign_id: int, pairer: str, model: str, chain: bool, count: int | None,
               usage: _Usage, repairs: list[str], pairs: list[PairSuggestion], existing: str
               ) -> tuple[list[PairSuggestion], PairListSnapshot]:
    """Store ``pairs`` as ``existing`` says (see ``suggest``) and record the run; returns the stored suggestions and
    the list as it was."""
    if s.get(Campaign, campaign_id) is None:
        raise PairingError("The campaign was deleted.")
    replaced = _snapshot(s, campaign_id)
    record(s, Changes(pairs=frozenset({campaign_id})))
    if existing != "append":
        kept = [] if existing == "replace" else [PairSource.MANUAL.value]
        s.execute(delete(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id,
                                                  PairSuggestionRow.source.not_in(kept)))
    kept_rows = list(s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                               .order_by(PairSuggestionRow.position, PairSuggestionRow.id)))
    run = PairingRun(campaign_id=campaign_id, pairer=pairer, model=model, chain=chain, requested_count=count,
                     prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
                     repairs=list(repairs))
    s.add(run)
    s.flush()
    first = len(kept_rows) if existing == "append" else 0
    rows = [PairSuggestionRow(campaign_id=campaign_id, run_id=run.id, first_asset_id=p.first_asset_id,
                              last_asset_id=p.last_asset_id, position=first + i, score=p.score, reasoning=p.reasoning,
                              prompt=p.prompt, source=p.source.value) for i, p in enumerate(pairs)]
    s.add_all(rows)
    for offset, row in enumerate(kept_rows):
        row.position = offset if existing == "append" else len(rows) + offset
    s.flush()
    return [_suggestion(r) for r in rows], replaced


def _stored(row: PairSuggestionRow) -> StoredPair:
    return StoredPair(_suggestion(row), row.run_id, bool(row.edited), row.created_at)


def _snapshot(s: Session, campaign_id: int) -> PairListSnapshot:
    """The campaign's stored list, in order, exactly."""
    rows = s.scalars(select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id)
                     .order_by(PairSuggestionRow.position, PairSuggestionRow.id))
    return PairListSnapshot(campaign_id, tuple(_stored(r) for r in rows))


def _put_back(s: Session, snapshot: PairListSnapshot) -> None:
    """Replace the campaign's stored rows with ``snapshot``'s (see ``restore_pairs``)."""
    campaign_id = snapshot.campaign_id
    if s.get(Campaign, campaign_id) is None:
        raise PairingError("The campaign was deleted.")
    members = set(s.scalars(select(CampaignAsset.asset_id).where(CampaignAsset.campaign_id == campaign_id)))
    record(s, Changes(pairs=frozenset({campaign_id})))
    # A prompt's version only ever grows: a list put back is a new save of each prompt it changes, so an editor
    # holding the version before the Undo is refused rather than silently overwriting it.
    current = {r.id: (r.prompt, r.prompt_version) for r in s.scalars(
        select(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id))}
    s.execute(delete(PairSuggestionRow).where(PairSuggestionRow.campaign_id == campaign_id))
    s.flush()
    runs = set(s.scalars(select(PairingRun.id).where(PairingRun.campaign_id == campaign_id)))
    for stored in snapshot.rows:
        pair = stored.pair
        if pair.first_asset_id not in members or pair.last_asset_id not in members:
            continue
        taken = pair.id is not None and s.get(PairSuggestionRow, pair.id) is not None
        s.add(PairSuggestionRow(id=None if taken else pair.id, campaign_id=campaign_id,
                                run_id=stored.run_id if stored.run_id in runs else None,
                                first_asset_id=pair.first_asset_id, last_asset_id=pair.last_asset_id,
                                position=pair.position, score=pair.score, reasoning=pair.reasoning,
                                prompt=pair.prompt, source=pair.source.value, edited=stored.edited,
                                created_at=stored.created_at, prompt_by=pair.prompt_by,
                                prompt_version=_version_after_restore(current.get(pair.id), pair)))
    s.flush()


def _version_after_restore(current: tuple[str, int] | None, pair: PairSuggestion) -> int:
    """The prompt version of a pair put back: the stored one, moved on when the prompt changes again."""
    if current is None:
        return pair.prompt_version + 1
    prompt, version = current
    return version + 1 if prompt != pair.prompt else version


def _save_pairs(s: Session, campaign_id: int, pairs: list[PairSuggestion], actor: str = "") -> list[PairSuggestion]:
    if s.scalar(select(Campaign.id).where(Campaign.id == campaign_id).with_for_update()) is None:
        raise PairingError("The campaign was deleted.")
    members = set(s.scalars(select(CampaignAsset.asset_id).where(CampaignAsset.campaign_id == campaign_id)))
    existing = {r.id: r for r in s.scalars(select(PairSuggestionRow)
                                           .where(PairSuggestionRow.campaign_id == campaign_id))}
    kept: list[PairSuggestionRow] = []
    for position, pair in enumerate(pairs):
        where = f"pair {position + 1}"
        for asset_id in (pair.first_asset_id, pair.last_asset_id):
            if asset_id not in members:
                raise PairingError(f"{where}: asset {asset_id} is not one of this campaign's images.")
        if pair.first_asset_id == pair.last_asset_id:
            raise PairingError(f"{where}: the first and last frame are the same image.")
        if pair.id is None:
            row = PairSuggestionRow(campaign_id=campaign_id, edited=True)
            s.add(row)
        elif (found := existing.pop(pair.id, None)) is not None:
            row = found
            if (row.first_asset_id, row.last_asset_id, row.prompt, row.position) != (
                    pair.first_asset_id, pair.last_asset_id, pair.prompt.strip(), position):
                row.edited = True
        else:
            raise PairingError(f"{where} no longer exists (new suggestions replaced it); reload the pairs.")
        row.first_asset_id, row.last_asset_id = pair.first_asset_id, pair.last_asset_id
        row.position = position
        row.score = min(1.0, max(0.0, float(pair.score)))
        row.reasoning = pair.reasoning
        prompt = pair.prompt.strip()
        if row.id is not None and prompt != row.prompt:
            if pair.prompt_version != row.prompt_version:
                raise PromptConflict(row.id, position, row.prompt, prompt, row.prompt_version, row.prompt_by)
            row.prompt_version += 1
        if prompt != row.prompt:
            row.prompt, row.prompt_by = prompt, actor
        row.source = PairSource(pair.source).value
        kept.append(row)
    for row in existing.values():
        s.delete(row)
    s.flush()
    return [_suggestion(r) for r in kept]
