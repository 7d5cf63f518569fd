"""Autotask PSA REST 1.0.

- Zone discovery first: ``GET {base}/atservicesrest/v1.0/zoneInformation?user=<username>``
  with no credential; the credentials (headers ``UserName``, ``Secret``,
  ``ApiIntegrationcode``) go only to the zone host it names.
- Budget: 10,000 requests an hour per database, shared with every other integration. Pages are
  the largest Autotask allows (500), picklists come from one
  ``Tickets/entityInformation/fields`` call per run, and company and resource names are read in
  batches of up to 500 ids, only for ids not yet seen this run.
- Tickets: ``POST Tickets/query`` with a filter body (mapped queues; ``lastActivityDate >=
  since`` or, first sync, ``status != Complete or completedDate >= now - 8 weeks``); the
  ``pageDetails.nextPageUrl`` is POSTed again with the same body (a GET answers 405).
- Bad credentials can answer 500, not 401: the first signed-in call of a run treats a 500 as
  refused credentials and does not retry it.
- Status, queue, priority, issue type and sub-issue type are per-tenant picklist numbers, read
  as their labels (priority 4 is Critical by default). Waiting on the client: status 7
  (Autotask's "Waiting Customer") or a status label in ``waiting_statuses``.
- Dates carry fractions of varying length (``…45.2Z``); all are UTC.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Unpack
from urllib.parse import urlsplit

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
    Source,
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

MAX_PAGE_SIZE = 500
STATUS_COMPLETE = 5
STATUS_WAITING_CUSTOMER = 7
TICKET_FIELDS = (
    "id",
    "ticketNumber",
    "title",
    "queueID",
    "priority",
    "status",
    "issueType",
    "subIssueType",
    "companyID",
    "assignedResourceID",
    "createDate",
    "firstResponseDateTime",
    "resolvedDateTime",
    "completedDate",
    "lastActivityDate",
    "firstResponseDueDateTime",
    "resolvedDueDateTime",
    "dueDateTime",
    "resolution",
)


@dataclass(frozen=True, slots=True)
class Zone:
    api: str  # e.g. https://webservices5.autotask.net/atservicesrest/v1.0
    web: str  # e.g. https://ww5.autotask.net/


@dataclass(slots=True)
class Picklists:
    status: dict[str, str]
    queue: dict[str, str]
    priority: dict[str, str]
    issue: dict[str, str]
    sub_issue: dict[str, str]


def _key(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    return str(int(value)) if isinstance(value, int | float) else str(value)


class AutotaskConnector(HttpConnector):
    """Autotask tickets on the mapped queues."""

    def __init__(
        self,
        *,
        client: httpx.Client,
        url: str,
        username: str,
        secret: str,
        integration_code: str,
        queues: Collection[str],
        **options: Unpack[ConnectorOptions],
    ) -> None:
        self._queues = require_settings(
            "autotask",
            {
                "AUTOTASK_USERNAME": username,
                "AUTOTASK_SECRET": secret,
                "AUTOTASK_INTEGRATION_CODE": integration_code,
            },
            queues,
            "queues",
        )
        super().__init__(
            source="autotask",
            client=client,
            url=url,
            max_page_size=MAX_PAGE_SIZE,
            secrets=lambda: (self._secret, self._integration_code),
            **options,
        )
        self._username = username
        self._secret = secret
        self._integration_code = integration_code
        self._zone: Zone | None = None

    @property
    def source(self) -> Source:
        return "autotask"

    # --- zone and sign-in ----------------------------------------------------------------
    def zone(self) -> Zone:
        """The zone host for this user (asked once per connector; no credential sent)."""
        if self._zone is None:
            response = self.http.request(
                "GET",
                f"{self._url}/atservicesrest/v1.0/zoneInformation",
                params={"user": self._username},
                headers={"Accept": "application/json"},
                what="zone information",
            )
            try:
                info = response.json()
                api = str(info["url"]).rstrip("/")
                web = str(info.get("webUrl") or "").rstrip("/") + "/"
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise PsaConfigError(
                    "autotask: zone information gave no url (is AUTOTASK_USERNAME the API user?)"
                ) from exc
            if urlsplit(api).scheme not in ("https", "http"):
                raise PsaConfigError("autotask: zone information gave an unusable url")
            self._zone = Zone(api=f"{api}/v1.0", web=web)
        return self._zone

    def _headers(self) -> dict[str, str]:
        return {
            "UserName": self._username,
            "Secret": self._secret,
            "ApiIntegrationcode": self._integration_code,
            "Accept": "application/json",
        }

    def _zone_url(self, url: str) -> str:
        """Credentials go to the zone host only: refuse any other host."""
        zone = urlsplit(self.zone().api)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (zone.scheme, zone.netloc):
            raise PsaError("autotask: a page link points away from the zone host; not following it")
        return url

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError as exc:
            raise PsaError(f"autotask: {what} answered something that is not JSON") from exc
        if not isinstance(data, dict):
            raise PsaError(f"autotask: {what} answered {type(data).__name__}, not an object")
        return data

    def picklists(self) -> Picklists:
        """Status, queue, priority, issue type and sub-issue type labels (one request)."""
        response = self.http.request(
            "GET",
            self._zone_url(f"{self.zone().api}/Tickets/entityInformation/fields"),
            headers=self._headers(),
            server_error_is_auth=True,  # Autotask answers bad credentials with 500
            what="ticket fields",
        )
        fields = self._json(response, "ticket fields").get("fields") or []
        lists: dict[str, dict[str, str]] = {}
        for entry in fields:
            if not isinstance(entry, Mapping) or not entry.get("isPickList"):
                continue
            values: dict[str, str] = {}
            for item in entry.get("picklistValues") or []:
                if isinstance(item, Mapping) and (k := _key(item.get("value"))) is not None:
                    values[k] = str(item.get("label") or k)
            lists[str(entry.get("name", "")).lower()] = values
        return Picklists(
            status=lists.get("status", {}),
            queue=lists.get("queueid", {}),
            priority=lists.get("priority", {}),
            issue=lists.get("issuetype", {}),
            sub_issue=lists.get("subissuetype", {}),
        )

    # --- queries -------------------------------------------------------------------------
    def _query(
        self, entity: str, body: dict[str, Any], what: str
    ) -> Iterator[tuple[list[Any], httpx.Response, bool]]:
        """Pages of a query: items, the response, whether another page follows."""
        url: str | None = self._zone_url(f"{self.zone().api}/{entity}/query")
        while url is not None:
            response = self.http.request("POST", url, headers=self._headers(), json=body, what=what)
            data = self._json(response, what)
            items = data.get("items")
            if not isinstance(items, list):
                raise PsaError(f"autotask: {what} answered without items")
            details = data.get("pageDetails") or {}
            nxt = details.get("nextPageUrl") if isinstance(details, Mapping) else None
            url = self._zone_url(str(nxt)) if nxt else None
            yield items, response, url is not None

    def _names(
        self, entity: str, ids: set[int], fields: list[str], cache: dict[int, Mapping[str, Any]]
    ) -> None:
        missing = sorted(i for i in ids if i not in cache)
        for start in range(0, len(missing), MAX_PAGE_SIZE):
            chunk = missing[start : start + MAX_PAGE_SIZE]
            body = {
                "MaxRecords": MAX_PAGE_SIZE,
                "IncludeFields": fields,
                "filter": [{"op": "in", "field": "id", "value": chunk}],
            }
            for items, _, _more in self._query(entity, body, entity.lower()):
                for item in items:
                    if isinstance(item, Mapping) and isinstance(item.get("id"), int):
                        cache[item["id"]] = item
            for i in chunk:
                cache.setdefault(i, {})

    def ticket_filter(
        self, since: datetime | None, now: datetime, queue_ids: list[int]
    ) -> list[dict[str, Any]]:
        scope: dict[str, Any] = {"op": "in", "field": "queueID", "value": queue_ids}
        if since is None:
            window = utc_iso(now - FIRST_SYNC_CLOSED_WINDOW, fraction=True)
            return [
                scope,
                {
                    "op": "or",
                    "items": [
                        {"op": "noteq", "field": "status", "value": STATUS_COMPLETE},
                        {"op": "gte", "field": "completedDate", "value": window},
                    ],
                },
            ]
        mark = utc_iso(since - self._overlap, fraction=True)
        return [scope, {"op": "gte", "field": "lastActivityDate", "value": mark}]

    def _queue_ids(self, lists: Picklists) -> list[int]:
        wanted = names_casefold(self._queues)
        ids = [int(v) for v, label in lists.queue.items() if label.casefold() in wanted]
        if not ids:
            raise PsaConfigError(
                "autotask: none of the mapped queues exists: " + ", ".join(self._queues)
            )
        return sorted(ids)

    # --- sync ----------------------------------------------------------------------------
    def pages(self, since: datetime | None, *, now: datetime | None = None) -> Iterator[Page]:
        require_aware(since, "since")
        now = now or datetime.now(UTC)
        start = self.http.requests
        lists = self.picklists()
        body = {
            "MaxRecords": self._page_size,
            "IncludeFields": list(TICKET_FIELDS),
            "filter": self.ticket_filter(since, now, self._queue_ids(lists)),
        }
        companies: dict[int, Mapping[str, Any]] = {}
        resources: dict[int, Mapping[str, Any]] = {}
        high_water: datetime | None = None
        newest: datetime | None = None
        for items, response, more in self._query("Tickets", body, "tickets"):
            if high_water is None:
                high_water = server_date(response)
            self._names(
                "Companies",
                {
                    i["companyID"]
                    for i in items
                    if isinstance(i, Mapping) and isinstance(i.get("companyID"), int)
                },
                ["id", "companyName"],
                companies,
            )
            self._names(
                "Resources",
                {
                    i["assignedResourceID"]
                    for i in items
                    if isinstance(i, Mapping) and isinstance(i.get("assignedResourceID"), int)
                },
                ["id", "firstName", "lastName", "email", "userName"],
                resources,
            )
            builder = PageBuilder("autotask")
            for record in items:
                ticket = builder.read(
                    record, lambda r: self.normalize(r, lists, companies, resources)
                )
                if ticket is not None:
                    builder.keep(ticket)
            newest = later(newest, builder.newest)
            last = not more
            cursor = run_cursor(since, high_water, newest) if last else since
            yield builder.page(cursor=cursor, requests=self.http.requests - start, last=last)
            start = self.http.requests

    def normalize(
        self,
        record: Mapping[str, Any],
        lists: Picklists,
        companies: Mapping[int, Mapping[str, Any]],
        resources: Mapping[int, Mapping[str, Any]],
    ) -> PsaTicket:
        ticket_id = record["id"]
        if not isinstance(ticket_id, int):
            raise ValueError(f"id {ticket_id!r} is not a number")
        queue = lists.queue.get(_key(record.get("queueID")) or "")
        if queue is None:
            raise ValueError(f"queue {record.get('queueID')!r} is not in the picklist")
        status_key = _key(record.get("status"))
        status = lists.status.get(status_key or "", status_key or "")
        if not status:
            raise ValueError("no status")
        opened = parse_utc(record.get("createDate"))
        if opened is None:
            raise ValueError("no createDate")
        completed = parse_utc(record.get("completedDate"))
        updated = parse_utc(record.get("lastActivityDate")) or completed or opened
        closed = status_key == str(STATUS_COMPLETE) or completed is not None
        priority_key = _key(record.get("priority"))
        issue = lists.issue.get(_key(record.get("issueType")) or "")
        sub = lists.sub_issue.get(_key(record.get("subIssueType")) or "")
        company = companies.get(record.get("companyID"))  # type: ignore[arg-type]
        owner_id = record.get("assignedResourceID")
        resource = resources.get(owner_id) if isinstance(owner_id, int) else None
        owner_name = None
        if resource:
            owner_name = (
                " ".join(
                    x
                    for x in (
                        str_or_none(resource.get("firstName")),
                        str_or_none(resource.get("lastName")),
                    )
                    if x
                )
                or None
            )
        zone = self.zone()
        return PsaTicket(
            source="autotask",
            external_id=str(ticket_id),
            number=str(record.get("ticketNumber") or ticket_id),
            board=queue,
            priority=lists.priority.get(priority_key or "") if priority_key else None,
            priority_id=priority_key,
            client=str_or_none(company.get("companyName")) if company else None,
            summary=str(record.get("title") or ""),
            category=" / ".join(x for x in (issue, sub) if x) or None,
            status=status,
            is_closed=closed,
            waiting_on_client=not closed
            and (
                status_key == str(STATUS_WAITING_CUSTOMER)
                or is_waiting_status(status, self._waiting)
            ),
            owner=str(owner_id) if isinstance(owner_id, int) else None,
            owner_name=owner_name,
            owner_email=str_or_none(resource.get("email")) if resource else None,
            opened_at=opened,
            responded_at=parse_utc(record.get("firstResponseDateTime")),
            resolved_at=parse_utc(record.get("resolvedDateTime")),
            closed_at=completed,
            updated_at=updated,
            respond_due=parse_utc(record.get("firstResponseDueDateTime")),
            resolve_due=parse_utc(record.get("resolvedDueDateTime"))
            or parse_utc(record.get("dueDateTime")),
            reopen_count=None,
            has_resolution_note=bool(str_or_none(record.get("resolution"))),
            url=f"{zone.web}Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenTicketDetail&TicketID={ticket_id}",
        )

    # --- check ---------------------------------------------------------------------------
    def check(self, *, now: datetime | None = None) -> PsaCheck:
        now = now or datetime.now(UTC)
        lists = self.picklists()
        sample = next(iter(self.pages(None, now=now)), None)
        return PsaCheck(
            source="autotask",
            boards=tuple(sorted(lists.queue.values())),
            priorities=tuple(lists.priority.values()),
            priority_ids=tuple(lists.priority),
            sample=sample,
        )
