"""Migration 0004 builds the ledger from the costs a library recorded before it (schema 0003): every prediction
once, a clip's cost no attempt accounts for, each pairing run's tokens; the counters go, and what every clip, job
and campaign cost stays what it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.core.db.engine import alembic_config, current_revision, head_revision, make_engine, migrate
from app.core.money.report import GroupBy, SpendQuery
from app.core.secrets import SecretStore
from app.core.services import open_services
from tests.helpers.keyring_memory import MemoryKeyring

NOW = "2025-03-10 12:00:00.000000"


def _library_at_0003(root: Path) -> Path:
    """A library folder whose database is at revision 0003 and holds costs in its counters."""
    root.mkdir(parents=True)
    path = root / "library.sqlite3"
    engine = make_engine(path)
    migrate(engine, path, root / "backups", target="0003")
    statements = [
        f"INSERT INTO clients (id, name, homepage, brand_colors, tone, restrictions, notes, created_at, updated_at) "
        f"VALUES (1, 'Acme', '', '[]', '', '', '', '{NOW}', '{NOW}')",
        f"INSERT INTO campaigns (id, client_id, name, goal, audience, key_messages, product_url, budget_usd, status, "
        f"created_at, updated_at) VALUES (1, 1, 'Spring', '', '', '[]', '', 10.0, 'active', '{NOW}', '{NOW}')",
        f"INSERT INTO jobs (id, campaign_id, model_id, duration_s, aspect, resolution, status, estimate_usd, "
        f"actual_cost_usd, transition, output_meta, options, error, created_at) VALUES (1, 1, 'google/veo-3.1-fast', "
        f"4, '16:9', '720p', 'interrupted', 1.6, 1.6, 'cut', '{{}}', '{{}}', '', '{NOW}')",
    ]
    clips = [  # id, status, prediction id, cost (the counter), attempts: (attempt, prediction, status, cost)
        (1, "succeeded", "pred-b", 0.4, [(1, "pred-a", "failed", 0.0), (2, "pred-b", "succeeded", 0.4)]),
        (2, "succeeded", "pred-c", 0.8, [(1, "pred-c", "succeeded", 0.4)]),  # counted twice in the clip's counter
        (3, "interrupted", "pred-d", 0.0, [(1, "pred-d", "running", 0.0)]),  # in flight when the app stopped
        (4, "failed", None, 0.4, [(1, None, "failed", 0.4)]),  # a cost without a prediction id
    ]
    for clip_id, status, prediction, cost, attempts in clips:
        pred = f"'{prediction}'" if prediction else "NULL"
        statements.append(
            f"INSERT INTO clips (id, job_id, position, prompt, model_id, status, prediction_id, progress, attempts, "
            f"error, cost_usd, cancel_requested, created_at, submitted_at) VALUES ({clip_id}, 1, {clip_id}, 'p', "
            f"'google/veo-3.1-fast', '{status}', {pred}, 0, {len(attempts)}, '', {cost}, 0, '{NOW}', '{NOW}')")
        for attempt, attempt_prediction, attempt_status, attempt_cost in attempts:
            apred = f"'{attempt_prediction}'" if attempt_prediction else "NULL"
            statements.append(
                f"INSERT INTO clip_attempts (clip_id, attempt, model_id, prompt, prediction_id, status, cost_usd, "
                f"error, created_at) VALUES ({clip_id}, {attempt}, 'google/veo-3.1-fast', 'p', {apred}, "
                f"'{attempt_status}', {attempt_cost}, '', '{NOW}')")
    statements += [
        "INSERT INTO pairing_runs (campaign_id, pairer, model, chain, prompt_tokens, completion_tokens, cost_usd, "
        "repairs, created_at) VALUES (1, 'grok', 'grok-4', 0, 800, 200, 0.00026, '[]', '2025-02-01 09:00:00')",
        "INSERT INTO pairing_runs (campaign_id, pairer, model, chain, prompt_tokens, completion_tokens, cost_usd, "
        "repairs, created_at) VALUES (1, 'local', '', 0, 0, 0, 0, '[]', '2025-02-01 09:00:00')",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()
    return path


async def test_the_ledger_is_built_from_the_costs_recorded_before_it(tmp_path: Path) -> None:
    root = tmp_path / "library"
    path = _library_at_0003(root)
    services = open_services(root, SecretStore(MemoryKeyring()))
    try:
        assert current_revision(services.db.engine) == head_revision()
        rows = {r.external_id: r for r in await services.money.entries(SpendQuery())}
        assert set(rows) == {"pred-a", "pred-b", "pred-c", "pred-d", "clip-attempt-5", "pairing-run-1"}
        assert {k: r.amount_usd for k, r in rows.items()} == {
            "pred-a": 0, "pred-b": 0.4, "pred-c": 0.4, "pred-d": 0, "clip-attempt-5": 0.4,
            "pairing-run-1": pytest.approx(0.00026)}
        assert (rows["pred-d"].status, rows["pred-d"].provider) == ("running", "replicate")
        assert rows["clip-attempt-5"].provider == "recorded"  # no prediction to look up
        run = rows["pairing-run-1"]
        assert (run.kind, run.tokens_in, run.tokens_out, run.campaign, run.client) == (
            "pairing", 800, 200, "Spring", "Acme")
        assert all(r.price_unit == "recorded" for r in rows.values())
        job = await services.generation.get_job(1)
        assert [c.cost_usd for c in job.clips] == [0.4, 0.4, 0, 0.4]  # pred-c once, not twice
        assert job.actual_cost_usd == pytest.approx(1.2)
        money = await services.money.campaign_money(1)
        assert money.spent_usd == pytest.approx(1.20026)
        assert money.committed_usd == pytest.approx(0.4)  # clip 3 is in flight: its share of the estimate
        months = await services.money.report(SpendQuery(GroupBy.MONTH))
        assert [(r.key, r.calls) for r in months.rows] == [("2025-02", 1), ("2025-03", 5)]
        assert months.total_usd == pytest.approx(1.20026)
        columns = {t: {c["name"] for c in inspect(services.db.engine).get_columns(t)}
                   for t in ("clips", "clip_attempts", "jobs", "pairing_runs")}
        assert not {"cost_usd", "actual_cost_usd"} & set().union(*columns.values())
    finally:
        await services.aclose()
    assert list((root / "backups").glob("library-0003-*.sqlite3"))  # backed up before the migration

    engine = make_engine(path)  # and back: the counters return with the ledger's sums
    command.downgrade(alembic_config(engine), "0003")
    with engine.connect() as connection:
        costs = connection.execute(text("SELECT id, cost_usd FROM clips ORDER BY id")).all()
        job_cost = connection.execute(text("SELECT actual_cost_usd FROM jobs")).scalar()
        run_cost = connection.execute(text("SELECT cost_usd FROM pairing_runs ORDER BY id")).scalars().all()
    engine.dispose()
    assert [round(c, 6) for _, c in costs] == [0.4, 0.4, 0.0, 0.4] and job_cost == pytest.approx(1.2)
    assert run_cost == [pytest.approx(0.00026), 0.0]
