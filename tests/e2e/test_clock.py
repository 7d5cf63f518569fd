"""The clock's jobs at fixed times: the stand-up digest and SLA warnings, exactly once."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.adapters.models import JobRun, SlaNotice
from bot.clock import run_job_once
from bot.jobs import registry
from tests.e2e.conftest import Harness
from tests.e2e.test_lifecycle import click, create

CHI = ZoneInfo("America/Chicago")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=CHI)


def run(app: Harness, job: str, now: datetime, team: str | None = "service-desk") -> list[str]:
    out = run_job_once(app.container, registry()[job], now, team)
    app.settle()
    return out


def digests(app: Harness) -> list[Any]:
    return [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01DESK"]


def seed(app: Harness) -> None:
    """Monday 23 Nov 2026, 10:00 in Chicago: three requests to the service desk."""
    app.clock.set(at(23, 10))
    create(
        app, text="coverage P2 Need cover for Thursday onsite", client="Globex"
    )  # ESC-1 respond 1h, resolve 1d
    create(
        app, text="client-request P3 Contoso asks for weekly reports sooner", client="Contoso"
    )  # ESC-2 3d
    create(
        app, text="client-request P2 Acme wants the migration moved up", client="Acme"
    )  # ESC-3 pending approval
    click(app, 2, "esc_take", "U01TECH1")


def test_standup_digest_lists_what_needs_action_most_urgent_first(app: Harness) -> None:
    seed(app)
    out = run(app, "standup", at(24, 8, 45))
    assert out == ["standup service-desk: sent (2026-11-24)"]
    posts = digests(app)
    assert len(posts) == 1
    text = json.dumps(posts[0].args["blocks"])
    assert "Daily stand-up" in text and "Service Desk" in text
    # ESC-1 breached (unowned, past both targets) comes under SLA risks, then the approval.
    risks = text.index("SLA risk")
    approvals = text.index("pproval")
    assert risks < approvals
    assert text.index("ESC-1") < text.index("ESC-3")
    assert "Globex" in text and "breached" in text
    assert "Acme" in text
    assert "Backlog aged past SLA" in text


def test_standup_is_posted_once_however_often_it_runs(app: Harness) -> None:
    seed(app)
    assert run(app, "standup", at(24, 8, 45)) == ["standup service-desk: sent (2026-11-24)"]
    assert run(app, "standup", at(24, 9, 30)) == ["standup service-desk: already-sent (2026-11-24)"]
    results: list[list[str]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                run_job_once(app.container, registry()["standup"], at(24, 10))
            )
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.settle()
    assert len(digests(app)) == 1
    # Runs without --team do every team: the NOC got its own digest, once, too.
    assert (
        len([c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "C01NOC"])
        == 1
    )
    with app.container.sessions() as s:
        rows = s.execute(select(JobRun.scope, func.count(JobRun.id)).group_by(JobRun.scope)).all()
    assert sorted(rows) == [("noc", 1), ("service-desk", 1)]


def test_no_standup_before_its_time_on_weekends_or_holidays(app: Harness) -> None:
    seed(app)
    assert run(app, "standup", at(24, 8, 30)) == ["standup service-desk: not-due (before 08:45)"]
    assert run(app, "standup", at(28, 9)) == [
        "standup service-desk: not-due (not a business day)"
    ]  # Saturday
    assert run(app, "standup", at(26, 9)) == [
        "standup service-desk: not-due (not a business day)"
    ]  # Thanksgiving
    assert run(app, "standup", at(24, 9, month=12)) == [
        "standup service-desk: not-due (not a business day)"
    ]  # listed
    assert digests(app) == []


def test_a_missed_standup_is_caught_up_once_the_same_day_only(app: Harness) -> None:
    seed(app)
    # The clock was down Tuesday; it comes back Wednesday 11:00: Wednesday's digest, once.
    assert run(app, "standup", at(25, 11)) == ["standup service-desk: sent (2026-11-25)"]
    assert run(app, "standup", at(25, 11, 1)) == ["standup service-desk: already-sent (2026-11-25)"]
    assert len(digests(app)) == 1


def test_a_clean_day_says_so_in_one_line(app: Harness) -> None:
    assert run(app, "standup", at(24, 8, 45)) == ["standup service-desk: sent (2026-11-24)"]
    post = digests(app)[0]
    assert len(post.args["blocks"]) == 1
    assert "All clear for Service Desk" in post.args["text"] + json.dumps(post.args["blocks"])


def thread_warnings(app: Harness, number: int) -> list[str]:
    esc = app.escalation(number)
    return [
        c.args["text"]
        for c in app.fake.calls_to("chat.postMessage")
        if c.args.get("thread_ts") == esc.lane_ts
        and ("breach" in c.args["text"] or "%" in c.args["text"])
    ]


def test_sla_warning_at_75_percent_and_at_breach_once_each(app: Harness) -> None:
    seed(app)  # ESC-1: coverage P2, respond within 1 business hour from Mon 10:00, unowned
    run(app, "sla-watch", at(23, 10, 30))
    assert thread_warnings(app, 1) == []
    run(app, "sla-watch", at(23, 10, 46))
    warnings = thread_warnings(app, 1)
    assert len(warnings) == 1
    assert "<@U01LEAD>" in warnings[0]  # nobody owns it: the team's leads
    assert "ESC-1" in warnings[0] and "respond" in warnings[0]
    run(app, "sla-watch", at(23, 10, 50))
    assert len(thread_warnings(app, 1)) == 1
    run(app, "sla-watch", at(23, 11, 5))
    warnings = thread_warnings(app, 1)
    assert len(warnings) == 2 and "breached" in warnings[1]
    run(app, "sla-watch", at(23, 11, 30))
    assert len(thread_warnings(app, 1)) == 2
    with app.container.sessions() as s:
        kinds = sorted(
            s.execute(
                select(SlaNotice.clock, SlaNotice.level).where(SlaNotice.work_ref == "ESC-1")
            ).all()
        )
    assert ("respond", "breach") in kinds and ("respond", "warn") in kinds


def test_owner_is_mentioned_and_waiting_pauses_warnings(app: Harness) -> None:
    seed(app)
    click(app, 1, "esc_take", "U01TECH2")  # responded: the respond clock stops
    click(app, 1, "esc_wait", "U01TECH2")
    run(app, "sla-watch", at(24, 17))  # resolve (1 business day) would be at 96% — but paused
    assert thread_warnings(app, 1) == []
    app.clock.set(at(24, 17))
    click(app, 1, "esc_resume", "U01TECH2")
    run(app, "sla-watch", at(25, 17))
    warnings = thread_warnings(app, 1)
    assert warnings and all("<@U01TECH2>" in w for w in warnings)


def test_a_digest_slack_refused_is_sent_again_once_the_job_reruns(app: Harness) -> None:
    seed(app)
    app.fake.fail_next("chat.postMessage", error="channel_not_found")
    assert run(app, "standup", at(24, 8, 45)) == ["standup service-desk: sent (2026-11-24)"]
    assert [c.response.get("error") for c in digests(app)] == ["channel_not_found"]
    # someone fixes the channel; the next run sends today's digest, once
    assert run(app, "standup", at(24, 9)) == [
        "standup service-desk: retried (2026-11-24; Slack had refused it)"
    ]
    assert run(app, "standup", at(24, 9, 5)) == ["standup service-desk: already-sent (2026-11-24)"]
    assert [c.ok for c in digests(app)] == [False, True]
