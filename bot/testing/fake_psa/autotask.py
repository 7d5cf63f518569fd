"""A fake Autotask PSA (REST 1.0): a zone-discovery host and a zone host, each a real server.

As Autotask documents and does: ``zoneInformation?user=`` on the discovery host (the API lives
only on the zone host); headers ``UserName``, ``Secret``, ``ApiIntegrationcode`` checked, bad
ones answered **500**; ``POST {Entity}/query`` with a filter body, ``MaxRecords`` at most 500;
``pageDetails.nextPageUrl`` must be POSTed again with the same body (a GET answers 405);
picklists from ``Tickets/entityInformation/fields``; dates with fractions of varying length;
null fields present as ``null``.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

from ...adapters.psa.base import parse_utc
from ._base import FakePsa, Query
from ._data import (
    COMPANIES,
    OWNERS,
    PRIORITIES,
    TYPES,
    SynthTicket,
    TicketSource,
)
from ._server import Answer, RecordedRequest

STATUS = {"new": 1, "closed": 5, "waiting": 7, "in_progress": 8, "scheduled": 10}
STATUS_LABELS = {1: "New", 5: "Complete", 7: "Waiting Customer", 8: "In Progress", 10: "Scheduled"}
#: Autotask's priority 4 is Critical: the MSP's top priority sits on 4
PRIORITY_VALUE = {0: 4, 1: 1, 2: 2, 3: 3}
QUEUE_BASE = 29682800
ISSUE_TYPES = tuple(dict.fromkeys(t for t, _ in TYPES))
_FRACTIONS = ("", ".2", ".47", ".123", ".1234567")
PREFIX = "/atservicesrest/v1.0/"


def _at(value: datetime | None, i: int) -> str | None:
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S") + _FRACTIONS[i % len(_FRACTIONS)] + "Z"


def _get(record: Mapping[str, Any], field: str) -> Any:
    lowered = field.lower()
    return next((v for k, v in record.items() if k.lower() == lowered), None)


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        try:
            parsed = parse_utc(value)
        except ValueError:
            return value.casefold()
        return parsed if parsed is not None else value.casefold()
    return value


class FilterError(ValueError):
    pass


def matches(record: Mapping[str, Any], items: list[Any]) -> bool:
    """Every item of a top-level filter list holds (Autotask ANDs them)."""
    return all(_match(record, item) for item in items)


def _match(record: Mapping[str, Any], item: Any) -> bool:
    if not isinstance(item, Mapping) or "op" not in item:
        raise FilterError("each filter needs an op")
    op = str(item["op"]).lower()
    if op in ("and", "or"):
        subs = item.get("items")
        if not isinstance(subs, list) or not subs:
            raise FilterError(f"{op} needs items")
        results = (_match(record, s) for s in subs)
        return all(results) if op == "and" else any(results)
    field = item.get("field")
    if not isinstance(field, str):
        raise FilterError("filter needs a field")
    have = _get(record, field)
    if op == "exist":
        return have is not None
    if op == "notexist":
        return have is None
    want = item.get("value")
    if op in ("in", "notin"):
        if not isinstance(want, list):
            raise FilterError("in needs a list")
        found = _comparable(have) in {_comparable(w) for w in want}
        return found if op == "in" else not found
    a, b = _comparable(have), _comparable(want)
    if op == "eq":
        return bool(a == b)
    if op == "noteq":
        return bool(a != b)
    if op in ("beginswith", "endswith", "contains"):
        if not isinstance(a, str) or not isinstance(b, str):
            return False
        return {"beginswith": a.startswith, "endswith": a.endswith, "contains": a.__contains__}[op](
            b
        )
    if a is None or b is None:
        return False
    try:
        return bool({"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op])
    except KeyError:
        raise FilterError(f"unknown op {op}") from None
    except TypeError as exc:
        raise FilterError(f"cannot compare {field}") from exc


class FakeAutotask(FakePsa):
    _server_labels = ("discovery", "zone")

    def __init__(
        self,
        *,
        username: str = "lanekeeper-api@example-msp.test",
        secret: str = "AtS3cr3t!x9",
        integration_code: str = "ATINTEGRATIONCODE123456",
        tickets: TicketSource | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(tickets=tickets, now=now)
        self.username = username
        self.secret = secret
        self.integration_code = integration_code
        self.queues = self.board_names()

    @property
    def url(self) -> str:
        """The zone-discovery base (what ``psa.url`` names)."""
        return self.url_of("discovery")

    @property
    def zone_url(self) -> str:
        return self.url_of("zone")

    def queue_id(self, name: str) -> int:
        return QUEUE_BASE + self.queues.index(name)

    # --- rendering -----------------------------------------------------------------------
    def render(self, t: SynthTicket) -> dict[str, Any]:
        type_name, _sub = TYPES[t.type]
        return {
            "id": t.id,
            "ticketNumber": f"T{t.opened:%Y%m%d}.{t.id % 10000:04d}",
            "title": t.summary,
            "queueID": self.queue_id(t.board) if t.board in self.queues else None,
            "priority": PRIORITY_VALUE[t.priority],
            "status": STATUS[t.status],
            "issueType": ISSUE_TYPES.index(type_name) + 1,
            "subIssueType": 100 + t.type,
            "companyID": 1000 + t.company,
            "assignedResourceID": 29682885 + t.owner if t.owner is not None else None,
            "createDate": _at(t.opened, t.id) if t.malformed != "bad-date" else "31/02/2026 25:61",
            "firstResponseDateTime": _at(t.responded, t.id + 1),
            "resolvedDateTime": _at(t.resolved, t.id + 2),
            "completedDate": _at(t.closed, t.id + 3),
            "lastActivityDate": _at(t.updated, t.id + 4),
            "firstResponseDueDateTime": _at(t.respond_due, t.id),
            "resolvedDueDateTime": _at(t.resolve_due, t.id + 1),
            "dueDateTime": _at(t.resolve_due, t.id + 1),
            "resolution": "Rebooted the firewall and confirmed tunnels"
            if t.resolution_note
            else None,
        }

    def fields(self) -> dict[str, Any]:
        def picklist(name: str, values: list[tuple[int, str, int | None]]) -> dict[str, Any]:
            return {
                "name": name,
                "dataType": "integer",
                "isPickList": True,
                "picklistValues": [
                    {
                        "value": str(v),
                        "label": label,
                        "isActive": True,
                        "isSystem": True,
                        "parentValue": "" if parent is None else str(parent),
                    }
                    for v, label, parent in values
                ],
            }

        return {
            "fields": [
                {"name": "id", "dataType": "long", "isPickList": False},
                picklist("status", [(v, label, None) for v, label in STATUS_LABELS.items()]),
                picklist(
                    "priority", [(PRIORITY_VALUE[i], p, None) for i, p in enumerate(PRIORITIES)]
                ),
                picklist("queueID", [(self.queue_id(q), q, None) for q in self.queues]),
                picklist("issueType", [(i + 1, n, None) for i, n in enumerate(ISSUE_TYPES)]),
                picklist(
                    "subIssueType",
                    [(100 + i, sub, ISSUE_TYPES.index(t) + 1) for i, (t, sub) in enumerate(TYPES)],
                ),
            ]
        }

    # --- HTTP ----------------------------------------------------------------------------
    def _signed_in(self, request: RecordedRequest) -> bool:
        return (
            request.header("UserName") == self.username
            and request.header("Secret") == self.secret
            and request.header("ApiIntegrationcode") == self.integration_code
        )

    def handle(self, request: RecordedRequest, body: bytes) -> Answer:
        path = request.path
        if request.server == "discovery":
            if path.lower() == PREFIX + "zoneinformation" and request.method == "GET":
                if (request.arg("user") or "").lower() != self.username.lower():
                    return Answer(404, {"errors": ["Zone information could not be determined"]})
                return Answer(
                    200,
                    {
                        "zoneName": "Fake Zone",
                        "url": f"{self.zone_url}/atservicesrest/",
                        "webUrl": f"{self.zone_url}/",
                        "ci": 0,
                    },
                )
            return Answer(404, {"errors": ["Not found on the zone-discovery host"]})
        if not path.startswith(PREFIX):
            return Answer(404, {"errors": ["Not found"]})
        if not self._signed_in(request):
            # Autotask answers bad credentials with a 500, not a 401
            return Answer(500, {"errors": ["Authentication failed"]})
        resource = path[len(PREFIX) :].strip("/").lower()
        if resource == "tickets/entityinformation/fields" and request.method == "GET":
            return Answer(200, self.fields())
        if resource.endswith("/query") or resource.endswith("/query/next"):
            if request.method != "POST":
                return Answer(
                    405, {"errors": ["The requested resource does not support http method 'GET'."]}
                )
            entity = resource.split("/", 1)[0]
            return self._query(request, entity, body)
        return Answer(404, {"errors": ["Not found"]})

    def _query(self, request: RecordedRequest, entity: str, body: bytes) -> Answer:
        try:
            query = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return Answer(400, {"errors": ["The query body is not JSON"]})
        if not isinstance(query, dict) or not isinstance(query.get("filter"), list):
            return Answer(400, {"errors": ["A query needs a filter"]})
        size = query.get("MaxRecords", 500)
        if not isinstance(size, int) or not 1 <= size <= 500:
            return Answer(400, {"errors": ["MaxRecords must be between 1 and 500"]})
        digest = hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]
        after = 0
        if request.path.lower().endswith("/next"):
            try:
                paging = json.loads(base64.urlsafe_b64decode(request.arg("paging") or ""))
                after, expected = int(paging["after"]), str(paging["body"])
            except (ValueError, KeyError, TypeError):
                return Answer(400, {"errors": ["Invalid paging"]})
            if expected != digest:
                return Answer(400, {"errors": ["The query body differs from the first page's"]})
        try:
            if entity == "tickets":
                ids = self._ticket_ids(query["filter"])
            elif entity in ("companies", "resources"):
                ids = sorted(r["id"] for r in self._others(entity) if matches(r, query["filter"]))
            else:
                return Answer(404, {"errors": ["Unknown entity"]})
        except FilterError as exc:
            return Answer(400, {"errors": [str(exc)]})
        start = bisect.bisect_right(ids, after)
        chunk = ids[start : start + size]
        more = start + size < len(ids)
        if entity == "tickets":
            items = [self.render(t) for i in chunk if (t := self.tickets.get(i)) is not None]
        else:
            by_id = {r["id"]: r for r in self._others(entity)}
            items = [by_id[i] for i in chunk]
        fields = query.get("IncludeFields")
        if isinstance(fields, list) and fields:
            wanted = {str(f).lower() for f in fields} | {"id"}
            items = [{k: v for k, v in item.items() if k.lower() in wanted} for item in items]
        next_url = None
        if more and chunk:
            token = base64.urlsafe_b64encode(
                json.dumps({"after": chunk[-1], "body": digest}).encode()
            ).decode()
            next_url = (
                f"{self.zone_url}{PREFIX}{entity.capitalize()}/query/next?paging={quote(token)}"
            )
        return Answer(
            200,
            {
                "items": items,
                "pageDetails": {
                    "count": len(items),
                    "requestCount": size,
                    "prevPageUrl": None,
                    "nextPageUrl": next_url,
                },
            },
        )

    def _ticket_ids(self, filters: list[Any]) -> list[int]:
        def query() -> Query:
            bounds = [
                bound
                for item in filters
                if isinstance(item, Mapping)
                and str(item.get("op", "")).lower() in ("gt", "gte")
                and str(item.get("field", "")).lower() == "lastactivitydate"
                and isinstance(bound := _comparable(item.get("value")), datetime)
            ]
            return (lambda t: matches(self.render(t), filters)), max(bounds, default=None)

        return self.matching_ids(json.dumps(filters, sort_keys=True), query)

    def _others(self, entity: str) -> list[dict[str, Any]]:
        if entity == "companies":
            return [{"id": 1000 + i, "companyName": name} for i, name in enumerate(COMPANIES)]
        return [
            {
                "id": 29682885 + i,
                "userName": ident,
                "firstName": first,
                "lastName": last,
                "email": email,
            }
            for i, (ident, first, last, email) in enumerate(OWNERS)
        ]
