"""A fake HaloPSA on a free loopback port.

As HaloPSA does: OAuth2 client credentials at ``/auth/token`` (``tenant`` required when the
fake has one), bearer tokens that expire (``expire_tokens()`` ends them now) and a 401 after;
``GET /api/Tickets`` with ``pageinate=true``, ``page_size`` (capped at 100), ``page_no``,
``record_count`` the total, ``lastupdatefromdate`` inclusive, ``open_only`` / ``closed_only``;
dates without an offset (UTC); ``1900-01-01T00:00:00`` for unset; agent 1 "Unassigned".
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from ...adapters.psa.base import parse_utc
from ._base import FakePsa
from ._data import (
    COMPANIES,
    OWNERS,
    PRIORITIES,
    TYPES,
    SynthTicket,
    TicketSource,
)
from ._server import Answer, RecordedRequest

UNSET = "1900-01-01T00:00:00"
STATUS = {"new": 1, "in_progress": 2, "waiting": 4, "scheduled": 22, "closed": 9}
STATUS_NAMES = {1: "New", 2: "In Progress", 4: "Waiting on client", 22: "Scheduled", 9: "Closed"}


def _halo(value: datetime | None, i: int = 0) -> str:
    if value is None:
        return UNSET
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{(i * 37) % 1000:03d}" if i % 3 == 0 else "")


class FakeHalo(FakePsa):
    def __init__(
        self,
        *,
        client_id: str = "lanekeeper-halo-app",
        client_secret: str = "HaloS3cretValue42",
        tenant: str | None = None,
        token_lifetime: float = 3600.0,
        tickets: TicketSource | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(tickets=tickets, now=now)
        self.client_id = client_id
        self.client_secret = client_secret
        self.tenant = tenant
        self.token_lifetime = token_lifetime
        self.tokens: dict[str, float] = {}  # token -> monotonic expiry
        self.teams = self.board_names()

    @property
    def url(self) -> str:
        return self.url_of("api")

    def expire_tokens(self) -> None:
        """Every token issued so far expires now (the next API call gets a 401)."""
        with self._lock:
            for token in self.tokens:
                self.tokens[token] = 0.0

    # --- rendering -----------------------------------------------------------------------
    def render(self, t: SynthTicket) -> dict[str, Any]:
        type_name, sub = TYPES[t.type]
        return {
            "id": t.id,
            "summary": t.summary,
            "client_id": 10 + t.company,
            "client_name": COMPANIES[t.company],
            "team": t.board if t.malformed != "no-board" else None,
            "agent_id": t.owner + 2 if t.owner is not None else 1,
            "status_id": STATUS[t.status],
            "priority_id": t.priority + 1,
            "category_1": f"{type_name}>{sub}",
            "dateoccurred": _halo(t.opened, t.id) if t.malformed != "bad-date" else "not a date",
            "responsedate": _halo(t.responded, t.id + 1),
            "respondbydate": _halo(t.respond_due),
            "fixbydate": _halo(t.resolve_due),
            "dateclosed": _halo(t.closed, t.id + 2),
            "last_update": _halo(t.updated),
            "lastactiondate": _halo(t.updated),
            "onhold": t.status == "waiting",
            "clearance_note": "Reset the user's MFA and confirmed sign-in"
            if t.resolution_note
            else "",
        }

    # --- HTTP ----------------------------------------------------------------------------
    def handle(self, request: RecordedRequest, body: bytes) -> Answer:
        path = request.path.lower()
        if path == "/auth/token":
            return self._token(request, body)
        if not path.startswith("/api/"):
            return Answer(404, {"error": "not found"})
        auth = request.header("Authorization") or ""
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with self._lock:
            expiry = self.tokens.get(token)
        if expiry is None or expiry <= time.monotonic():
            return Answer(401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"})
        resource = path[len("/api/") :].strip("/")
        if resource == "tickets":
            return self._tickets(request)
        if resource == "status":
            return Answer(200, [{"id": k, "name": v} for k, v in STATUS_NAMES.items()])
        if resource == "priority":
            return Answer(
                200,
                [{"priorityid": i + 1, "name": p, "slaid": 1} for i, p in enumerate(PRIORITIES)],
            )
        if resource == "agent":
            agents = [{"id": 1, "name": "Unassigned", "email": ""}]
            agents += [
                {"id": i + 2, "name": f"{first} {last}", "email": email}
                for i, (_ident, first, last, email) in enumerate(OWNERS)
            ]
            return Answer(200, agents)
        if resource == "team":
            return Answer(200, [{"id": i + 1, "name": n} for i, n in enumerate(self.teams)])
        return Answer(404, {"error": "not found"})

    def _token(self, request: RecordedRequest, body: bytes) -> Answer:
        if request.method != "POST":
            return Answer(405, {"error": "method not allowed"})
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        ok = (
            form.get("grant_type") == "client_credentials"
            and form.get("client_id") == self.client_id
            and form.get("client_secret") == self.client_secret
            and (self.tenant is None or form.get("tenant") == self.tenant)
        )
        if not ok:
            return Answer(400, {"error": "invalid_client"})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.tokens[token] = time.monotonic() + self.token_lifetime
        return Answer(
            200,
            {"access_token": token, "token_type": "Bearer", "expires_in": int(self.token_lifetime)},
        )

    def _tickets(self, request: RecordedRequest) -> Answer:
        since_text = request.arg("lastupdatefromdate")
        try:
            since = parse_utc(since_text) if since_text else None
        except ValueError:
            return Answer(400, {"error": "lastupdatefromdate is not a date"})
        open_only = (request.arg("open_only") or "").lower() == "true"
        closed_only = (request.arg("closed_only") or "").lower() == "true"

        def keep(t: SynthTicket) -> bool:
            if (open_only and t.is_closed) or (closed_only and not t.is_closed):
                return False
            return since is None or t.updated >= since  # inclusive

        ids = self.matching_ids(f"{since}|{open_only}|{closed_only}", lambda: (keep, since))
        paginate = (request.arg("pageinate") or "").lower() == "true"
        size = min(int(request.arg("page_size") or 50), 100) if paginate else len(ids)
        page_no = max(1, int(request.arg("page_no") or 1)) if paginate else 1
        chunk = ids[(page_no - 1) * size : page_no * size]
        records = [self.render(t) for i in chunk if (t := self.tickets.get(i)) is not None]
        return Answer(
            200,
            {"page_no": page_no, "page_size": size, "record_count": len(ids), "tickets": records},
        )
