"""Fakes of the PSAs Lanekeeper syncs from, each a real HTTP server on a free loopback port
that records every request: :class:`FakeConnectWise`, :class:`FakeAutotask`, :class:`FakeHalo`.
Tickets come from a :class:`TicketSource` (any number, generated lazily from a seed) or the
small demo set."""

from __future__ import annotations

from bot.testing.fake_psa._data import SynthTicket, TicketSource, demo_tickets
from bot.testing.fake_psa._server import RecordedRequest
from bot.testing.fake_psa.autotask import FakeAutotask
from bot.testing.fake_psa.connectwise import FakeConnectWise
from bot.testing.fake_psa.halo import FakeHalo

__all__ = [
    "FakeAutotask",
    "FakeConnectWise",
    "FakeHalo",
    "RecordedRequest",
    "SynthTicket",
    "TicketSource",
    "demo_tickets",
]
