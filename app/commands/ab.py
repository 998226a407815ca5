"""``ab JOB`` and ``ab pick JOB PAIR VARIANT``: an A/B comparison's pairs, variants and winners; what an ad of an
A/B job is made of (for ``combine`` and ``generate --ab``)."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands.common import CommandError, UsageError, err, print_json, print_table
from app.core.generation.ab import LETTERS, AbState, ModelWins
from app.core.generation.catalog import get_model
from app.core.generation.errors import GenerationError
from app.core.services import Services

USAGE = "use `ab JOB [--json]` or `ab pick JOB PAIR VARIANT`"


def _number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"{what} must be a number, not {text!r}: {USAGE}") from None


def variant_letter(text: str, state: AbState) -> str:
    """A, B or C from a letter, its number (1, 2, 3) or the variant's model id."""
    word = text.strip()
    if word.isdigit() and 1 <= int(word) <= len(LETTERS):
        return LETTERS[int(word) - 1]
    by_model = {v.model_id.lower(): v.letter for v in state.variants}
    return by_model.get(word.lower(), word.upper())


def wins_doc(wins: list[ModelWins]) -> list[dict[str, Any]]:
    return [{"model": w.model_id, "wins": w.wins, "pairs": w.contests} for w in wins]


def ad_choices(state: AbState) -> list[dict[str, Any]]:
    """Which variant each pair's ad clip is, and whether a person picked it (else variant A by default)."""
    return [{"pair": p.pair, "variant": p.used, "model": state.model_of(p.used), "picked": p.winner is not None}
            for p in state.pairs]


async def report_ab_combine(services: Services, job_id: int) -> list[dict[str, Any]] | None:
    """For an A/B job: say on standard error which pairs had no winner (variant A used); the choices, else None."""
    gen = services.generation
    if not await gen.is_ab(job_id):
        return None
    choices = ad_choices(await gen.ab_state(job_id))
    unpicked = [str(c["pair"]) for c in choices if not c["picked"]]
    if unpicked:
        err(f"No winner picked for pair{'s' if len(unpicked) != 1 else ''} {', '.join(unpicked)}: variant A used "
            f"(pick with `ab pick {job_id} PAIR VARIANT`).")
    return choices


async def cmd_ab(args: argparse.Namespace, services: Services) -> int:
    """Show an A/B job (``ab JOB``) or pick a pair's winner (``ab pick JOB PAIR VARIANT``)."""
    words = list(args.words)
    if words[0] == "pick":
        if len(words) != 4:
            raise UsageError(f"`ab pick` takes a job, a pair and a variant: {USAGE}")
        return await _pick(services, _number(words[1], "JOB"), _number(words[2], "PAIR"), words[3], args.json)
    if len(words) != 1:
        raise UsageError(USAGE)
    gen = services.generation
    try:
        state = await gen.ab_state(_number(words[0], "JOB"))
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    wins = await gen.win_stats(state.client_id)
    if args.json:
        print_json({**state.to_json(), "wins": wins_doc(wins)})
        return 0
    _print_state(state, services)
    if wins:
        print("Wins for this client: " + "; ".join(f"{_label(w.model_id, services)} {w.wins} of {w.contests}"
                                                  for w in wins))
    return 0


async def _pick(services: Services, job_id: int, pair: int, variant: str, as_json: bool) -> int:
    gen = services.generation
    try:
        letter = variant_letter(variant, await gen.ab_state(job_id))
        state = (await gen.pick_winner(job_id, pair, letter)).value
    except GenerationError as exc:
        raise CommandError(str(exc)) from None
    if as_json:
        print_json(state.to_json())
    else:
        print(f"Pair {pair} of job {job_id}: variant {letter} ({state.model_of(letter)}) wins.")
    return 0


def _label(model_id: str, services: Services) -> str:
    try:
        return get_model(model_id, services.settings.current).label
    except GenerationError:
        return model_id


def _print_state(state: AbState, services: Services) -> None:
    print(f"Job {state.job_id}: A/B comparison of " + ", ".join(
        f"{v.letter} = {_label(v.model_id, services)} ({v.duration_s:g} s, {v.resolution})" for v in state.variants))
    letters = [v.letter for v in state.variants]
    rows = [[str(p.pair), *(p.clips[letter].status.value if letter in p.clips else "-" for letter in letters),
             p.winner or f"({p.used})"] for p in state.pairs]
    print_table(rows, ["pair", *letters, "winner"])
