"""What the three fake PSAs share above the HTTP server: their tickets (a :class:`TicketSource`),
the small demo set, the names of their boards (queues, teams), and the id lists their ticket
queries page through, computed once per query and version of the tickets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Self

from ._data import SynthTicket, TicketSource, demo_tickets
from ._server import FakeHttpBase

#: How a query reads: which tickets it keeps, and the earliest update it asks for (None: any).
Query = tuple[Callable[[SynthTicket], bool], datetime | None]

CACHED_QUERIES = 16


class FakePsa(FakeHttpBase):
    """A fake PSA serving ``tickets`` (a fresh :class:`TicketSource` unless given)."""

    def __init__(self, *, tickets: TicketSource | None = None, now: datetime | None = None) -> None:
        super().__init__(now=now)
        self.tickets = tickets if tickets is not None else TicketSource()
        self._cache: dict[tuple[str, int], list[int]] = {}

    @classmethod
    def demo(cls, *, now: datetime) -> Self:
        """The fake with the demo tickets only (what ``lanekeeper demo`` shows)."""
        source = TicketSource(count=0, end=now)
        for ticket in demo_tickets(now):
            source.add(ticket)
        return cls(tickets=source, now=now)

    def board_names(self) -> tuple[str, ...]:
        """The boards the tickets are on, then the fake's own "Service Desk", each once."""
        return tuple(dict.fromkeys((*self.tickets.boards, "Service Desk")))

    def matching_ids(self, key: str, query: Callable[[], Query]) -> list[int]:
        """The ids of the tickets a query keeps, in id order, as every page of it sees them.

        ``key`` names the query (its text); ``query`` reads it, only when this query has not
        been answered since the tickets last changed. An earliest update past the generated
        tickets looks at the changed ones only (everything generated is older)."""
        cache_key = (key, self.tickets.version)
        cached = self._cache.get(cache_key)
        if cached is not None:
            return cached
        keep, since = query()
        late = since is not None and since > self.tickets.generated_until
        candidates = self.tickets.override_ids() if late else self.tickets.ids()
        ids = [i for i in candidates if (t := self.tickets.get(i)) is not None and keep(t)]
        if len(self._cache) > CACHED_QUERIES:
            self._cache.clear()
        self._cache[cache_key] = ids
        return ids
