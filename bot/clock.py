"""The ``clock`` process: APScheduler runs every job on its interval, and the outbox is
delivered here too, so a deployment's undelivered posts go out even with no ``web`` running.

Jobs never run in web workers (one scheduler per worker would run them once per worker), and
each run opens its own sessions. Several clock processes may run against one PostgreSQL: the
jobs' stored records make every post happen once.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from slack_sdk.errors import SlackApiError

from .bootstrap import Container
from .installed_workspaces import in_workspace
from .jobs import Job, JobContext, registry
from .workspaces import Workspace

log = logging.getLogger(__name__)


def job_context(container: Container, workspace: Workspace | None = None) -> JobContext:
    """A job's view of one workspace: its id, its lanes, a unit of work, its PSA."""
    ws = workspace or container.workspaces.single()
    return JobContext(
        uow=container.uow,
        lanes=ws.lanes,
        slack_team_id=ws.id,
        psa_connector=container.psa_connector,
    )


def run_job_once(
    container: Container, job: Job, now: datetime, team: str | None = None
) -> list[str]:
    """Run ``job`` once for every workspace, each with its own lanes and records."""
    lines: list[str] = []
    for ws in container.workspaces.all():
        with in_workspace(ws):  # what the job stores is delivered with this workspace's token
            lines += [str(r) for r in job.run(job_context(container, ws), now, team)]
    return lines


def _tick(container: Container, job: Job) -> None:
    try:
        workspaces = container.workspaces.all()
    except (SlackApiError, OSError) as exc:  # Slack down or unreachable: one line, no traceback
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
        log.warning("job %s not run: Slack did not answer (%s); next tick", job.name, reason)
        return
    except Exception:
        log.exception("job %s failed; it runs again at its next tick", job.name)
        return
    for ws in workspaces:  # one workspace failing never keeps the job from the others
        try:
            with in_workspace(ws):
                lines = [
                    str(r) for r in job.run(job_context(container, ws), datetime.now(UTC), None)
                ]
            for line in lines:
                if "sent" in line and "already" not in line and "0 warnings" not in line:
                    log.info(line)
        except (SlackApiError, OSError) as exc:  # Slack down or unreachable: one line
            reason = exc.response.get("error") if isinstance(exc, SlackApiError) else exc
            log.warning("job %s not run: Slack did not answer (%s); next tick", job.name, reason)
        except Exception:
            log.exception("job %s failed; it runs again at its next tick", job.name)


def build_scheduler(container: Container) -> BlockingScheduler:
    scheduler = BlockingScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for job in registry().values():
        scheduler.add_job(
            _tick,
            "interval",
            seconds=job.every_seconds,
            args=[container, job],
            id=job.name,
            name=job.description,
            replace_existing=True,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def run_clock(container: Container) -> None:
    """Run until interrupted (KeyboardInterrupt, which SIGTERM raises too: see ``cli``); a job
    running then finishes, and the caller stops the deliverer (finishing or releasing posts)."""
    container.deliverer.start()
    scheduler = build_scheduler(container)
    log.info("clock running: %s", ", ".join(j.id for j in scheduler.get_jobs()))
    try:
        scheduler.start()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
