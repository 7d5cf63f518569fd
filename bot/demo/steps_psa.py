"""The PSA: a stand-in ConnectWise with the service desk's real-looking queue, synced by the
clock's ``psa-sync`` job the morning after, so the stand-up lists its tickets beside escalations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from .context import TEAM_ID, DemoContext

# The stand-in PSA's API member keys (made up; the fake checks them as ConnectWise does).
_KEYS = {
    "CONNECTWISE_COMPANY_ID": "lanekeeper_msp",
    "CONNECTWISE_PUBLIC_KEY": "PUBcw7Lq2Xk",
    "CONNECTWISE_PRIVATE_KEY": "PRIVcw9zR4vW",
    "CONNECTWISE_CLIENT_ID": "1b7c7d0e-5f0a-4e54-9d6a-0c5a3f0e2f11",
}


def _desk(ctx: DemoContext) -> str | None:
    """The team the PSA's "Service Desk" board maps to: an office-hours team."""
    for key, team in ctx.config.teams.items():
        if not team.business_hours.all_day:
            return key
    return next(iter(ctx.config.teams), None)


def psa_sync(ctx: DemoContext) -> None:
    """The next morning, before the stand-up: ``psa-sync`` reads the stand-in ConnectWise."""
    from ..adapters.psa.factory import make_connector
    from ..domain.lanes import PsaSettings
    from ..jobs import JobContext, registry
    from ..services.context import Lanes
    from ..services.digests import standup_digest
    from ..testing.fake_psa._data import OWNERS, PRIORITIES
    from ..testing.fake_psa.connectwise import FakeConnectWise

    team = _desk(ctx)
    if team is None:
        ctx.note("No team to map the PSA's board to; the PSA scene is skipped.")
        return
    cfg = ctx.config.teams[team]
    cal = ctx.container.lanes.calendar(team)
    morning = cal.next_business_day_at(cfg.standup_time, datetime.now(UTC))
    fake = FakeConnectWise.demo(now=morning.astimezone(UTC))
    with fake:
        severities = [s for lane in ctx.config.lanes.values() for s in lane.severity_order]
        order = list(dict.fromkeys(severities))[:3] or ["P1", "P2", "P3"]
        psa = PsaSettings(
            kind="connectwise",
            url=fake.url,
            teams={"Service Desk": team},
            severities=dict(zip(PRIORITIES, order, strict=False)),
            # The PSA's member identifiers of two of the team's technicians.
            people={
                ident: user for (ident, *_name), user in zip(OWNERS, cfg.members, strict=False)
            },
        )
        lanes = Lanes(replace(ctx.config, psa=psa))
        job = JobContext(
            uow=ctx.container.uow,
            lanes=lanes,
            slack_team_id=TEAM_ID,
            psa_connector=lambda: make_connector(psa, _KEYS),
        )
        ctx.note(
            f"The clock's psa-sync reads ConnectWise at {cal.local(morning):%a %H:%M %Z}: the "
            f"board “Service Desk” belongs to {cfg.name}."
        )
        result = registry()["psa-sync"].run(job, morning, None)[0]
        ctx.check(
            result.outcome == "synced" and result.data.get("stored", 0) >= 5,
            f"psa-sync: {result.detail}",
            otherwise=str(result),
        )
        again = registry()["psa-sync"].run(job, morning, None)[0]
        ctx.check(
            again.outcome == "not-due",
            "a second run within sync_every reads nothing",
            otherwise=str(again),
        )
    digest = standup_digest(
        ctx.container.uow(), lanes, slack_team_id=TEAM_ID, team=team, now=morning
    )
    tickets = [r for r in digest.sla_risks if r.item.kind == "ticket"]
    ctx.check(
        bool(tickets),
        f"{cfg.name}'s stand-up will list {len(tickets)} PSA tickets at SLA risk, e.g. "
        + (f"{tickets[0].item.ref} {tickets[0].item.summary}" if tickets else ""),
        otherwise="no ticket at SLA risk in the digest",
    )
