"""The weekly Level-10 over HTTP against the fake Slack, on each database: once per team and
week, the snapshot that freezes last week's column, the review at 4+, IDS owners and to-dos,
the reminder, the chart through Slack's external upload flow (a table when it fails), and
``/lanes scorecard`` / ``/lanes coach``."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from bot.adapters.models import JobRun, Level10Issue, Level10Snapshot, Level10Todo, Ticket
from bot.clock import run_job_once
from bot.jobs import registry
from tests.e2e.conftest import TEAM, Harness, reply_text
from tests.e2e.test_clock import at
from tests.e2e.test_tickets import ticket

PNG = b"\x89PNG\r\n\x1a\n"


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def tue(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return at(day, hour, minute, month=12)


def run(
    app: Harness, now: datetime, job: str = "level10", team: str | None = "service-desk"
) -> list[str]:
    app.clock.set(now)
    out = run_job_once(app.container, registry()[job], now, team)
    app.settle()
    return out


def posts(app: Harness, channel: str = "C01DESK") -> list[Any]:
    return [
        c
        for c in app.fake.calls_to("chat.postMessage")
        if c.args.get("channel") == channel
        and "Level-10" in str(c.args.get("text"))
        and not c.args.get("thread_ts")
    ]


def row(post: Any, label: str) -> list[str]:
    """The cells of one scorecard line: [this, last, 4-wk, target...]."""
    table = next(b for b in post.args["blocks"] if b.get("block_id") == "l10_scorecard")
    for line in table["text"]["text"].strip("`").splitlines():
        if line[2:].strip().startswith(label):
            return line[2:].strip()[len(label) :].split()
    raise AssertionError(f"no row {label}")


def aged_tickets(app: Harness) -> None:
    """Five tickets past their resolve due time before Tuesday 1 December: Backup ×2 (oldest
    first), Email ×2, Printing ×1; and one waiting on the client (not aged)."""
    for n, (category, opened) in enumerate(
        [("Backup", 16), ("Email", 17), ("Backup", 18), ("Email", 19), ("Printing", 20)]
    ):
        ticket(
            app,
            f"4800{n}",
            category=category,
            opened_at=at(opened, 9),
            respond_due=at(opened, 10),
            resolve_due=at(opened, 17),
            owner="U01TECH1",
        )
    ticket(
        app,
        "48009",
        category="VPN",
        opened_at=at(16, 9),
        resolve_due=at(16, 17),
        waiting_since=at(16, 12),
    )


def test_one_post_per_team_per_week_with_review_and_the_chart_uploaded(app: Harness) -> None:
    aged_tickets(app)
    results: list[list[str]] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                run_job_once(app.container, registry()["level10"], tue(1), None)
            )
        )
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    app.settle()
    lines = sorted(line for r in results for line in r)
    assert lines == [
        "level10 noc: already-sent (2026-W49)",
        "level10 noc: sent (2026-W49)",
        "level10 service-desk: already-sent (2026-W49)",
        "level10 service-desk: sent (2026-W49)",
    ]
    assert run(app, tue(1, 16), team=None) == [
        "level10 service-desk: already-sent (2026-W49)",
        "level10 noc: already-sent (2026-W49)",
    ]
    assert len(posts(app)) == 1 and len(posts(app, "C01NOC")) == 1
    post = posts(app)[0]
    assert post.ok
    text = dumps(post.args["blocks"])
    assert "Level-10 review triggered" in text
    review = next(b for b in post.args["blocks"] if b.get("block_id") == "l10_review")
    assert review["text"]["text"].splitlines()[1:] == [
        "1. *Backup*: 2 (oldest #48000, #48002)",
        "2. *Email*: 2 (oldest #48001, #48003)",
        "3. *Printing*: 1 (oldest #48004)",
    ]
    assert row(post, "Backlog aged past SLA")[:3] == ["5", "—", "5"]
    # The chart: Slack's three steps in order, the PNG's bytes, then the post.
    files = [f for f in app.fake.uploaded_files() if f.channel == "C01DESK"]
    assert len(files) == 1 and files[0].completed
    assert files[0].data is not None and files[0].data.startswith(PNG)
    fid = files[0].id

    def of_desk(c: Any) -> bool:
        return (
            c.response.get("file_id") == fid
            or c.args.get("file_id") == fid
            or fid in str(c.args.get("files"))
            or (c.method == "chat.postMessage" and c.args.get("channel") == "C01DESK")
        )

    calls = [c for c in app.fake.calls if of_desk(c)]
    assert [c.method for c in calls] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
        "chat.postMessage",
    ]
    assert int(calls[0].args["length"]) == len(files[0].data) == calls[1].args["length"]
    assert calls[2].args["channel_id"] == "C01DESK"
    assert "chart above" in text and "l10_table" not in text
    # Another week's day: not due.
    assert run(app, tue(2)) == ["level10 service-desk: not-due (not the Level-10 day)"]
    assert run(app, tue(8, 8, 59)) == ["level10 service-desk: not-due (before 09:00)"]


def test_a_missed_level10_is_caught_up_the_same_day_and_a_holiday_has_none(app: Harness) -> None:
    assert run(app, tue(1, 17, 30)) == ["level10 service-desk: sent (2026-W49)"]
    # Tuesday 22 December is a business day; the 29th too; a holiday on the day skips the week.
    assert run(app, tue(2, 9)) == ["level10 service-desk: not-due (not the Level-10 day)"]


def test_last_weeks_column_is_what_was_shown_whatever_changed_since(app: Harness) -> None:
    aged_tickets(app)
    assert run(app, tue(1)) == ["level10 service-desk: sent (2026-W49)"]
    # Every aged ticket is closed afterwards, and an old one edited: last week stays 5.
    with app.container.sessions() as s:
        s.execute(
            update(Ticket).values(
                closed_at=tue(2), resolved_at=tue(2), status="Closed", has_resolution_note=True
            )
        )
        s.commit()
    assert run(app, tue(8)) == ["level10 service-desk: sent (2026-W50)"]
    post = posts(app)[-1]
    assert row(post, "Backlog aged past SLA")[:3] == ["0", "5", "2.5"]
    assert "Level-10 review triggered" not in dumps(post.args["blocks"])
    with app.container.sessions() as s:
        weeks = {
            r.week: r.figures["aged"]
            for r in s.scalars(
                select(Level10Snapshot).where(Level10Snapshot.team == "service-desk")
            )
        }
    assert weeks == {"2026-W49": 5, "2026-W50": 0}


def test_assign_owner_makes_a_todo_done_not_done_carry_over_and_the_reminder(
    app: Harness,
) -> None:
    for n in range(3):  # three new Email tickets in the week: a recurring category
        ticket(app, f"4810{n}", category="Email", opened_at=at(27, 10 + n), owner="U01TECH2")
    assert run(app, tue(1)) == ["level10 service-desk: sent (2026-W49)"]
    post = posts(app)[-1]
    message = app.fake.message("C01DESK", post.response["ts"])
    assert "Email keeps coming back: 3 new this week" in dumps(message["blocks"])
    app.clock.set(tue(1, 9, 30))
    resp = app.slack.click(message, "l10_assign", user="U01LEAD", value="U01TECH1")
    assert resp.status_code == 200
    app.settle()
    with app.container.sessions() as s:
        todo = s.scalar(select(Level10Todo))
        assert todo is not None
        assert (todo.owner, todo.status, todo.due_at) == ("U01TECH1", "open", tue(8, 9, 30))
        assert todo.title == "Email keeps coming back: 3 new this week"
    note = app.fake.thread("C01DESK", post.response["ts"])
    assert any("To-do for <@U01TECH1>" in m.get("text", "") for m in note)
    # Someone outside the team cannot assign.
    app.slack.click(message, "l10_assign", user="U02OTHER", value="U02OTHER")
    app.settle()
    with app.container.sessions() as s:
        assert s.scalar(select(Level10Todo.owner)) == "U01TECH1"

    # The reminder: Monday 7 December, the business day before, once.
    assert run(app, tue(4, 10), job="level10-remind") == [
        "level10-remind service-desk: not-due (not the day before the Level-10)"
    ]
    assert run(app, tue(7, 9), job="level10-remind") == [
        "level10-remind service-desk: sent (2026-W50; 1 owners)"
    ]
    assert run(app, tue(7, 12), job="level10-remind") == [
        "level10-remind service-desk: already-sent (2026-W50)"
    ]
    dms = [c for c in app.fake.calls_to("chat.postMessage") if c.args.get("channel") == "U01TECH1"]
    assert len(dms) == 1 and "Email keeps coming back" in dumps(dms[0].args["blocks"])

    # The next meeting lists it with Done / Not done; Not done carries it over.
    assert run(app, tue(8)) == ["level10 service-desk: sent (2026-W50)"]
    message = app.fake.message("C01DESK", posts(app)[-1].response["ts"])
    app.clock.set(tue(8, 9, 40))
    app.slack.click(message, "l10_todo_not_done", user="U01TECH1")
    app.settle()
    with app.container.sessions() as s:
        todo = s.scalar(select(Level10Todo))
        assert todo is not None and (todo.status, todo.not_done) == ("open", 1)
    assert run(app, tue(15)) == ["level10 service-desk: sent (2026-W51)"]
    message = app.fake.message("C01DESK", posts(app)[-1].response["ts"])
    assert "not done 1×, carried over" in dumps(message["blocks"])
    # App Home shows the owner's open to-do.
    app.slack.app_home_opened("U01TECH1")
    app.settle()
    home = app.fake.home("U01TECH1")
    assert home is not None and "My Level-10 to-dos* (1)" in dumps(home["blocks"])
    app.clock.set(tue(15, 9, 40))
    app.slack.click(message, "l10_todo_done", user="U01TECH1")
    app.settle()
    with app.container.sessions() as s:
        assert s.scalar(select(Level10Todo.status)) == "done"
    assert run(app, tue(22)) == ["level10 service-desk: sent (2026-W52)"]
    last = dumps(posts(app)[-1].args["blocks"])
    assert "To-dos* (0 open)" in last and "Done since last week" in last


def test_the_post_carries_a_table_when_the_upload_is_refused(app: Harness) -> None:
    aged_tickets(app)
    app.fake.refuse_uploads()
    assert run(app, tue(1)) == ["level10 service-desk: sent (2026-W49)"]
    post = posts(app)[-1]
    blocks = post.args["blocks"]
    table = next(b for b in blocks if b.get("block_id") == "l10_table")
    assert "2026-W49" in table["text"]["text"] and "Last 8 weeks" in table["text"]["text"]
    assert app.fake.calls_to("files.completeUploadExternal") == []
    assert [c.status for c in app.fake.calls_to("upload")] == [500]


def record(app: Harness, week: str, team: str = "service-desk") -> str | None:
    with app.container.sessions() as s:
        return s.scalar(
            select(JobRun.outcome).where(
                JobRun.job == "level10", JobRun.scope == team, JobRun.period == week
            )
        )


def test_a_level10_slack_refused_is_sent_again_once_the_job_reruns(app: Harness) -> None:
    aged_tickets(app)
    app.fake.refuse("chat.postMessage", channel="C01DESK", error="channel_not_found")
    assert run(app, tue(1)) == ["level10 service-desk: sent (2026-W49)"]
    assert [c.response.get("error") for c in posts(app)] == ["channel_not_found"]
    assert record(app, "2026-W49") == "refused"
    # Run again before anyone fixed it: tried again, refused again, and the record says so.
    assert run(app, tue(1, 9, 30)) == [
        "level10 service-desk: retried (2026-W49; Slack had refused it)"
    ]
    assert [c.ok for c in posts(app)] == [False, False]
    assert record(app, "2026-W49") == "refused"
    # Someone adds the bot to the channel; the next run sends this week's Level-10, once.
    app.fake.lift_refusals()
    assert run(app, tue(1, 10)) == [
        "level10 service-desk: retried (2026-W49; Slack had refused it)"
    ]
    assert run(app, tue(1, 10, 5)) == ["level10 service-desk: already-sent (2026-W49)"]
    assert run(app, tue(1, 16), team=None) == [
        "level10 service-desk: already-sent (2026-W49)",
        "level10 noc: sent (2026-W49)",
    ]
    sent = [c for c in posts(app) if c.ok]
    assert len(sent) == 1 and [c.ok for c in posts(app)] == [False, False, True]
    assert record(app, "2026-W49") == "sent"
    # The post that finally went out is the meeting's: the stored snapshot's figures, and the
    # chart the first attempt shared, not uploaded again.
    assert row(sent[0], "Backlog aged past SLA")[:1] == ["5"]
    assert "chart above" in dumps(sent[0].args["blocks"])
    assert len([f for f in app.fake.uploaded_files() if f.channel == "C01DESK"]) == 1
    with app.container.sessions() as s:
        snaps = list(
            s.scalars(select(Level10Snapshot).where(Level10Snapshot.team == "service-desk"))
        )
    assert [(x.week, x.figures["aged"]) for x in snaps] == [("2026-W49", 5)]


def test_two_ids_categories_sharing_their_first_120_characters_stay_two_items(
    app: Harness,
) -> None:
    shared = "Microsoft 365 / Exchange Online / shared mailboxes / delegated access / " * 2
    first, second = shared + "calendar permissions", shared + "send-as rights"
    for n in range(3):  # three new tickets in each category this week: two recurring items
        ticket(app, f"4820{n}", category=first, opened_at=at(27, 10 + n))
        ticket(app, f"4830{n}", category=second, opened_at=at(27, 10 + n))
    assert run(app, tue(1)) == ["level10 service-desk: sent (2026-W49)"]
    post = posts(app)[-1]
    assert post.ok
    message = app.fake.message("C01DESK", post.response["ts"])
    ids = [b for b in message["blocks"] if str(b.get("block_id", "")).startswith("l10i|")]
    assert len(ids) == 2 and len({b["block_id"] for b in ids}) == 2
    with app.container.sessions() as s:
        stored = list(s.scalars(select(Level10Issue).order_by(Level10Issue.id)))
    assert len(stored) == 2 and len({i.key for i in stored}) == 2
    assert all(len(i.key) <= 120 for i in stored)
    # Assign owner on the second item gives the second item's to-do.
    app.clock.set(tue(1, 9, 30))
    only_second = dict(message, blocks=[ids[1]])
    resp = app.slack.click(only_second, "l10_assign", user="U01LEAD", value="U01TECH1")
    assert resp.status_code == 200
    app.settle()
    with app.container.sessions() as s:
        todos = list(s.scalars(select(Level10Todo)))
    assert [(t.issue_id, t.owner) for t in todos] == [(stored[1].id, "U01TECH1")]
    assert todos[0].title.startswith(shared) and "keeps coming back: 3 new" in todos[0].title
    assert todos[0].title == stored[1].title != stored[0].title


def test_lanes_coach_is_refused_to_a_non_lead_and_shown_to_a_lead(app: Harness) -> None:
    app.clock.set(tue(1))
    ticket(
        app,
        "48200",
        owner="U01TECH1",
        category="Email",
        opened_at=at(30, 9),
        resolve_due=at(30, 12),
        resolved_at=at(30, 15),
        closed_at=at(30, 15),
        status="Closed",
        summary="Mailbox full",
    )
    ticket(
        app,
        "48201",
        owner="U01TECH1",
        opened_at=at(30, 9),
        resolve_due=at(30, 12),
        resolved_at=at(30, 11),
        closed_at=at(30, 11),
        status="Closed",
        has_resolution_note=True,
        reopen_count=1,
        summary="VPN drops",
    )
    ticket(
        app,
        "48202",
        owner="U01TECH1",
        opened_at=at(30, 9),
        resolve_due=at(30, 12),
        resolved_at=at(30, 11),
        closed_at=at(30, 11),
        status="Closed",
        has_resolution_note=True,
        summary="All good",
    )
    refused = app.slack.slash_command(
        "/lanes", "coach <@U01TECH1|tech1>", user="U01TECH2", channel="C01DESK"
    )
    assert refused.status_code == 200
    text = reply_text(refused)
    assert "Only that person's team leads and admins" in text
    assert "48200" not in refused.text and "Mailbox" not in refused.text
    shown = app.slack.slash_command(
        "/lanes", "coach <@U01TECH1>", user="U01LEAD", channel="C01DESK"
    )
    body = dumps(shown.json())
    assert "#48200" in body and "no documentation" in body and "SLA missed" in body
    assert "#48201" in body and "reopened" in body and "#48202" not in body
    assert "service_recid=48200" in body  # a link to the ticket
    admin = app.slack.slash_command(
        "/lanes", "coach <@U01TECH1>", user="U01ADMIN", channel="C01DESK"
    )
    assert "#48200" in dumps(admin.json())
    assert "Name one person" in reply_text(
        app.slack.slash_command("/lanes", "coach everyone", user="U01LEAD", channel="C01DESK")
    )


def test_lanes_scorecard_answers_the_asker_only(app: Harness) -> None:
    aged_tickets(app)
    app.clock.set(tue(3, 10))
    before = len(app.fake.calls_to("chat.postMessage"))
    resp = app.slack.slash_command("/lanes", "scorecard", user="U01TECH1", channel="C01DESK")
    assert resp.status_code == 200
    body = resp.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    text = dumps(body)
    assert "Scorecard · Service Desk" in text and "Backlog aged past SLA" in text
    assert "Level-10 review triggered" in text
    other = app.slack.slash_command("/lanes", "scorecard noc", user="U01TECH1", channel="C01DESK")
    assert "Scorecard · NOC" in dumps(other.json())
    unknown = app.slack.slash_command(
        "/lanes", "scorecard nope", user="U01TECH1", channel="C01DESK"
    )
    assert "There is no team" in reply_text(unknown)
    app.settle()
    assert len(app.fake.calls_to("chat.postMessage")) == before  # nothing posted in a channel
    with app.container.sessions() as s:
        assert s.scalar(select(Level10Snapshot)) is None  # nothing stored either
    assert TEAM
