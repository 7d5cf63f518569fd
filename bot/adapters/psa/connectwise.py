"""ConnectWise PSA (Manage) REST 3.0.

- Sign-in: Basic ``companyId+publicKey:privateKey`` and the developer ``clientId`` header on
  every request (the company-info call that finds the codebase gets ``clientId`` only).
- Tickets: ``GET service/tickets`` with ``conditions`` on the mapped boards and on
  ``lastUpdated >= [since]`` (second precision: ``>=`` and de-duplicate by upsert), at most
  1,000 a page, forward-only paging (keyset on id: a ticket updated or added while paging never
  shifts a page boundary), following the ``Link`` header's ``rel="next"`` — a short page is
  not the end.
- First sync: ``closedFlag = false or closedDate >= [now - 8 weeks]`` on the mapped boards.
- Empty fields are left out of ConnectWise's JSON: every field but id, board, status, summary,
  ``_info.dateEntered`` and ``_info.lastUpdated`` is optional here.
- Waiting on the client (SLA paused): the ticket's ``slaStatus`` is ``Waiting`` (ConnectWise's
  own SLA pause), or its status name is one of ``waiting_statuses``.
- Due times: ``requiredDate`` is the resolve due time; ConnectWise gives no respond-by date on
  the ticket (a team's ``ticket_sla`` fills it). No reopen counter (``reopen_count`` is None).
- Resolution note: looked up per closed ticket (``service/tickets/{id}/notes`` with
  ``resolutionFlag = true``) when ``resolution_notes`` is on — one request per ticket closed in
  the sync window; off, ``has_resolution_note`` is False.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Unpack
from urllib.parse import quote, urlsplit

import httpx

from ._http import ConnectorOptions, HttpConnector, server_date
from .base import (
    FIRST_SYNC_CLOSED_WINDOW,
    Page,
    PageBuilder,
    PsaCheck,
    PsaConfigError,
    PsaError,
    PsaTicket,
    basic_auth_value,
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

MAX_PAGE_SIZE = 1000


def _cw_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cw_date(value: datetime) -> str:
    return "[" + utc_iso(value) + "]"


def _name(ref: object) -> str | None:
    return str_or_none(ref.get("name")) if isinstance(ref, Mapping) else None


class ConnectWiseConnector(HttpConnector):
    """ConnectWise PSA tickets on the mapped boards."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        url: str,
        company_id: str,
        public_key: str,
        private_key: str,
        client_id: str,
        boards: Collection[str],
        resolution_notes: bool = True,
        api_url: str | None = None,
        **options: Unpack[ConnectorOptions],
    ) -> None:
        self._boards = require_settings(
            "connectwise",
            {
                "CONNECTWISE_COMPANY_ID": company_id,
                "CONNECTWISE_PUBLIC_KEY": public_key,
                "CONNECTWISE_PRIVATE_KEY": private_key,
                "CONNECTWISE_CLIENT_ID": client_id,
            },
            boards,
            "boards",
        )
        super().__init__(
            source="connectwise",
            client=client,
            url=url,
            max_page_size=MAX_PAGE_SIZE,
            secrets=lambda: (self._public_key, self._private_key, self._auth),
            **options,
        )
        self._company_id = company_id
        self._public_key = public_key
        self._private_key = private_key
        self._client_id = client_id
        self._board_keys = names_casefold(self._boards)
        self._resolution_notes = resolution_notes
        self._api = api_url.rstrip("/") if api_url else None
        self._codebase: str | None = None
        self._auth = basic_auth_value(f"{company_id}+{public_key}", private_key)

    # --- HTTP ----------------------------------------------------------------------------
    def _headers(self, *, signed: bool = True, forward_only: bool = False) -> dict[str, str]:
        headers = {"clientId": self._client_id, "Accept": "application/json"}
        if signed:
            headers["Authorization"] = self._auth
        if forward_only:
            headers["pagination-type"] = "forward-only"
        return headers

    def api_base(self) -> str:
        """``{site}/{codebase}apis/3.0``, the codebase read from company info (once)."""
        if self._api is None:
            response = self.http.request(
                "GET",
                f"{self._url}/login/companyinfo/{quote(self._company_id, safe='')}",
                headers=self._headers(signed=False),
                what="company info",
            )
            try:
                info = response.json()
                codebase = str(info["Codebase"]).strip("/")
            except (ValueError, KeyError, TypeError) as exc:
                raise PsaConfigError(
                    f"connectwise: no codebase in the company info of {self._url} "
                    "(is psa.url the ConnectWise site and CONNECTWISE_COMPANY_ID right?)"
                ) from exc
            self._codebase = codebase + "/"
            self._api = f"{self._url}/{codebase}/apis/3.0"
        return self._api

    def _get(self, url: str, *, params: Mapping[str, Any] | None, what: str) -> httpx.Response:
        return self.http.request(
            "GET",
            url,
            headers=self._headers(forward_only=True),
            params=params,
            what=what,
        )

    def _next_link(self, response: httpx.Response) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        api = urlsplit(self.api_base())
        target = urlsplit(str(response.request.url.join(link)))
        if (target.scheme, target.netloc) != (api.scheme, api.netloc):
            raise PsaError(
                "connectwise: the next-page link points at another host; not following it "
                "with credentials"
            )
        return target.geturl()

    def _list(self, response: httpx.Response, what: str) -> list[Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise PsaError(f"connectwise: {what} answered something that is not JSON") from exc
        if not isinstance(data, list):
            raise PsaError(f"connectwise: {what} answered {type(data).__name__}, not a list")
        return data

    # --- conditions ----------------------------------------------------------------------
    def conditions(self, since: datetime | None, now: datetime) -> str:
        boards = ", ".join(_cw_string(b) for b in self._boards)
        scope = f"board/name in ({boards})"
        if since is None:
            window = _cw_date(now - FIRST_SYNC_CLOSED_WINDOW)
            return f"{scope} and (closedFlag = false or closedDate >= {window})"
        return f"{scope} and lastUpdated >= {_cw_date(since - self._overlap)}"

    # --- sync ----------------------------------------------------------------------------
    def pages(self, since: datetime | None, *, now: datetime | None = None) -> Iterator[Page]:
        require_aware(since, "since")
        now = now or datetime.now(UTC)
        start = self.http.requests
        url: str | None = f"{self.api_base()}/service/tickets"
        params: dict[str, Any] | None = {
            "conditions": self.conditions(since, now),
            "pageSize": self._page_size,
        }
        high_water: datetime | None = None
        newest: datetime | None = None
        while url is not None:
            response = self._get(url, params=params, what="tickets")
            params = None  # the Link URL carries them
            if high_water is None:
                high_water = server_date(response)
            builder = PageBuilder("connectwise")
            for record in self._list(response, "tickets"):
                self._add(builder, record, now)
            newest = later(newest, builder.newest)
            url = self._next_link(response)
            last = url is None
            cursor = run_cursor(since, high_water, newest) if last else since
            yield builder.page(cursor=cursor, requests=self.http.requests - start, last=last)
            start = self.http.requests

    def _add(self, builder: PageBuilder, record: Any, now: datetime) -> None:
        ticket = builder.read(record, self.normalize)
        if ticket is None or ticket.board.casefold() not in self._board_keys:
            return
        if (
            self._resolution_notes
            and ticket.closed_at is not None
            and ticket.closed_at >= now - FIRST_SYNC_CLOSED_WINDOW
        ):
            ticket = _with_note(ticket, self._has_resolution_note(ticket.external_id))
        builder.keep(ticket)

    def _has_resolution_note(self, ticket_id: str) -> bool:
        response = self._get(
            f"{self.api_base()}/service/tickets/{quote(ticket_id, safe='')}/notes",
            params={"conditions": "resolutionFlag = true", "pageSize": 1, "fields": "id"},
            what="ticket notes",
        )
        return bool(self._list(response, "ticket notes"))

    def normalize(self, record: Mapping[str, Any]) -> PsaTicket:
        """One ConnectWise ticket as a :class:`PsaTicket`; raises on a record it cannot read."""
        ticket_id = record["id"]
        if not isinstance(ticket_id, int):
            raise ValueError(f"id {ticket_id!r} is not a number")
        info = record.get("_info") or {}
        board = _name(record.get("board"))
        status = _name(record.get("status"))
        if board is None or status is None:
            raise ValueError("no board or status")
        opened = parse_utc(info.get("dateEntered") or record.get("dateEntered"))
        updated = parse_utc(info.get("lastUpdated") or record.get("lastUpdated"))
        if opened is None or updated is None:
            raise ValueError("no dateEntered or lastUpdated")
        owner = record.get("owner") if isinstance(record.get("owner"), Mapping) else None
        type_name, sub_name = _name(record.get("type")), _name(record.get("subType"))
        category = " / ".join(x for x in (type_name, sub_name) if x) or None
        closed = bool(record.get("closedFlag"))
        sla_status = str(record.get("slaStatus") or "")
        priority = record.get("priority") if isinstance(record.get("priority"), Mapping) else {}
        base = self._url
        codebase = self._codebase or "v4_6_release/"
        return PsaTicket(
            source="connectwise",
            external_id=str(ticket_id),
            number=str(ticket_id),
            board=board,
            priority=_name(priority),
            priority_id=str_or_none(priority.get("id")) if priority else None,
            client=_name(record.get("company")),
            summary=str(record.get("summary") or ""),
            category=category,
            status=status,
            is_closed=closed,
            waiting_on_client=not closed
            and (
                sla_status.casefold().startswith("waiting")
                or is_waiting_status(status, self._waiting)
            ),
            owner=str_or_none(owner.get("identifier")) if owner else None,
            owner_name=str_or_none(owner.get("name")) if owner else None,
            owner_email=None,
            opened_at=opened,
            responded_at=parse_utc(record.get("dateResponded")),
            resolved_at=parse_utc(record.get("dateResolved")),
            closed_at=parse_utc(record.get("closedDate")),
            updated_at=updated,
            respond_due=None,
            resolve_due=parse_utc(record.get("requiredDate")),
            reopen_count=None,
            has_resolution_note=False,
            url=(
                f"{base}/{codebase}services/system_io/Service/fv_sr100_request.rsp"
                f"?service_recid={ticket_id}&companyName={quote(self._company_id, safe='')}"
            ),
        )

    # --- check ---------------------------------------------------------------------------
    def _all(self, path: str, what: str) -> list[Any]:
        out: list[Any] = []
        url: str | None = f"{self.api_base()}/{path}"
        params: dict[str, Any] | None = {"pageSize": MAX_PAGE_SIZE}
        while url is not None:
            response = self._get(url, params=params, what=what)
            params = None
            out.extend(self._list(response, what))
            url = self._next_link(response)
        return out

    def check(self, *, now: datetime | None = None) -> PsaCheck:
        """Sign in, list boards and priorities, read the first page a first sync would read."""
        now = now or datetime.now(UTC)
        boards = tuple(
            sorted({n for b in self._all("service/boards", "boards") if (n := _name(b))})
        )
        priorities = tuple(
            n for p in self._all("service/priorities", "priorities") if (n := _name(p))
        )
        count = self._get(
            f"{self.api_base()}/service/tickets/count",
            params={"conditions": self.conditions(None, now)},
            what="ticket count",
        )
        try:
            total = int(count.json()["count"])
        except (ValueError, KeyError, TypeError):
            total = None
        sample = next(iter(self.pages(None, now=now)), None)
        return PsaCheck(
            source="connectwise", boards=boards, priorities=priorities, sample=sample, total=total
        )


def _with_note(ticket: PsaTicket, has_note: bool) -> PsaTicket:
    from dataclasses import replace

    return replace(ticket, has_resolution_note=has_note)
