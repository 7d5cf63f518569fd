"""App Home end to end: app_home_opened → views.publish, the buttons on it, and the refresh that
follows a change to my escalations or my focus.

Times are fixed with ``app.clock``: Monday 23 Nov 2026, 16:00 UTC. The alert lane belongs to
the NOC (24/7, UTC): P1 respond 15m / resolve 4h, P3 respond 4h / resolve 3d.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.adapters.models import FocusSession
from bot.testing.fake_slack import RecordedCall
from tests.e2e.conftest import Harness
from tests.e2e.test_lifecycle import block, click, create

T0 = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def publishes(app: Harness, user: str) -> list[RecordedCall]:
    return [c for c in app.fake.calls_to("views.publish") if c.args["user_id"] == user]


def open_home(app: Harness, user: str) -> dict[str, Any]:
    """``user`` opens the Home tab; returns the view published for them in answer."""
    before = len(publishes(app, user))
    resp = app.slack.app_home_opened(user)
    assert resp.status_code == 200 and resp.content == b""
    app.settle()
    calls = publishes(app, user)
    assert len(calls) == before + 1, "Home not published when opened"
    call = calls[-1]
    assert call.ok, call.response
    home = app.fake.home(user)
    assert home is not None and home["type"] == "home"
    assert home["blocks"] == call.response["view"]["blocks"]
    return home


def texts(view: dict[str, Any]) -> list[str]:
    """Every line of text on the view, top to bottom."""
    out = []
    for b in view["blocks"]:
        if b["type"] in ("section", "header"):
            out.append(b["text"]["text"])
        elif b["type"] == "context":
            out.extend(e["text"] for e in b["elements"])
    return out


def after(view: dict[str, Any], block_id: str) -> list[str]:
    """The lines of the section that starts at ``block_id``, up to the next divider."""
    blocks = view["blocks"]
    start = next(i for i, b in enumerate(blocks) if b.get("block_id") == block_id)
    lines = []
    for b in blocks[start + 1 :]:
        if b["type"] == "divider" or b is blocks[-1]:  # the last block: "Updated …"
            break
        if b["type"] == "section":
            lines.append(b["text"]["text"])
        elif b["type"] == "context":
            lines.extend(e["text"] for e in b["elements"])
    return lines


def date_token(at: datetime) -> str:
    return f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%a %d %b %H:%M UTC}>"


def unlinked(line: str) -> str:
    """``line`` with a linked ``<https://…|ESC-1>`` shown as plain ``ESC-1``."""
    return re.sub(r"<https://slack\.com/archives/[^|>]+\|(ESC-\d+)>", r"\1", line)


def ref(app: Harness, number: int) -> str:
    esc = app.escalation(number)
    assert esc.lane_ts is not None
    return (
        f"<https://slack.com/archives/{esc.lane_channel}/p{esc.lane_ts.replace('.', '')}|{esc.ref}>"
    )


def test_an_empty_home_for_someone_new(app: Harness) -> None:
    app.clock.set(T0)
    home = open_home(app, "U02OTHER")
    assert home["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Lanekeeper", "emoji": True},
        "block_id": home["blocks"][0]["block_id"],
    }
    focus = block(home, "focus")
    assert focus["text"]["text"] == "Not in focus. Pings reach you directly."
    assert focus["accessory"]["action_id"] == "home_start_focus"
    assert focus["accessory"]["text"]["text"] == "Focus for 90 minutes"
    assert block(home, "risks")["text"]["text"] == "*My SLA risks* (0)"
    assert after(home, "risks") == ["Nothing of yours breaches in the next 4 business hours."]
    assert block(home, "approvals")["text"]["text"] == "*Approvals waiting on me* (0)"
    assert after(home, "approvals") == ["No approvals are waiting on you."]
    assert block(home, "owned")["text"]["text"] == "*My escalations* (0)"
    assert after(home, "owned")[0] == "You own no open escalations."
    assert texts(home)[-1] == (
        f"Updated {date_token(T0)} · `/escalate` raises one · `/lanes` lists the lanes"
    )
    assert "requested" not in {b.get("block_id") for b in home["blocks"]}


def test_only_the_home_tab_is_published(app: Harness) -> None:
    resp = app.slack.app_home_opened("U01REQ", tab="messages")
    assert resp.status_code == 200
    app.settle()
    assert app.fake.calls_to("views.publish") == []


def test_my_escalations_with_due_times_and_my_sla_risks(app: Harness) -> None:
    app.clock.set(T0)
    create(app, text="alert P1 Exchange down at Acme", client="Acme")  # resolve 4h
    create(app, text="alert P3 Disk 80% on FS01", client="Contoso")  # resolve 3d
    create(app, text="alert P2 Nobody took this one", client="Globex")
    click(app, 2, "esc_take", "U01TECH3")
    click(app, 1, "esc_take", "U01TECH3")

    app.clock.set(T0 + timedelta(hours=1))
    home = open_home(app, "U01TECH3")
    esc1, esc2 = app.escalation(1), app.escalation(2)
    assert esc1.resolve_due == T0 + timedelta(hours=4)
    assert esc2.resolve_due == T0 + timedelta(days=3)
    assert block(home, "owned")["text"]["text"] == "*My escalations* (2)"
    # soonest due first, each with its resolve-by time
    assert after(home, "owned") == [
        f"{ref(app, 1)} [P1] *Acme* — Exchange down at Acme · In progress · resolve by "
        f"{date_token(T0 + timedelta(hours=4))}",
        f"{ref(app, 2)} [P3] *Contoso* — Disk 80% on FS01 · In progress · resolve by "
        f"{date_token(T0 + timedelta(days=3))}",
    ]
    # only the P1 breaches within 4 business hours; its respond clock stopped when taken
    assert block(home, "risks")["text"]["text"] == "*My SLA risks* (1)"
    assert after(home, "risks") == [
        f"{ref(app, 1)} [P1] *Acme* — Exchange down at Acme · In progress · resolve by "
        f"{date_token(T0 + timedelta(hours=4))} · *breaches in 3h* (resolve)"
    ]

    # past its target it is breached, and says by how much
    app.clock.set(T0 + timedelta(hours=5, minutes=30))
    home = open_home(app, "U01TECH3")
    assert after(home, "risks")[0].endswith("· *breached 1h 30m ago* (resolve)")
    # someone who owns nothing sees none of it
    other = open_home(app, "U01TECH1")
    assert block(other, "owned")["text"]["text"] == "*My escalations* (0)"
    assert "Globex" not in json.dumps(other)


def test_approvals_waiting_on_me_with_buttons_that_decide(app: Harness) -> None:
    app.clock.set(T0)
    create(app, text="client-request P2 Acme wants the migration this week", client="Acme")
    app.settle()
    assert app.escalation(1).status == "pending_approval"

    for approver in ("U01SM", "U01LEAD"):  # U01LEAD is an approver through S01MANAGERS
        home = open_home(app, approver)
        assert block(home, "approvals")["text"]["text"] == "*Approvals waiting on me* (1)"
        line = after(home, "approvals")[0]
        assert line == (
            f"{ref(app, 1)} [P2] *Acme* — Acme wants the migration this week · "
            "Pending approval · asked by <@U01REQ>"
        )
        buttons = block(home, "approve_1")["elements"]
        assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons] == [
            ("approval_approve", "1", "Approve"),
            ("approval_reject", "1", "Reject"),
        ]
    requester = open_home(app, "U01REQ")
    assert block(requester, "approvals")["text"]["text"] == "*Approvals waiting on me* (0)"
    assert after(requester, "requested") == [
        f"{ref(app, 1)} [P2] *Acme* — Acme wants the migration this week · Pending approval"
    ]

    # Approve right from the Home tab
    shown = app.fake.home("U01SM")
    assert shown is not None
    resp = app.slack.click(shown, "approval_approve", user="U01SM", value="1")
    assert resp.status_code == 200
    app.settle()
    esc = app.escalation(1)
    assert (esc.status, esc.decided_by) == ("open", "U01SM")
    assert esc.resolve_due is not None
    home = open_home(app, "U01SM")
    assert after(home, "approvals") == ["No approvals are waiting on you."]
    # the requester's Home was refreshed by the change, without opening it
    refreshed = app.fake.home("U01REQ")
    assert refreshed is not None
    assert after(refreshed, "requested")[0].startswith(
        f"{ref(app, 1)} [P2] *Acme* — Acme wants the migration this week · Open · resolve by "
    )


def test_focus_state_with_an_end_focus_button_that_works(app: Harness) -> None:
    app.clock.set(T0)
    resp = app.slack.slash_command("/focus", text="90m", user="U01TECH3", channel="C01NOC")
    assert resp.status_code == 200
    app.settle()
    # /focus refreshed the Home tab by itself
    [published] = publishes(app, "U01TECH3")
    home = app.fake.home("U01TECH3")
    assert home is not None and home["id"] == published.response["view"]["id"]
    end = T0 + timedelta(minutes=90)
    focus = block(home, "focus")
    assert focus["text"]["text"] == (
        f":shield: *In focus* until {date_token(end)}: pings are offered a lane instead."
    )
    assert (focus["accessory"]["action_id"], focus["accessory"]["text"]["text"]) == (
        "home_end_focus",
        "End focus",
    )

    app.clock.set(T0 + timedelta(minutes=20))
    resp = app.slack.click(home, "home_end_focus", user="U01TECH3")
    assert resp.status_code == 200
    app.settle()
    with app.container.sessions() as s:
        [session] = s.scalars(select(FocusSession))
        assert session.ended_at == T0 + timedelta(minutes=20)
    assert len(publishes(app, "U01TECH3")) == 2
    home = app.fake.home("U01TECH3")
    assert home is not None
    focus = block(home, "focus")
    assert focus["text"]["text"] == "Not in focus. Pings reach you directly."
    assert focus["accessory"]["action_id"] == "home_start_focus"

    # and focusing from the Home tab protects them for 90 minutes
    app.slack.click(home, "home_start_focus", user="U01TECH3")
    app.settle()
    with app.container.sessions() as s:
        latest = s.scalars(select(FocusSession).order_by(FocusSession.id.desc())).first()
        assert latest is not None and latest.ended_at is None
        assert latest.ends_at == T0 + timedelta(minutes=110)
    home = app.fake.home("U01TECH3")
    assert home is not None
    assert block(home, "focus")["accessory"]["action_id"] == "home_end_focus"
    app.slack.message("C01GENERAL", "U01REQ", "<@U01TECH3> can you check the disk alert?")
    app.settle()
    [offer] = app.fake.calls_to("chat.postEphemeral")
    assert offer.args["user"] == "U01REQ"


def test_an_always_protected_person_is_told_so_without_a_button(app: Harness) -> None:
    home = open_home(app, "U01TECH1")
    focus = block(home, "focus")
    assert focus["text"]["text"] == (
        ":shield: *Always protected* (set in the lanes file): pings to you are offered a lane."
    )
    assert "accessory" not in focus


def test_home_refreshes_after_my_escalations_change(app: Harness) -> None:
    app.clock.set(T0)
    first = open_home(app, "U01REQ")
    assert "requested" not in {b.get("block_id") for b in first["blocks"]}

    create(app, text="alert P2 Backups failed three nights", client="Acme")
    # raising it refreshed the requester's Home, unasked
    assert len(publishes(app, "U01REQ")) == 2
    home = app.fake.home("U01REQ")
    assert home is not None and home["id"] == first["id"]  # the same Home, updated
    assert block(home, "requested")["text"]["text"] == "*Asked by me* (1)"
    # (this refresh can go out before the lane message is posted: the ref may not link yet)
    assert [unlinked(line) for line in after(home, "requested")] == [
        "ESC-1 [P2] *Acme* — Backups failed three nights · Open · resolve by "
        f"{date_token(T0 + timedelta(days=1))}"
    ]

    app.clock.set(T0 + timedelta(minutes=10))
    before = len(publishes(app, "U01TECH3"))
    click(app, 1, "esc_take", "U01TECH3")
    # the new owner's Home shows it, and the requester's shows the new status
    assert len(publishes(app, "U01TECH3")) > before
    owner = app.fake.home("U01TECH3")
    assert owner is not None
    assert block(owner, "owned")["text"]["text"] == "*My escalations* (1)"
    assert after(owner, "owned")[0].startswith(f"{ref(app, 1)} [P2] *Acme* — Backups failed")
    requester = app.fake.home("U01REQ")
    assert requester is not None
    assert " · In progress · " in after(requester, "requested")[0]

    # resolving takes it off both
    click(app, 1, "esc_resolve", "U01TECH3")
    [view] = [c.response["view"] for c in app.fake.calls_to("views.open")][-1:]
    app.slack.submit_view(view["id"], user="U01TECH3", values={"done_0": ["0", "1"], "note": "ok"})
    app.settle()
    owner = app.fake.home("U01TECH3")
    requester = app.fake.home("U01REQ")
    assert owner is not None and requester is not None
    assert block(owner, "owned")["text"]["text"] == "*My escalations* (0)"
    assert "requested" not in {b.get("block_id") for b in requester["blocks"]}
    assert app.escalation(1).status == "resolved"
    # every publish was accepted by Slack
    assert all(c.ok for c in app.fake.calls_to("views.publish"))


def test_my_psa_tickets_at_risk_are_on_my_home(app: Harness) -> None:
    from tests.e2e.test_tickets import ticket

    now = datetime.now(UTC)
    app.clock.set(now)
    ticket(app, "48213", owner="U01TECH1", resolve_due=now - timedelta(hours=1),
           summary="Printer <queue> stuck", team="noc")  # fmt: skip
    ticket(app, "48214", owner="U01TECH1", resolve_due=now + timedelta(days=9), team="noc")
    ticket(app, "48215", owner="U01TECH2", resolve_due=now - timedelta(hours=1), team="noc")
    view = open_home(app, "U01TECH1")
    text = json.dumps(view["blocks"])
    assert "My SLA risks* (1)" in text
    assert "service_recid=48213|#48213>" in text and "Printer &lt;queue&gt; stuck" in text
    assert "breached" in text
    assert "48214" not in text and "48215" not in text


def test_rapid_changes_to_one_home_are_folded_into_one_render(app: Harness) -> None:
    """Issue 19: many changes for one person while their Home is being rendered are folded into
    the render in flight, which reads the state again when it is done and publishes once more:
    far fewer publishes than changes, and the last one shows the final state."""
    app.clock.set(T0)
    user = "U01TECH3"

    def focus(text: str) -> None:
        resp = app.slack.slash_command("/focus", text=text, user=user, channel="C01NOC")
        assert resp.status_code == 200, resp.text

    # Slack takes the first publish at once but answers it only after 5 s: every change
    # below comes while that render is in flight.
    app.fake.answer_late("views.publish", 5.0)
    focus("90m")
    waited = 0
    while not publishes(app, user) and waited < 200:
        threading.Event().wait(0.05)
        waited += 1
    assert len(publishes(app, user)) == 1
    changes = ["off", "90m"] * 5 + ["off", "30m"]
    for text in changes:
        focus(text)
    app.settle(timeout=30)

    calls = publishes(app, user)
    # the first render, then one more for all twelve changes (now and then one more, when a
    # change lands just as that second render has read the state)
    assert 2 <= len(calls) <= 3, [c.args.get("view", {}) for c in calls]
    assert all(c.ok for c in calls)
    home = app.fake.home(user)
    assert home is not None and home["blocks"] == calls[-1].response["view"]["blocks"]
    assert block(home, "focus")["text"]["text"] == (
        f":shield: *In focus* until {date_token(T0 + timedelta(minutes=30))}: "
        "pings are offered a lane instead."
    )
    with app.container.sessions() as s:
        running = [f for f in s.scalars(select(FocusSession)) if f.ended_at is None]
    assert [f.ends_at for f in running] == [T0 + timedelta(minutes=30)]


def test_a_home_that_keeps_changing_is_rendered_again_later_with_the_last_change(
    app: Harness,
) -> None:
    """A render in flight re-renders at most 5 times in a row; a change that comes in during
    the last of them is not dropped: the outbox row goes out again shortly and shows it."""
    app.clock.set(T0)
    user = "U01TECH3"

    def focus(text: str) -> None:
        resp = app.slack.slash_command("/focus", text=text, user=user, channel="C01NOC")
        assert resp.status_code == 200, resp.text

    def wait_for_publishes(count: int) -> None:
        for _ in range(400):
            if len(publishes(app, user)) >= count:
                return
            threading.Event().wait(0.05)
        raise AssertionError(f"{count} publishes expected, {len(publishes(app, user))} seen")

    # Every publish of the five rounds is taken at once and answered after 2 s: the next
    # change always lands while one is in flight.
    app.fake.answer_late("views.publish", 2.0, times=5)
    focus("90m")
    for number, text in enumerate(["off", "90m", "off", "90m", "30m"], start=1):
        wait_for_publishes(number)
        focus(text)
    app.settle(timeout=40)

    home = app.fake.home(user)
    assert home is not None
    assert block(home, "focus")["text"]["text"] == (
        f":shield: *In focus* until {date_token(T0 + timedelta(minutes=30))}: "
        "pings are offered a lane instead."
    )
    assert all(c.ok for c in publishes(app, user))
