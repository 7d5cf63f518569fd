"""The in-process store of who asked a question a moment ago, per conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.conversation_context import ConversationContext

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def asked(ctx: ConversationContext, thread: str | None = None, at: datetime = T0) -> frozenset[str]:
    return ctx.recent_question_by(team="T1", channel="C1", thread_ts=thread, now=at)


def note(ctx: ConversationContext, user: str, text: str, **kw: object) -> bool:
    args: dict[str, object] = {"ts": "100.1", "thread_ts": None, "now": T0, **kw}
    return ctx.note(team="T1", channel="C1", user=user, text=text, **args)  # type: ignore[arg-type]


def test_only_questions_are_remembered_in_their_channel_and_their_own_thread() -> None:
    ctx = ConversationContext()
    assert not note(ctx, "U1", "done, thanks")
    assert note(ctx, "U1", "which VLAN is voice at Fabrikam")
    assert asked(ctx) == {"U1"}
    assert asked(ctx, thread="100.1") == {"U1"}  # a reply in the question's own thread
    assert asked(ctx, thread="999.9") == frozenset()
    assert ctx.recent_question_by(team="T2", channel="C1", thread_ts=None, now=T0) == frozenset()


def test_a_question_in_a_thread_counts_in_that_thread_only() -> None:
    ctx = ConversationContext()
    note(ctx, "U1", "is it fixed?", ts="200.2", thread_ts="100.1")
    assert asked(ctx, thread="100.1") == {"U1"}
    assert asked(ctx) == frozenset()


def test_questions_expire_after_the_ttl() -> None:
    ctx = ConversationContext(ttl=timedelta(minutes=30))
    note(ctx, "U1", "anyone know the Northwind number?")
    assert asked(ctx, at=T0 + timedelta(minutes=29)) == {"U1"}
    assert asked(ctx, at=T0 + timedelta(minutes=31)) == frozenset()
    assert len(ctx) == 1  # the thread key of the question; the channel's was dropped


def test_the_store_is_bounded() -> None:
    ctx = ConversationContext(max_conversations=3, max_people=2)
    for n in range(10):
        note(ctx, f"U{n}", "status?", ts=f"{n}.0", thread_ts="1.0")
    assert asked(ctx, thread="1.0") == {"U8", "U9"}
    for n in range(10):
        ctx.note(
            team="T1", channel=f"C{n}", user="U1", text="eta?", ts=None, thread_ts=None, now=T0
        )
    assert len(ctx) == 3


def test_observe_answers_for_before_the_message_then_remembers_it() -> None:
    ctx = ConversationContext()
    kw = {"team": "T1", "channel": "C1", "ts": "1.0", "thread_ts": None, "now": T0}
    assert ctx.observe(user="U1", text="is the VPN up?", **kw) == frozenset()  # type: ignore[arg-type]
    assert ctx.observe(user="U2", text="<@U1> yes", **kw) == {"U1"}  # type: ignore[arg-type]
