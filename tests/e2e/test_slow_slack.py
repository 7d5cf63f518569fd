"""A slow Slack never starves the acks (issue 14, item 4).

With ``chat.postEphemeral`` answering in 5 s and 50 intercepted messages a second, slash commands
still ack within Slack's 3 s, and what a command's reply says is what happened: a ``/focus``
that was acked started, and the interception replies go out on their own bounded pool.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from bot.adapters.models import FocusSession, Interception
from tests.e2e.conftest import Harness, reply_text

ASK = "<@U01TECH1> can you check the disk alert on SQL02?"


def test_slow_ephemeral_replies_never_delay_slash_command_acks(app: Harness) -> None:
    messages = 150  # 3 s at 50 a second
    app.fake.answer_late("chat.postEphemeral", 5.0, times=messages)
    stop = threading.Event()

    def flood() -> None:
        start = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            for i in range(messages):
                due = start + i / 50
                time.sleep(max(0.0, due - time.monotonic()))
                pool.submit(app.slack.message, "C01GENERAL", "U01REQ", f"{ASK} ({i})")
        stop.set()

    sender = threading.Thread(target=flood)
    sender.start()
    time.sleep(1.0)  # the listener pool is full of 5 s replies by now (on the old code)
    timings: list[tuple[float, int, str]] = []
    users = ["U01TECH3", "U01TECH2", "U01LEAD", "U01SM", "U01ADMIN", "U02OTHER"]
    for user in users:
        began = time.monotonic()
        resp = app.slack.slash_command("/focus", text="90m", user=user, channel="C01NOC")
        timings.append((time.monotonic() - began, resp.status_code, reply_text(resp)))
        time.sleep(0.25)
    sender.join(timeout=30)
    app.fake.answer_late("chat.postEphemeral", 0.0)  # Slack is fast again from here on
    assert app.container.wait_idle(30)
    slowest = max(t for t, _, _ in timings)
    assert all(status == 200 for _, status, _ in timings), timings
    assert slowest < 3.0, timings
    assert all(text.startswith(":shield: Focus on until") for _, _, text in timings), timings
    with app.container.sessions() as s:
        focused = s.scalar(select(func.count(FocusSession.id)))
        intercepted = s.scalar(select(func.count(Interception.id)))
        undeliverable = s.scalar(
            select(func.count(Interception.id)).where(Interception.outcome == "undeliverable")
        )
    # what each person was told is what happened: one focus each, no more, no fewer
    assert focused == len(users)
    assert intercepted == messages  # every message was still classified and recorded
    # every offer was either shown or recorded as not delivered (too many waiting): none lost
    offered = len(app.fake.calls_to("chat.postEphemeral"))
    assert offered + (undeliverable or 0) == messages, (offered, undeliverable)
    assert offered >= 8
