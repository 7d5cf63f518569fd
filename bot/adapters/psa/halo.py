"""HaloPSA.

- Sign-in: OAuth2 client credentials at ``{url}/auth/token`` (form ``grant_type``,
  ``client_id``, ``client_secret``, ``scope=all``, and ``tenant`` when ``HALO_TENANT`` is set);
  the token is renewed before it expires and once on a 401; a second refusal is a
  :class:`PsaAuthError`.
- Tickets: ``GET /api/Tickets?pageinate=true&page_size=100&page_no=N`` (``pageinate`` sic;
  ``page_size`` at most 100; ``record_count`` is the total, not the page), ordered by id, with
  ``lastupdatefromdate`` (inclusive: the overlap is de-duplicated by upsert). The first sync
  reads ``open_only`` then ``closed_only`` updated in the last 8 weeks (kept when closed in the
  window). Pages are numbered, so a ticket leaving the result set while paging shifts the
  boundary: when ``record_count`` changes during a run, the run's cursor does not advance and
  the next run reads the same window again.
- Dates have no offset and are UTC; ``1900-01-01T00:00:00`` means unset. Agent 1 is
  "Unassigned". Status 9 is Closed. Waiting on the client: Halo's ``onhold`` flag (a status
  that pauses the SLA) or a status name in ``waiting_statuses``. Teams are matched by name on
  the ticket's ``team``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Unpack

import httpx

from ._http import ConnectorOptions, HttpConnector, server_date
from .base import (
    DEFAULT_WAITING_STATUSES,
    FIRST_SYNC_CLOSED_WINDOW,
    Page,
    PageBuilder,
    PsaAuthError,
    PsaCheck,
    PsaConfigError,
    PsaError,
    PsaTicket,
    is_waiting_status,
    later,
    names_casefold,
    parse_utc,
    require_aware,
    require_settings,
    run_cursor,
    str_or_none,
    utc_iso,
)

MAX_PAGE_SIZE = 100
UNASSIGNED_AGENT = 1
STATUS_CLOSED = 9
#: Halo's own "On Hold" pauses the SLA too.
WAITING_STATUSES = (*DEFAULT_WAITING_STATUSES, "On Hold")


class HaloConnector(HttpConnector):
    """HaloPSA tickets of the mapped teams."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        url: str,
        client_id: str,
        client_secret: str,
        tenant: str | None = None,
        teams: Collection[str],
        monotonic: Callable[[], float] = time.monotonic,
        **options: Unpack[ConnectorOptions],
    ) -> None:
        options.setdefault("waiting_statuses", WAITING_STATUSES)
        self._teams = require_settings(
            "halo",
            {"HALO_CLIENT_ID": client_id, "HALO_CLIENT_SECRET": client_secret},
            teams,
            "teams",
        )
        super().__init__(
            source="halo",
            client=client,
            url=url,
            max_page_size=MAX_PAGE_SIZE,
            secrets=lambda: tuple(x for x in (self._client_secret, self._token) if x),
            **options,
        )
        self._client_id = client_id
        self._client_secret = client_secret
        self._tenant = tenant or None
        self._team_keys = names_casefold(self._teams)
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_until = 0.0

    # --- token ---------------------------------------------------------------------------
    def _fetch_token(self) -> str:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret,
            "scope": "all",
        }
        if self._tenant:
            form["tenant"] = self._tenant
        try:
            response = self.http.request(
                "POST", f"{self._url}/auth/token", data=form, what="token request"
            )
        except PsaConfigError as exc:  # OAuth answers a refused client with 400 invalid_client
            raise PsaAuthError(
                "halo: the token request was refused; check HALO_CLIENT_ID, HALO_CLIENT_SECRET "
                "and HALO_TENANT — not retried"
            ) from exc
        try:
            data = response.json()
            token = str(data["access_token"])
            lifetime = float(data.get("expires_in") or 3600)
        except (ValueError, KeyError, TypeError) as exc:
            raise PsaAuthError("halo: the token answer carried no access_token") from exc
        self._token = token
        self._token_until = self._monotonic() + max(0.0, lifetime - 60)
        return token

    def _bearer(self, *, fresh: bool = False) -> str:
        if fresh or self._token is None or self._monotonic() >= self._token_until:
            return self._fetch_token()
        return self._token

    def _get(self, path: str, params: Mapping[str, Any] | None, what: str) -> httpx.Response:
        url = f"{self._url}/api/{path}"
        headers = {"Authorization": f"Bearer {self._bearer()}", "Accept": "application/json"}
        try:
            return self.http.request("GET", url, headers=headers, params=params, what=what)
        except PsaAuthError:
            # the token may have expired early: renew it once, then a refusal is final
            headers["Authorization"] = f"Bearer {self._bearer(fresh=True)}"
            return self.http.request("GET", url, headers=headers, params=params, what=what)

    def _list(self, path: str, what: str, key: str | None = None) -> list[Any]:
        response = self._get(path, None, what)
        try:
            data = response.json()
        except ValueError as exc:
            raise PsaError(f"halo: {what} answered something that is not JSON") from exc
        if isinstance(data, Mapping) and key is not None:
            data = data.get(key)
        if not isinstance(data, list):
            raise PsaError(f"halo: {what} answered without a list")
        return data

    def _lookups(self) -> tuple[dict[int, str], dict[int, str], dict[int, Mapping[str, Any]]]:
        statuses = {
            int(s["id"]): str(s.get("name") or s["id"])
            for s in self._list("Status", "statuses")
            if isinstance(s, Mapping) and isinstance(s.get("id"), int)
        }
        priorities: dict[int, str] = {}
        for p in self._list("Priority", "priorities"):
            if isinstance(p, Mapping):
                pid = p.get("priorityid", p.get("id"))
                if isinstance(pid, int):
                    priorities[pid] = str(p.get("name") or pid)
        agents = {
            int(a["id"]): a
            for a in self._list("Agent", "agents")
            if isinstance(a, Mapping) and isinstance(a.get("id"), int)
        }
        return statuses, priorities, agents

    # --- sync ----------------------------------------------------------------------------
    def _passes(self, since: datetime | None, now: datetime) -> list[dict[str, Any]]:
        if since is not None:
            mark = utc_iso(since - self._overlap, suffix="")
            return [{"lastupdatefromdate": mark}]
        window = utc_iso(now - FIRST_SYNC_CLOSED_WINDOW, suffix="")
        return [{"open_only": "true"}, {"closed_only": "true", "lastupdatefromdate": window}]

    def pages(self, since: datetime | None, *, now: datetime | None = None) -> Iterator[Page]:
        require_aware(since, "since")
        now = now or datetime.now(UTC)
        start = self.http.requests
        statuses, priorities, agents = self._lookups()
        high_water: datetime | None = None
        newest: datetime | None = None
        moved = False
        passes = self._passes(since, now)
        window_start = now - FIRST_SYNC_CLOSED_WINDOW
        for index, extra in enumerate(passes):
            page_no = 1
            total: int | None = None
            while True:
                params = {
                    "pageinate": "true",
                    "page_size": self._page_size,
                    "page_no": page_no,
                    "order": "id",
                    "orderdesc": "false",
                    **extra,
                }
                response = self._get("Tickets", params, "tickets")
                if high_water is None:
                    high_water = server_date(response)
                try:
                    data = response.json()
                    records = data["tickets"]
                    count = int(data.get("record_count", 0))
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise PsaError("halo: tickets answered without tickets/record_count") from exc
                if not isinstance(records, list):
                    raise PsaError("halo: tickets is not a list")
                if total is None:
                    total = count
                elif count != total:
                    moved = True  # the set changed while paging: boundaries may have shifted
                    total = count
                builder = PageBuilder("halo")
                for record in records:
                    ticket = builder.read(
                        record, lambda r: self.normalize(r, statuses, priorities, agents)
                    )
                    if ticket is None or ticket.board.casefold() not in self._team_keys:
                        continue
                    if (
                        since is None
                        and ticket.is_closed
                        and (ticket.closed_at is None or ticket.closed_at < window_start)
                    ):
                        continue
                    builder.keep(ticket)
                newest = later(newest, builder.newest)
                done = not records or page_no * self._page_size >= count
                last = done and index == len(passes) - 1
                advance = last and not moved
                cursor = run_cursor(since, high_water, newest) if advance else since
                yield builder.page(cursor=cursor, requests=self.http.requests - start, last=last)
                start = self.http.requests
                if done:
                    break
                page_no += 1

    def normalize(
        self,
        record: Mapping[str, Any],
        statuses: Mapping[int, str],
        priorities: Mapping[int, str],
        agents: Mapping[int, Mapping[str, Any]],
    ) -> PsaTicket:
        ticket_id = record["id"]
        if not isinstance(ticket_id, int):
            raise ValueError(f"id {ticket_id!r} is not a number")
        team = str_or_none(record.get("team"))
        if team is None:
            raise ValueError("no team")
        status_id = record.get("status_id")
        status = statuses.get(status_id) if isinstance(status_id, int) else None
        if status is None:
            raise ValueError(f"status {status_id!r} unknown")
        opened = parse_utc(record.get("dateoccurred"))
        if opened is None:
            raise ValueError("no dateoccurred")
        closed_at = parse_utc(record.get("dateclosed"))
        updated = (
            parse_utc(record.get("last_update"))
            or parse_utc(record.get("lastactiondate"))
            or closed_at
            or opened
        )
        closed = status_id == STATUS_CLOSED or closed_at is not None
        priority_id = record.get("priority_id")
        agent_id = record.get("agent_id")
        agent = (
            agents.get(agent_id)
            if isinstance(agent_id, int) and agent_id != UNASSIGNED_AGENT
            else None
        )
        owner_name = str_or_none(agent.get("name")) if agent else None
        return PsaTicket(
            source="halo",
            external_id=str(ticket_id),
            number=str(ticket_id),
            board=team,
            priority=priorities.get(priority_id) if isinstance(priority_id, int) else None,
            priority_id=str(priority_id) if isinstance(priority_id, int) else None,
            client=str_or_none(record.get("client_name")),
            summary=str(record.get("summary") or ""),
            category=str_or_none(record.get("category_1")),
            status=status,
            is_closed=closed,
            waiting_on_client=not closed
            and (bool(record.get("onhold")) or is_waiting_status(status, self._waiting)),
            owner=owner_name,
            owner_name=owner_name,
            owner_email=str_or_none(agent.get("email")) if agent else None,
            opened_at=opened,
            responded_at=parse_utc(record.get("responsedate")),
            resolved_at=closed_at,
            closed_at=closed_at,
            updated_at=updated,
            respond_due=parse_utc(record.get("respondbydate")),
            resolve_due=parse_utc(record.get("fixbydate")),
            reopen_count=None,
            has_resolution_note=bool(str_or_none(record.get("clearance_note"))),
            url=f"{self._url}/tickets?id={ticket_id}",
        )

    # --- check ---------------------------------------------------------------------------
    def check(self, *, now: datetime | None = None) -> PsaCheck:
        now = now or datetime.now(UTC)
        teams = tuple(
            sorted(
                {
                    str(t["name"])
                    for t in self._list("Team", "teams")
                    if isinstance(t, Mapping) and t.get("name")
                }
            )
        )
        _statuses, priorities, _agents = self._lookups()
        sample = next(iter(self.pages(None, now=now)), None)
        return PsaCheck(
            source="halo",
            boards=teams,
            priorities=tuple(priorities.values()),
            priority_ids=tuple(str(p) for p in priorities),
            sample=sample,
        )
