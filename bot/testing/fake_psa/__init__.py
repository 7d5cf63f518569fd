"""Fakes of the PSAs Lanekeeper syncs from, each a real HTTP server on a free loopback port
that records every request: :class:`FakeConnectWise`, :class:`FakeAutotask`, :class:`FakeHalo`.
Tickets come from a :class:`TicketSource` (any number, generated lazily from a seed) or the
small demo set."""

from __future__ import annotations

from ._data import SynthTicket, TicketSource, demo_tickets
from ._server import RecordedRequest
from .autotask import FakeAutotask
from .connectwise import FakeConnectWise
from .halo import FakeHalo

__all__ = [
    "FakeAutotask",
    "FakeConnectWise",
    "FakeHalo",
    "RecordedRequest",
    "SynthTicket",
    "TicketSource",
    "demo_tickets",
]
