"""The inbox of LANEKEEPER_DELIVERY=worker, on SQLite and PostgreSQL: storing in batches, an
event stored once however often Slack delivers it, claims that never hand one request to two
workers, and a writer that stores what it acked before it stops."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError

from bot.adapters.db import make_engine
from bot.adapters.inbox import InboxWriter, SlackInbox
from tests.conftest import truncate_all


@pytest.fixture
def inbox(migrated_db: str) -> Iterator[SlackInbox]:
    truncate_all(migrated_db)
    engine = make_engine(migrated_db)
    yield SlackInbox(engine)
    engine.dispose()


def row(inbox: SlackInbox, n: int, key: str | None = None) -> dict:
    return inbox.row(kind="message", content_type="application/json", body=f'{{"n": {n}}}', key=key)


def test_an_event_is_stored_once_however_often_it_arrives(inbox: SlackInbox) -> None:
    assert inbox.store(
        kind="message", content_type="application/json", body="{}", key="event:T:Ev1"
    )
    assert not inbox.store(
        kind="message", content_type="application/json", body="{}", key="event:T:Ev1"
    )
    # Repeated inside one batch, and interactions (no key) never collide.
    stored = inbox.store_many(
        [row(inbox, 1, "event:T:Ev2"), row(inbox, 2, "event:T:Ev2"), row(inbox, 3), row(inbox, 4)]
    )
    assert stored == 3
    assert inbox.backlog()[0] == 4


def test_claims_lease_and_lapse(inbox: SlackInbox) -> None:
    inbox.store_many([row(inbox, n) for n in range(5)])
    first = inbox.claim(3)
    assert [i.body for i in first] == ['{"n": 0}', '{"n": 1}', '{"n": 2}']
    second = inbox.claim(10)
    assert [i.body for i in second] == ['{"n": 3}', '{"n": 4}']
    assert inbox.claim(10) == []  # all leased
    inbox.done([i.id for i in first])
    inbox.release([second[0].id])
    assert [i.body for i in inbox.claim(10)] == ['{"n": 3}']
    # A worker that died: its lease runs out and the request is claimed again.
    later = SlackInbox(inbox.engine, clock=lambda: datetime.now(UTC) + timedelta(minutes=2))
    assert [i.body for i in later.claim(10)] == ['{"n": 3}', '{"n": 4}']
    assert inbox.backlog()[0] == 2


def test_concurrent_claimers_never_share_a_request(inbox: SlackInbox) -> None:
    inbox.store_many([row(inbox, n) for n in range(200)])
    taken: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while got := inbox.claim(7):
            with lock:
                taken.extend(i.id for i in got)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(taken) == 200 and len(set(taken)) == 200


def test_the_writer_stores_a_burst_in_few_transactions(inbox: SlackInbox) -> None:
    commits: list[int] = []
    event.listen(inbox.engine, "commit", lambda _conn: commits.append(1))
    gate = threading.Event()
    original = inbox.store_many

    def slow(rows: list[dict]) -> int:
        gate.wait(10)  # hold the first batch so the rest queue behind it
        return original(rows)

    inbox.store_many = slow  # type: ignore[method-assign]
    writer = InboxWriter(inbox)
    assert all(writer.offer(row(inbox, n)) for n in range(300))
    gate.set()
    assert writer.flush(20)
    assert inbox.backlog()[0] == 300
    assert len(commits) <= 3, len(commits)
    assert writer.close() == 0


def test_the_writer_gathers_a_steady_trickle_into_few_transactions(inbox: SlackInbox) -> None:
    # 40 requests 2 ms apart (500/s for 80 ms). Stored as they come, each was a transaction of
    # its own and the writer held the acking process's GIL a quarter of the time (issue 19).
    writer = InboxWriter(inbox)
    for n in range(40):
        assert writer.offer(row(inbox, n))
        threading.Event().wait(0.002)
    assert writer.flush(20)
    assert inbox.backlog()[0] == 40
    assert writer.batches <= 12, writer.batches
    assert writer.close() == 0


def test_a_store_wakes_the_worker_in_its_own_transaction(inbox: SlackInbox) -> None:
    if inbox.engine.dialect.name != "postgresql":
        # No NOTIFY on SQLite: the store calls its hook (the worker there also polls).
        woke: list[int] = []
        hooked = SlackInbox(inbox.engine, stored=lambda: woke.append(1))
        assert hooked.store(kind="message", content_type="application/json", body="{}", key=None)
        with pytest.raises(IntegrityError):
            hooked.store_many([{**row(hooked, 1), "kind": None}])
        assert woke == [1]
        return
    import psycopg

    from bot.adapters.outbox_wakeup import CHANNEL, INBOX_CHANNEL

    url = inbox.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        listener.execute(f"LISTEN {INBOX_CHANNEL}")
        assert inbox.store(kind="message", content_type="application/json", body="{}", key=None)
        woken = list(listener.notifies(timeout=5, stop_after=1))
        # The request handler's channel only: the outbox's workers have nothing to claim.
        assert [n.channel for n in woken] == [INBOX_CHANNEL]
        # A store that fails wakes nobody: the NOTIFY goes with the rolled-back transaction.
        with pytest.raises(IntegrityError):
            inbox.store_many([{**row(inbox, 1), "kind": None}])
        assert list(listener.notifies(timeout=0.5, stop_after=1)) == []
    # And the commit did not wait for the disk.
    with inbox.engine.begin() as conn:
        from bot.adapters.inbox import ASYNC_COMMIT_AND_WAKE

        conn.exec_driver_sql(ASYNC_COMMIT_AND_WAKE)
        assert conn.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"


def test_the_writer_refuses_when_full_and_stores_what_it_took_before_stopping(
    inbox: SlackInbox,
) -> None:
    gate = threading.Event()
    original = inbox.store_many

    def slow(rows: list[dict]) -> int:
        gate.wait(10)
        return original(rows)

    inbox.store_many = slow  # type: ignore[method-assign]
    writer = InboxWriter(inbox, max_waiting=10)
    offered = [writer.offer(row(inbox, n)) for n in range(25)]
    assert offered.count(True) <= 11 and offered[-1] is False
    gate.set()
    assert writer.close(20) == 0
    assert inbox.backlog()[0] == offered.count(True)
    assert not writer.offer(row(inbox, 99))  # closed


def test_serve_warns_when_acked_requests_wait_with_nobody_handling_them(
    inbox: SlackInbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.adapters import inbox as module

    monkeypatch.setattr(module, "STALE_CHECK", 0.05)
    old = SlackInbox(inbox.engine, clock=lambda: datetime.now(UTC) - timedelta(minutes=5))
    old.store(kind="message", content_type="application/json", body="{}", key=None)
    writer = InboxWriter(inbox)
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while "is `lanekeeper deliver` running" not in caplog.text:
            assert datetime.now(UTC) < deadline, caplog.text
            threading.Event().wait(0.05)
    finally:
        writer.close()
    assert "1 Slack request(s) acked and not handled" in caplog.text


def test_clicks_wait_behind_messages_and_commands_when_the_worker_is_behind(
    inbox: SlackInbox,
) -> None:
    """An offer is worth something for a second or two and a trigger id lives 3 s; a click was
    acked and its lane update can land a moment later."""
    kinds = ["click", "message", "click", "command", "other", "click", "message"]
    inbox.store_many(
        [
            inbox.row(kind=k, content_type="application/json", body=f'"{i}"', key=None)
            for i, k in enumerate(kinds)
        ]
    )
    first = inbox.claim(4)
    assert [(i.kind, i.body) for i in first] == [
        ("message", '"1"'),
        ("command", '"3"'),
        ("other", '"4"'),
        ("message", '"6"'),
    ]
    assert [i.body for i in inbox.claim(10)] == ['"0"', '"2"', '"5"']  # then the clicks, in order
