"""A fake ConnectWise PSA (Manage REST 3.0) on a free loopback port.

Behaves as ConnectWise documents and refuses what it refuses: Basic
``companyId+publicKey:privateKey`` and the ``clientId`` header on every API request (401
without either); ``conditions`` parsed (unknown field → 400); ``pageSize`` above 1,000 capped
silently; page-number paging (``page``) or forward-only paging (``pagination-type:
forward-only`` with ``pageId``; ``orderBy`` then refused) with a ``Link`` header ``rel="next"``;
empty fields left out of the JSON; second-precision dates under ``_info``.
"""

from __future__ import annotations

import base64
import bisect
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

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

CODEBASE = "v2025_1/"
STATUS_NAMES = {
    "new": "New",
    "in_progress": "In Progress",
    "waiting": "Waiting on client",
    "scheduled": "Scheduled",
    "closed": "Completed",
}


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


class ConditionError(ValueError):
    pass


_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<date>\[[^\]]*\])|(?P<num>-?\d+(?:\.\d+)?)'
    r"|(?P<op>>=|<=|!=|=|<|>|\(|\)|,)|(?P<word>[A-Za-z_][A-Za-z0-9_/]*))"
)


def _tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ConditionError(f"cannot read conditions at {text[pos : pos + 20]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind or "")
        if kind == "str":
            out.append(("val", re.sub(r"\\(.)", r"\1", value[1:-1])))
        elif kind == "date":
            parsed = parse_utc(value[1:-1], naive_is_utc=True)
            out.append(("val", parsed))
        elif kind == "num":
            out.append(("val", float(value) if "." in value else int(value)))
        elif kind == "op":
            out.append(("op", value))
        else:
            lowered = value.lower()
            if lowered in ("and", "or", "in", "not", "contains", "like"):
                out.append(("kw", lowered))
            elif lowered in ("true", "false"):
                out.append(("val", lowered == "true"))
            elif lowered == "null":
                out.append(("val", None))
            else:
                out.append(("field", value))
    return out


Predicate = Callable[[SynthTicket], bool]


class _Parser:
    """conditions := or-expr; field op value | field [not] in (values) | (expr)."""

    def __init__(self, text: str, fields: dict[str, Callable[[SynthTicket], Any]]) -> None:
        self.tokens = _tokens(text)
        self.pos = 0
        self.fields = fields
        self.since: datetime | None = None  # a top-level lastUpdated >= bound, for narrowing
        self.depth = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise ConditionError("conditions end too early")
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.expr()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()!r}")
        return predicate

    def expr(self) -> Predicate:
        terms = [self.term()]
        while self.peek() == ("kw", "or"):
            self.take()
            terms.append(self.term())
        if len(terms) == 1:
            return terms[0]
        if self.depth == 0:
            self.since = None  # not a bound on the whole result any more
        return lambda t: any(p(t) for p in terms)

    def term(self) -> Predicate:
        factors = [self.factor()]
        while self.peek() == ("kw", "and"):
            self.take()
            factors.append(self.factor())
        if len(factors) == 1:
            return factors[0]
        return lambda t: all(p(t) for p in factors)

    def factor(self) -> Predicate:
        if self.peek() == ("op", "("):
            self.take()
            self.depth += 1
            inner = self.expr()
            self.depth -= 1
            if self.take() != ("op", ")"):
                raise ConditionError("missing )")
            return inner
        kind, name = self.take()
        if kind != "field":
            raise ConditionError(f"expected a field, got {name!r}")
        getter = self.fields.get(name.lower())
        if getter is None:
            raise ConditionError(f"Unknown field {name}")
        kind, op = self.take()
        negate = False
        if (kind, op) == ("kw", "not"):
            negate = True
            kind, op = self.take()
        if (kind, op) == ("kw", "in"):
            if self.take() != ("op", "("):
                raise ConditionError("in needs (")
            values: list[Any] = []
            while True:
                k, v = self.take()
                if k != "val":
                    raise ConditionError("in needs values")
                values.append(_fold(v))
                k, v = self.take()
                if (k, v) == ("op", ")"):
                    break
                if (k, v) != ("op", ","):
                    raise ConditionError("in values need commas")
            wanted = set(values)
            return lambda t: (_fold(getter(t)) in wanted) != negate
        if kind not in ("op", "kw"):
            raise ConditionError(f"expected an operator after {name}")
        k, value = self.take()
        if k != "val":
            raise ConditionError(f"expected a value after {name} {op}")
        value = _fold(value)
        if (
            name.lower() in ("lastupdated", "_info/lastupdated")
            and op in (">=", ">")
            and self.depth == 0
        ):
            self.since = value  # a top-level conjunct (cleared below if a top-level or follows)
        return _compare(getter, op, value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _compare(getter: Callable[[SynthTicket], Any], op: str, value: Any) -> Predicate:
    def check(t: SynthTicket) -> bool:
        have = _fold(getter(t))
        if op == "=":
            return bool(have == value)
        if op == "!=":
            return bool(have != value)
        if op == "contains":
            return isinstance(have, str) and str(value) in have
        if op == "like":
            return (
                isinstance(have, str)
                and re.fullmatch(str(value).replace("%", ".*").replace("*", ".*"), have) is not None
            )
        if have is None or value is None:
            return False
        return {
            ">=": have >= value,
            "<=": have <= value,
            ">": have > value,
            "<": have < value,
        }[op]

    return check


_FIELDS: dict[str, Callable[[SynthTicket], Any]] = {
    "id": lambda t: t.id,
    "board/name": lambda t: t.board,
    "board/id": lambda t: None,
    "lastupdated": lambda t: t.updated.replace(microsecond=0),
    "_info/lastupdated": lambda t: t.updated.replace(microsecond=0),
    "dateentered": lambda t: t.opened,
    "closedflag": lambda t: t.is_closed,
    "closeddate": lambda t: t.closed,
    "status/name": lambda t: STATUS_NAMES[t.status],
    "priority/name": lambda t: PRIORITIES[t.priority],
    "company/name": lambda t: COMPANIES[t.company],
    "owner/identifier": lambda t: OWNERS[t.owner][0] if t.owner is not None else None,
    "summary": lambda t: t.summary,
    "resolutionflag": lambda t: True,
}


class FakeConnectWise(FakePsa):
    """ConnectWise at ``url``; tickets from ``tickets`` (a :class:`TicketSource`)."""

    def __init__(
        self,
        *,
        company_id: str = "lanekeeper_msp",
        public_key: str = "PUBcw7Lq2Xk",
        private_key: str = "PRIVcw9zR4vW",
        client_id: str = "1b7c7d0e-5f0a-4e54-9d6a-0c5a3f0e2f11",
        tickets: TicketSource | None = None,
        now: datetime | None = None,
    ) -> None:
        super().__init__(tickets=tickets, now=now)
        self.company_id = company_id
        self.public_key = public_key
        self.private_key = private_key
        self.client_id = client_id
        self.boards = self.board_names()

    @property
    def url(self) -> str:
        return self.url_of("api")

    @property
    def api(self) -> str:
        return f"{self.url}/{CODEBASE}apis/3.0"

    # --- rendering -----------------------------------------------------------------------
    def render(self, t: SynthTicket) -> dict[str, Any]:
        if t.malformed == "no-board":
            return {"id": t.id, "summary": t.summary, "_info": {"lastUpdated": _iso(t.updated)}}
        type_name, sub_name = TYPES[t.type]
        record: dict[str, Any] = {
            "id": t.id,
            "summary": t.summary,
            "recordType": "ServiceTicket",
            "board": {
                "id": self.boards.index(t.board) + 1 if t.board in self.boards else 99,
                "name": t.board,
            },
            "status": {
                "id": 10 + list(STATUS_NAMES).index(t.status),
                "name": STATUS_NAMES[t.status],
            },
            "company": {
                "id": 100 + t.company,
                "identifier": COMPANIES[t.company].replace(" ", ""),
                "name": COMPANIES[t.company],
            },
            "type": {"id": 200 + t.type, "name": type_name},
            "subType": {"id": 300 + t.type, "name": sub_name},
            "priority": {
                "id": t.priority + 1,
                "name": PRIORITIES[t.priority],
                "sort": t.priority + 1,
            },
            "closedFlag": t.is_closed,
            "_info": {
                "lastUpdated": _iso(t.updated),
                "dateEntered": _iso(t.opened) if t.malformed != "bad-date" else "yesterday-ish",
                "updatedBy": "ApiMember",
            },
        }
        if t.owner is not None:
            ident, first, last, _email = OWNERS[t.owner]
            record["owner"] = {"id": t.owner + 1, "identifier": ident, "name": f"{first} {last}"}
        if t.status == "waiting":
            record["slaStatus"] = "Waiting"
        for key, value in (
            ("dateResponded", t.responded),
            ("dateResolved", t.resolved),
            ("closedDate", t.closed),
            ("requiredDate", t.resolve_due),
        ):
            if value is not None:  # empty fields are left out, as ConnectWise does
                record[key] = _iso(value)
        return record

    # --- matching ------------------------------------------------------------------------
    def _matching(self, conditions: str) -> list[int]:
        def query() -> Query:
            parser = _Parser(conditions, _FIELDS)
            predicate = parser.parse() if conditions.strip() else (lambda t: True)
            return predicate, parser.since

        return self.matching_ids(conditions, query)

    # --- HTTP ----------------------------------------------------------------------------
    def _signed_in(self, request: RecordedRequest) -> Answer | None:
        if request.header("clientId") != self.client_id:
            return Answer(401, {"code": "Unauthorized", "message": "A valid clientId is required"})
        expected = base64.b64encode(
            f"{self.company_id}+{self.public_key}:{self.private_key}".encode()
        ).decode()
        if request.header("Authorization") != f"Basic {expected}":
            return Answer(401, {"code": "Unauthorized", "message": "Invalid credentials"})
        return None

    def handle(self, request: RecordedRequest, body: bytes) -> Answer:
        path = request.path
        if path.lower().startswith("/login/companyinfo/"):
            company = path.rsplit("/", 1)[-1]
            if company.lower() != self.company_id.lower():
                return Answer(200, None)
            return Answer(
                200,
                {
                    "CompanyName": company,
                    "Codebase": CODEBASE,
                    "VersionCode": "v2025.1",
                    "VersionNumber": "v4.6",
                    "CompanyID": company,
                    "IsCloud": True,
                    "SiteUrl": request.header("Host"),
                },
            )
        prefix = f"/{CODEBASE}apis/3.0/"
        if not path.startswith(prefix) or request.method != "GET":
            return Answer(404, {"code": "NotFound", "message": "Not found"})
        refused = self._signed_in(request)
        if refused is not None:
            return refused
        resource = path[len(prefix) :].strip("/").lower()
        if resource == "service/boards":
            return self._paged(
                request, [{"id": i + 1, "name": b} for i, b in enumerate(self.boards)]
            )
        if resource == "service/priorities":
            return self._paged(
                request,
                [{"id": i + 1, "name": p, "sort": i + 1} for i, p in enumerate(PRIORITIES)],
            )
        if resource == "service/tickets/count":
            try:
                return Answer(200, {"count": len(self._matching(request.arg("conditions") or ""))})
            except ConditionError as exc:
                return Answer(400, {"code": "InvalidObject", "message": str(exc)})
        if resource == "service/tickets":
            return self._tickets(request)
        match = re.fullmatch(r"service/tickets/(\d+)/notes", resource)
        if match:
            t = self.tickets.get(int(match.group(1)))
            if t is None:
                return Answer(404, {"code": "NotFound", "message": "Ticket not found"})
            return Answer(
                200, [{"id": t.id * 10, "resolutionFlag": True}] if t.resolution_note else []
            )
        return Answer(404, {"code": "NotFound", "message": "Not found"})

    def _page_size(self, request: RecordedRequest) -> int:
        try:
            size = int(request.arg("pageSize") or 25)
        except ValueError:
            size = 25
        return max(1, min(size, 1000))  # more than 1,000 is capped silently

    def _link(self, request: RecordedRequest, **changes: Any) -> str:
        query = {k: v[0] for k, v in request.query.items()}
        query.update({k: str(v) for k, v in changes.items()})
        return f"<{self.url}{request.path}?{urlencode(query)}>"

    def _paged(self, request: RecordedRequest, items: list[Any]) -> Answer:
        size = self._page_size(request)
        page = max(1, int(request.arg("page") or 1))
        chunk = items[(page - 1) * size : page * size]
        links = []
        if page * size < len(items):
            links.append(self._link(request, page=page + 1) + '; rel="next"')
        return Answer(200, chunk, {"Link": ", ".join(links)} if links else {})

    def _tickets(self, request: RecordedRequest) -> Answer:
        forward_only = (request.header("pagination-type") or "").lower() == "forward-only"
        if forward_only and request.arg("orderBy"):
            return Answer(
                400,
                {
                    "code": "InvalidObject",
                    "message": "orderBy is not allowed with forward-only pagination",
                },
            )
        try:
            ids = self._matching(request.arg("conditions") or "")
        except ConditionError as exc:
            return Answer(400, {"code": "InvalidObject", "message": str(exc)})
        size = self._page_size(request)
        if forward_only:
            after = int(request.arg("pageId") or 0)
            start = bisect.bisect_right(ids, after)
            chunk = ids[start : start + size]
            more = start + size < len(ids)
            link = (
                self._link(request, pageId=chunk[-1]) + '; rel="next"' if more and chunk else None
            )
        else:
            page = max(1, int(request.arg("page") or 1))
            chunk = ids[(page - 1) * size : page * size]
            more = page * size < len(ids)
            link = self._link(request, page=page + 1) + '; rel="next"' if more else None
        records = []
        for i in chunk:
            t = self.tickets.get(i)
            if t is not None:
                records.append(self.render(t))
        return Answer(200, records, {"Link": link} if link else {})
