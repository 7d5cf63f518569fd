"""The PSA port: the normalized ticket, one page of a sync, the connector protocol and the errors.

Error tree (every one carries a message with no secret in it):

- :class:`PsaError` — anything that stopped a PSA call.

  - :class:`PsaAuthError` — the PSA refused the credentials (401/403, a refused token request,
    Autotask's 500 on the first signed-in call). Never retried in a loop: the next scheduled run
    tries again.
  - :class:`PsaUnavailable` — timeouts, refused connections, 429 and 5xx still failing after the
    retries (each honouring ``Retry-After``).
  - :class:`PsaConfigError` — the configuration cannot work (no such zone, an unknown board,
    a query the PSA refuses as malformed).

A record that cannot be normalized is not an error: it is skipped and reported as a
:class:`MalformedRecord` in its page, and the rest of the page is kept.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Source = Literal["connectwise", "autotask", "halo"]

#: The first sync reads every open ticket however old, plus those closed this long ago at most.
FIRST_SYNC_CLOSED_WINDOW = timedelta(weeks=8)


class PsaError(Exception):
    """A PSA call failed; the message names the PSA and what failed, never a secret."""


class PsaAuthError(PsaError):
    """The PSA refused the credentials. Not retried: the next scheduled run tries again."""


class PsaUnavailable(PsaError):
    """Transient failure (timeout, 429, 5xx) still there after the retries."""


class PsaConfigError(PsaError):
    """The configuration cannot work against this PSA."""


@dataclass(frozen=True, kw_only=True, slots=True)
class PsaTicket:
    """A PSA ticket, normalized. Datetimes are timezone-aware UTC; names are the PSA's own."""

    source: Source
    external_id: str
    number: str
    board: str  # ConnectWise board, Autotask queue, HaloPSA team, as the PSA names it
    priority: str | None  # the PSA's priority name
    priority_id: str | None  # the PSA's priority id (HaloPSA configs may map by id)
    client: str | None  # company name
    summary: str
    category: str | None  # "type / subtype", "issue type / sub-issue type", Halo category
    status: str
    is_closed: bool
    waiting_on_client: bool  # the SLA is paused on the client
    owner: str | None  # member identifier / resource id / agent name; None when unassigned
    owner_name: str | None
    owner_email: str | None
    opened_at: datetime
    responded_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    respond_due: datetime | None
    resolve_due: datetime | None
    reopen_count: int | None  # None where the PSA keeps no count
    has_resolution_note: bool
    url: str  # the ticket in the PSA's web UI

    @property
    def key(self) -> tuple[str, str]:
        """The upsert key: one row per (source, external id)."""
        return (self.source, self.external_id)


@dataclass(frozen=True, kw_only=True, slots=True)
class MalformedRecord:
    """A record skipped because it could not be normalized; the rest of its page was kept."""

    source: Source
    external_id: str | None
    reason: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Page:
    """One page of a sync run.

    ``cursor`` is the value that is safe to store once this page (and every page before it) is
    stored: a later run asking for ``since=cursor`` misses nothing. It stays at the run's
    ``since`` until the run's last page, which carries the run's high-water mark; overlapping
    reads are expected and de-duplicated by ``external_id`` upsert.
    """

    tickets: tuple[PsaTicket, ...]
    malformed: tuple[MalformedRecord, ...]
    cursor: datetime | None
    requests: int  # HTTP requests made to produce this page (lookups and retries included)
    last: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class PsaCheck:
    """What ``psa check`` / ``config check`` learn: what the PSA has, and one page of tickets."""

    source: Source
    boards: tuple[str, ...]  # boards / queues / teams the PSA has
    priorities: tuple[str, ...]  # priority names the PSA has
    priority_ids: tuple[str, ...] = ()  # HaloPSA: priority ids, which configs may also use
    sample: Page | None = None
    total: int | None = None  # tickets the first sync would read, where the PSA says

    def missing_boards(self, mapped: Iterable[str]) -> list[str]:
        have = {b.casefold() for b in self.boards}
        return [name for name in mapped if name.casefold() not in have]

    def missing_priorities(self, mapped: Iterable[str]) -> list[str]:
        have = {p.casefold() for p in self.priorities} | set(self.priority_ids)
        return [name for name in mapped if str(name).casefold() not in have]


class PsaConnector(Protocol):
    """One PSA. ``pages`` streams a sync run; ``check`` signs in and reads one page."""

    @property
    def source(self) -> Source: ...

    def pages(self, since: datetime | None, *, now: datetime | None = None) -> Iterator[Page]:
        """Tickets on the mapped boards updated at or after ``since``; with ``since=None`` the
        first sync: every open ticket however old plus those closed in the last 8 weeks."""
        ...

    def check(self) -> PsaCheck: ...


# --- secrets -------------------------------------------------------------------------------

_SECRET_QUERY_KEYS = re.compile(
    r"(secret|token|password|passwd|key|code|signature|sig|auth|credential)", re.I
)
MASK = "***"


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its base64 and Basic-auth forms) replaced by ``***``."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        variants.add(secret)
        variants.add(base64.b64encode(secret.encode()).decode())
    # Longest first, so a secret containing another is masked whole.
    for value in sorted(variants, key=len, reverse=True):
        text = text.replace(value, MASK)
    return text


def redact_url(url: str, secrets: Iterable[str] = ()) -> str:
    """A URL safe to log: user info dropped, secret-looking query values masked, secrets masked."""
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [
            (k, MASK if _SECRET_QUERY_KEYS.search(k) else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="/:,[]",
    )
    return redact(urlunsplit((parts.scheme, netloc, parts.path, query, "")), secrets)


def basic_auth_value(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


# --- dates ---------------------------------------------------------------------------------

_FRACTION = re.compile(r"\.(\d+)")


def parse_utc(value: object, *, naive_is_utc: bool = True) -> datetime | None:
    """An ISO-8601 date from a PSA as aware UTC; ``None`` for null/empty/Halo's 1900 'unset'.

    Fractions of any length are accepted (Autotask sends ``…45.2Z`` and ``…45.1234567Z``).
    Raises ``ValueError`` for text that is not a date.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    match = _FRACTION.search(text)
    if match:  # Python 3.11 wants 0, 3 or 6 fraction digits: pad or cut to 6.
        text = text[: match.start(1)] + match.group(1)[:6].ljust(6, "0") + text[match.end(1) :]
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        if not naive_is_utc:
            raise ValueError(f"date without an offset: {value!r}")
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed.year <= 1901:  # HaloPSA's 1900-01-01T00:00:00 (and kin) mean "unset"
        return None
    return parsed


def utc_iso(value: datetime, *, fraction: bool = False, suffix: str = "Z") -> str:
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if fraction:
        text += f".{value.microsecond // 1000:03d}"
    return text + suffix


def require_aware(value: datetime | None, name: str) -> None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


def require_settings(
    source: Source, credentials: Mapping[str, str], mapped: Collection[str], what: str
) -> tuple[str, ...]:
    """The names mapped in ``psa.teams`` (boards, queues, teams: ``what``) once every credential
    (environment variable → value) is set; :class:`PsaConfigError` naming what is missing."""
    if not all(credentials.values()):
        *first, last = credentials
        listed = f"{', '.join(first)} and {last}" if first else last
        verb = "are all" if len(first) > 1 else "are both" if first else "is"
        raise PsaConfigError(f"{source}: {listed} {verb} needed")
    if not mapped:
        raise PsaConfigError(f"{source}: no {what} mapped in psa.teams")
    return tuple(mapped)


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional moments."""
    return b if a is None or (b is not None and b > a) else a


def names_casefold(values: Collection[str]) -> frozenset[str]:
    return frozenset(v.casefold() for v in values)


#: Status names that mean "waiting on the client" (SLA paused) when the PSA says no more itself.
DEFAULT_WAITING_STATUSES: tuple[str, ...] = (
    "Waiting on client",
    "Waiting client",
    "Waiting on customer",
    "Waiting customer",
    "Waiting client response",
    "Waiting for client",
    "Waiting for customer",
    "Customer reply needed",
)


def is_waiting_status(name: str | None, waiting: frozenset[str]) -> bool:
    return name is not None and name.strip().casefold() in waiting


def str_or_none(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(slots=True)
class PageBuilder:
    """Collects one page's tickets and malformed reports while normalizing records."""

    source: Source
    tickets: list[PsaTicket] = field(default_factory=list)
    malformed: list[MalformedRecord] = field(default_factory=list)
    newest: datetime | None = None  # the latest update among the kept tickets

    def read(
        self, record: object, normalize: Callable[[Mapping[str, Any]], PsaTicket]
    ) -> PsaTicket | None:
        """``record`` normalized, or None once it is reported as malformed (not an object, or a
        record ``normalize`` cannot read). The caller decides whether the ticket is kept."""
        if not isinstance(record, Mapping):
            self.skip(record, "not an object")
            return None
        try:
            return normalize(record)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.skip(record, f"{type(exc).__name__}: {exc}")
            return None

    def keep(self, ticket: PsaTicket) -> None:
        self.tickets.append(ticket)
        if self.newest is None or ticket.updated_at > self.newest:
            self.newest = ticket.updated_at

    def skip(self, record: object, reason: str) -> None:
        ext = record.get("id") if isinstance(record, Mapping) else None
        self.malformed.append(
            MalformedRecord(source=self.source, external_id=str_or_none(ext), reason=reason)
        )

    def page(self, *, cursor: datetime | None, requests: int, last: bool) -> Page:
        return Page(
            tickets=tuple(self.tickets),
            malformed=tuple(self.malformed),
            cursor=cursor,
            requests=requests,
            last=last,
        )


def run_cursor(
    since: datetime | None, high_water: datetime | None, newest: datetime | None
) -> datetime | None:
    """The cursor a finished run may store: the PSA's clock at the run's start (``high_water``)
    or else the newest update seen, never moving backwards from ``since``."""
    mark = high_water or newest
    return mark if since is None or (mark and mark > since) else since
