"""What a killed process leaves on a job is reclaimed at the next start-up: the combine it was running is undone and
its partial file beside the user's output swept, and its working time ends where it was last seen alive."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy.orm import Session

from app.core.db.models import Job, JobLease, utcnow
from app.core.domain import JobStatus
from tests.helpers.combine_media import add_job, make_clip


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def test_start_up_undoes_a_killed_combine_sweeps_its_partial_and_stops_its_clock(services, tmp_path) -> None:
    job_id = await add_job(services, [make_clip(tmp_path / f"c{i}.mp4") for i in range(2)])
    out = tmp_path / "delivery" / "ad.mp4"
    out.parent.mkdir()
    partial = out.parent / ".ad.k2j3h4.part.mp4"
    partial.write_bytes(b"half an ad")
    kept = out.parent / ".ad.mp4.z9.part"  # an atomic write's temporary, maybe another process's: not this one's
    kept.write_bytes(b"something else")
    seen = utcnow() - timedelta(seconds=30)

    def killed_mid_combine(s: Session) -> None:
        job = s.get(Job, job_id)
        job.status = JobStatus.COMBINING.value
        job.options = {"combining_to": str(out)}
        job.working_s, job.working_since = 10.0, seen - timedelta(seconds=5)
        s.add(JobLease(job_id=job_id, owner="gone", host=socket.gethostname(), pid=_dead_pid(), acquired_at=seen,
                       heartbeat_at=seen, expires_at=utcnow() + timedelta(minutes=5)))
    await services.db.run(killed_mid_combine)
    before = await services.generation.get_job(job_id)
    assert before.working_since is None and before.working_time_s() == 10.0  # a dead holder's span does not run

    [job] = await services.generation.mark_interrupted()
    assert job.id == job_id and job.status is JobStatus.SUCCEEDED
    assert job.working_s == 15.0 and job.working_since is None  # up to its last heartbeat, not to now
    assert not partial.exists() and kept.exists()
    assert "combining_to" not in await services.db.read(lambda s: s.get(Job, job_id).options)
    assert await services.generation.mark_interrupted() == []
