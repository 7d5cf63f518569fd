"""Who asked a question a moment ago, per channel and thread: context for interception.

The message listener already sees every message in a watched channel. When a protected person
asks something ("which VLAN is voice at Fabrikam?") and a colleague answers with her mention
("<@U1> it's VLAN 20"), the answer reads like a report handed to her; knowing that she asked
first makes it an answer (``classify(…, recent_question_by=…)``).

This is a small in-process store, fed from the message events as they arrive, so the hot path
makes no Slack call and no query: a bounded LRU of conversations (team, channel, thread), each
holding who asked a question and when, forgotten after a TTL. A process restart forgets it; a
second process sees only its own events (Slack delivers each event to one of them), which at
worst makes a reply look like an ask, as it did before this store existed.

Conversations: a message in a thread is one of that thread's; a top-level message is one of its
channel's, and also opens the thread a reply to it would start (a reply to a top-level question
in its thread finds it).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta

from ..domain.interception import asks_a_question

Key = tuple[str, str, str]  # (team, channel, thread ts or "" for the channel itself)


class ConversationContext:
    """Recent questions by person, per conversation; thread-safe, bounded, expiring."""

    def __init__(
        self,
        *,
        ttl: timedelta = timedelta(minutes=30),
        max_conversations: int = 5000,
        max_people: int = 16,
    ) -> None:
        self.ttl = ttl
        self.max_conversations = max_conversations
        self.max_people = max_people
        self._asked: OrderedDict[Key, OrderedDict[str, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._asked)

    def recent_question_by(
        self, *, team: str, channel: str, thread_ts: str | None, now: datetime
    ) -> frozenset[str]:
        """Who asked a question in this conversation within the TTL before ``now``."""
        key = (team, channel, thread_ts or "")
        since = now - self.ttl
        with self._lock:
            people = self._asked.get(key)
            if not people:
                return frozenset()
            for user in [u for u, at in people.items() if at < since]:
                del people[user]
            if not people:
                del self._asked[key]
                return frozenset()
            self._asked.move_to_end(key)
            return frozenset(people)

    def note(
        self,
        *,
        team: str,
        channel: str,
        user: str,
        text: str,
        ts: str | None,
        thread_ts: str | None,
        now: datetime,
    ) -> bool:
        """Remember ``user`` asked a question if ``text`` is one; whether it was."""
        if not user or not asks_a_question(text):
            return False
        keys = [(team, channel, thread_ts or "")]
        if not thread_ts and ts:
            keys.append((team, channel, ts))  # replies in its own thread
        with self._lock:
            for key in keys:
                people = self._asked.setdefault(key, OrderedDict())
                people[user] = now
                people.move_to_end(user)
                while len(people) > self.max_people:
                    people.popitem(last=False)
                self._asked.move_to_end(key)
            while len(self._asked) > self.max_conversations:
                self._asked.popitem(last=False)
        return True

    def observe(
        self,
        *,
        team: str,
        channel: str,
        user: str,
        text: str,
        ts: str | None,
        thread_ts: str | None,
        now: datetime,
    ) -> frozenset[str]:
        """For the listener: who had asked in this message's conversation before it, then
        remember this message if it is a question."""
        before = self.recent_question_by(team=team, channel=channel, thread_ts=thread_ts, now=now)
        self.note(
            team=team, channel=channel, user=user, text=text, ts=ts, thread_ts=thread_ts, now=now
        )
        return before
