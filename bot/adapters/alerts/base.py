"""The alert intake's common parts: the normalized event, the refusal, the credential check, the
bounded JSON reader and the field readers every sender's parser uses.

Pure Python: no database, no Slack, no web framework. A parser either returns every event of a
body or raises :class:`AlertRejected` before returning anything, so the caller changes nothing on
any error. Refusals never echo a value the sender sent (a token could be in it); they name the
field and say what it must be.

Status codes follow what the senders do with them: Alertmanager and most RMMs retry on 5xx only
and drop the notification for good on any 4xx, so a 4xx is used only where retrying cannot help
(a malformed body, a wrong credential, a source that is off). Free text that is merely long or
odd is accepted (truncated, cleaned); identities that are too long are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Final, Literal, NoReturn
from urllib.parse import urlsplit, urlunsplit

Source = Literal["alertmanager", "pagerduty", "ninjaone", "generic"]
Action = Literal["trigger", "acknowledge", "resolve"]
Severity = Literal["critical", "error", "warning", "info"]
JsonObject = dict[str, object]

SOURCES: Final[tuple[Source, ...]] = ("alertmanager", "pagerduty", "ninjaone", "generic")
SEVERITIES: Final[tuple[Severity, ...]] = ("critical", "error", "warning", "info")
TOKEN_ENV_PREFIX: Final = "LANEKEEPER_ALERT_TOKEN_"

# Limits. The body limit is checked on the bytes; the web layer should read at most
# ``MAX_BODY_BYTES + 1`` bytes of a request before calling :func:`parse_request`.
MAX_BODY_BYTES: Final = 256 * 1024
MAX_DEPTH: Final = 32  # nesting of arrays/objects; real payloads stay under 8
MAX_ALERTS: Final = 1000  # alerts in one Alertmanager notification
TITLE_MAX: Final = 300
DESCRIPTION_MAX: Final = 3000
NAME_MAX: Final = 200  # client, device, group and other short free text
ID_MAX: Final = 255  # fingerprint, dedup_key, seriesUid: refused when longer (PagerDuty's own cap)
URL_MAX: Final = 2048
LABELS_MAX: Final = 64
LABEL_KEY_MAX: Final = 128
LABEL_VALUE_MAX: Final = 1024
ELLIPSIS: Final = "…"

_STATUS_WORDS: Final[Mapping[int, str]] = {
    400: "invalid alert",
    401: "unauthorized",
    404: "unknown alert source",
    413: "too large",
    415: "not JSON",
}


class AlertRejected(Exception):
    """A request the intake refuses: ``status`` is the HTTP answer, ``field`` names the part of the
    request at fault (``alerts[2].fingerprint``, ``body``, ``Authorization``), ``reason`` says what
    it must be. Neither ever contains a value the sender sent."""

    def __init__(self, status: int, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.status = status
        self.field = field
        self.reason = reason

    def body(self) -> dict[str, object]:
        """The JSON answer body."""
        return {
            "error": _STATUS_WORDS.get(self.status, "rejected"),
            "field": self.field,
            "reason": self.reason,
        }

    def __repr__(self) -> str:
        return f"AlertRejected(status={self.status}, field={self.field!r}, reason={self.reason!r})"


def reject(field: str, reason: str, *, status: int = 400) -> NoReturn:
    raise AlertRejected(status=status, field=field or "body", reason=reason)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertEvent:
    """One change to one alert, as every sender's payload is normalized.

    ``key`` is the alert's identity within its ``source`` (Alertmanager ``fingerprint``,
    PagerDuty ``<hash of routing_key>:<dedup_key>``, NinjaOne ``seriesUid``, generic
    ``dedup_key``); an escalation is created or updated per ``(source, key)``. Fields a sender did
    not give are ``None`` (a PagerDuty acknowledge carries no title or severity: keep what is
    stored). Text is cleaned (no NUL, no lone surrogates) and capped but otherwise raw: it may
    contain Slack markup, which the renderer escapes."""

    source: Source
    key: str
    action: Action
    severity: Severity | None
    title: str | None
    description: str | None
    client: str | None
    device: str | None
    url: str | None  # http(s) only
    occurred_at: datetime  # aware, UTC
    delivery_id: str | None = None  # the sender's id of this delivery, to spot redeliveries
    group: str | None = None  # Alertmanager groupKey, PagerDuty payload.group: for roll-ups
    labels: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntakeResult:
    """What one request asks for. ``events`` may be empty (an Alertmanager group with no alerts, an
    activity Lanekeeper does not handle: then ``ignored`` says why). ``dedup_key`` is PagerDuty's,
    minted when a trigger came without one, to be returned in the 202 answer."""

    source: Source
    events: tuple[AlertEvent, ...] = ()
    dedup_key: str | None = None
    ignored: str | None = None
    truncated_alerts: int = 0  # alerts Alertmanager left out of the notification (max_alerts)


# --- text, URLs, timestamps -------------------------------------------------------------------

# NUL, other C0 controls except tab/newline/return, DEL, and lone surrogates (a valid pair is
# joined into one code point by the JSON decoder, so any surrogate left is alone).
_UNWANTED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """The text without NUL, control characters and lone surrogates; never raises."""
    return _UNWANTED.sub("", value)


def truncate(value: str, cap: int) -> str:
    """At most ``cap`` characters, ending with an ellipsis when cut."""
    if len(value) <= cap:
        return value
    return value[: cap - 1].rstrip() + ELLIPSIS


# Characters that would let a URL break out of Slack's ``<url|text>`` link syntax.
_URL_QUOTE = {"<": "%3C", ">": "%3E", "|": "%7C", '"': "%22", "`": "%60"}


def safe_url(value: str | None) -> str | None:
    """``value`` when it is an absolute http(s) URL, without user:password and with Slack's link
    delimiters percent-encoded; ``None`` for anything else (``javascript:``, relative, garbage)."""
    if not value:
        return None
    url = clean_text(value).strip()
    if not url or len(url) > URL_MAX or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    url = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    return "".join(_URL_QUOTE.get(c, c) for c in url)


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,18}))?"
    r"(?:(?P<z>[Zz])|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))?"
)


def parse_timestamp(value: str, field: str, *, require_offset: bool = True) -> datetime:
    """An RFC 3339 / ISO 8601 timestamp with 0 to 9 (or more) fractional digits, as UTC.

    Python's ``fromisoformat`` refuses Go's nanoseconds; digits past the sixth are dropped. Go's
    zero time ``0001-01-01T00:00:00Z`` comes back as year 1 (see :func:`is_go_zero`). Without an
    offset the time is ambiguous: refused when ``require_offset`` (else read as UTC)."""
    match = _TIMESTAMP.fullmatch(value.strip()) if len(value) <= 64 else None
    if match is None:
        reject(field, "must be an RFC 3339 timestamp such as 2024-05-01T10:00:00Z")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "")[:6].ljust(6, "0")
    if match.group("z"):
        tz: timezone = UTC
    elif match.group("sign"):
        offset = timedelta(hours=int(match.group("oh")), minutes=int(match.group("om")))
        if offset >= timedelta(hours=24):
            reject(field, "has an impossible UTC offset")
        tz = timezone(-offset if match.group("sign") == "-" else offset)
    elif require_offset:
        reject(field, "has no UTC offset: add Z or +hh:mm")
    else:
        tz = UTC
    try:
        moment = datetime(year, month, day, hour, minute, second, int(fraction), tzinfo=tz)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        reject(field, "is not a valid date and time")


def is_go_zero(moment: datetime) -> bool:
    """Go's zero ``time.Time`` (``0001-01-01T00:00:00Z``): Alertmanager's "not ended"."""
    return moment.year == 1


def epoch_to_utc(value: object, field: str) -> datetime:
    """A Unix time in seconds (or milliseconds, when it could only be those) as UTC."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        reject(field, "must be a Unix time in seconds (a number)")
    seconds = float(value)
    if seconds != seconds or seconds < 0:  # NaN or negative
        reject(field, "must be a Unix time in seconds (a number)")
    if seconds > 1e11:  # past the year 5138 in seconds: milliseconds
        seconds /= 1000.0
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        reject(field, "is not a valid Unix time")


# --- severities ---------------------------------------------------------------------------------

_SEVERITY_WORDS: Final[Mapping[str, Severity]] = {
    **dict.fromkeys(
        ("critical", "crit", "fatal", "emergency", "emerg", "alert", "page", "disaster", "p1"),
        "critical",
    ),
    **dict.fromkeys(("error", "err", "high", "major", "p2"), "error"),
    **dict.fromkeys(("warning", "warn", "average", "medium", "moderate", "minor", "p3"), "warning"),
    **dict.fromkeys(
        (
            "info",
            "information",
            "informational",
            "notice",
            "low",
            "none",
            "ok",
            "debug",
            "p4",
            "p5",
        ),
        "info",
    ),
}


def normalize_severity(word: object) -> Severity | None:
    """A sender's severity word as critical|error|warning|info; ``None`` when it is not one
    Lanekeeper knows (the caller decides: a default, or a refusal)."""
    if not isinstance(word, str):
        return None
    return _SEVERITY_WORDS.get(clean_text(word).strip().lower())


# --- the bounded JSON reader ---------------------------------------------------------------------

_JSON_MEDIA_TYPES: Final = frozenset({"", "application/json", "text/json", "text/plain"})
# Escaped characters (removed first, so every quote left opens or closes a string), then a JSON
# string (brackets inside strings are skipped) or one bracket. Neither pattern backtracks: the scan
# stays linear in the body's size whatever it holds (unclosed strings, runs of backslashes).
_JSON_ESCAPE = re.compile(r"\\.", re.DOTALL)
_JSON_STRUCTURE = re.compile(r'"[^"]*"|[\[\]{}]')


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name in ``headers``."""
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted and isinstance(value, str):
            return value
    return None


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuses nesting deeper than ``limit``, counted without recursion (so a body of 100,000
    opening brackets is a 400, never a RecursionError)."""
    depth = 0
    for match in _JSON_STRUCTURE.finditer(_JSON_ESCAPE.sub("", text)):
        token = match.group()
        if token == "[" or token == "{":
            depth += 1
            if depth > limit:
                reject("body", f"nests arrays or objects deeper than {limit} levels")
        elif token == "]" or token == "}":
            depth -= 1


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def load_json(body: bytes, headers: Mapping[str, str], *, max_body: int = MAX_BODY_BYTES) -> object:
    """The request body as JSON, or a refusal: 413 over ``max_body``, 415 for a content type or a
    body that is not JSON, 400 for nesting deeper than :data:`MAX_DEPTH`. Bytes that are not
    UTF-8 are replaced (alert text is odd sometimes; the alert still counts)."""
    if len(body) > max_body:
        reject("body", f"is larger than {max_body // 1024} KB", status=413)
    content_type = header(headers, "content-type") or ""
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in _JSON_MEDIA_TYPES and not media_type.endswith("+json"):
        reject("Content-Type", "must be application/json", status=415)
    text = bytes(body).decode("utf-8", errors="replace").removeprefix("\ufeff")
    if not text.strip():
        reject("body", "is empty: expected a JSON object", status=415)
    check_depth(text)
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        reject("body", "is not valid JSON", status=415)


# --- field readers --------------------------------------------------------------------------------


def join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def expect_object(value: object, path: str) -> JsonObject:
    if not isinstance(value, dict):
        reject(path or "body", "must be a JSON object")
    return value


def get_object(obj: JsonObject, name: str, path: str, *, required: bool = False) -> JsonObject:
    value = obj.get(name)
    if value is None:
        if required:
            reject(join(path, name), "is required")
        return {}
    return expect_object(value, join(path, name))


def get_id(
    obj: JsonObject, name: str, path: str, *, required: bool, allow_int: bool = False
) -> str | None:
    """An identity (fingerprint, dedup_key, seriesUid): a non-empty string of at most
    :data:`ID_MAX` characters, refused when longer (cutting it would merge two alerts)."""
    where = join(path, name)
    value = obj.get(name)
    if value is None:
        if required:
            reject(where, "is required")
        return None
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        reject(where, "must be a string")
    value = clean_text(value).strip()
    if not value:
        if required:
            reject(where, "must not be empty")
        return None
    if len(value) > ID_MAX:
        reject(where, f"is longer than {ID_MAX} characters")
    return value


def require_id(obj: JsonObject, name: str, path: str, *, allow_int: bool = False) -> str:
    value = get_id(obj, name, path, required=True, allow_int=allow_int)
    if value is None:  # get_id refuses it first; this is for the type checker
        reject(join(path, name), "is required")
    return value


def get_text(
    obj: JsonObject,
    name: str,
    path: str,
    *,
    cap: int,
    required: bool = False,
    allow_number: bool = True,
) -> str | None:
    """Free text, cleaned and cut to ``cap`` characters with an ellipsis; ``None`` when absent or
    blank (refused instead when ``required``). Numbers are taken as text when ``allow_number``."""
    where = join(path, name)
    value = obj.get(name)
    if allow_number and isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if value is not None and not isinstance(value, str):
        reject(where, "must be a string")
    text = truncate(clean_text(value).strip(), cap) if value else ""
    if not text:
        if required:
            reject(where, "is required" if value is None else "must not be empty")
        return None
    return text


def require_text(
    obj: JsonObject, name: str, path: str, *, cap: int, allow_number: bool = True
) -> str:
    value = get_text(obj, name, path, cap=cap, required=True, allow_number=allow_number)
    if value is None:  # get_text refuses it first; this is for the type checker
        reject(join(path, name), "is required")
    return value


def get_url(obj: JsonObject, name: str, path: str) -> str | None:
    """A link: a string, kept only when it is an http(s) URL (other schemes are dropped, not
    refused: alert text legitimately contains odd things)."""
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        reject(join(path, name), "must be a string")
    return safe_url(value)


def get_timestamp(
    obj: JsonObject, name: str, path: str, *, required: bool = False, require_offset: bool = True
) -> datetime | None:
    where = join(path, name)
    value = obj.get(name)
    if value is None:
        if required:
            reject(where, "is required")
        return None
    if not isinstance(value, str):
        reject(where, "must be an RFC 3339 timestamp string")
    return parse_timestamp(value, where, require_offset=require_offset)


def _label_key(key: str) -> str:
    return truncate(clean_text(key), 64)


def bounded_labels(
    value: object, path: str, *, strict: bool, skip: Iterable[str] = ()
) -> dict[str, str]:
    """A str→str map of at most :data:`LABELS_MAX` entries (long values cut, long keys dropped).
    ``strict``: every value must be a string (Alertmanager's labels); otherwise scalars are
    written as text and nested values left out."""
    if value is None:
        return {}
    source = expect_object(value, path)
    skipped = set(skip)
    labels: dict[str, str] = {}
    for key, item in source.items():
        if isinstance(item, str):
            text = item
        elif strict:
            reject(join(path, _label_key(key)), "must be a string")
        elif isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, int | float):
            text = str(item)
        else:
            continue
        name = clean_text(key).strip()
        if len(labels) >= LABELS_MAX or not name or len(name) > LABEL_KEY_MAX or name in skipped:
            continue
        labels[name] = truncate(clean_text(text), LABEL_VALUE_MAX)
    return labels


def first_label(labels: Mapping[str, str], names: Iterable[str], cap: int = NAME_MAX) -> str | None:
    for name in names:
        value = labels.get(name, "").strip()
        if value:
            return truncate(value, cap)
    return None


# --- credentials -------------------------------------------------------------------------------


def tokens_from_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The alert sources switched on: ``LANEKEEPER_ALERT_TOKEN_<SOURCE>`` → its token. A source
    whose variable is unset or blank is off (its webhook answers 404)."""
    tokens: dict[str, str] = {}
    for source in SOURCES:
        token = (environ.get(TOKEN_ENV_PREFIX + source.upper()) or "").strip()
        if token:
            tokens[source] = token
    return tokens


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison (through ``hmac.compare_digest``) of two secrets' SHA-256 digests,
    so neither the content nor the length of the expected token leaks through timing."""

    def digest(value: str) -> bytes:
        return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()

    same = hmac.compare_digest(digest(given or ""), digest(expected))
    return same and bool(given) and bool(expected)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = header(headers, "authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate(headers: Mapping[str, str], query: Mapping[str, str], expected: str) -> None:
    """``Authorization: Bearer <token>`` or ``?token=<token>`` (for senders that cannot set
    headers) must be the source's token; 401 otherwise."""
    query_token = query.get("token") if isinstance(query.get("token"), str) else None
    candidates = [c for c in (bearer_token(headers), query_token) if c]
    if not candidates:
        reject(
            "Authorization",
            "missing credential: send Authorization: Bearer <token> or ?token=<token>",
            status=401,
        )
    accepted = False
    for candidate in candidates:  # compare every candidate: no early exit
        accepted = token_matches(candidate, expected) or accepted
    if not accepted:
        reject("Authorization", "credential not accepted", status=401)


def routing_key_hash(routing_key: str) -> str:
    """A stand-in for a PagerDuty routing key in stored keys: the key is a credential and is never
    stored in clear."""
    return hashlib.sha256(routing_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# --- keeping secrets out of logs ------------------------------------------------------------------

_SECRET_PARAMS = (
    "token|access_token|routing_key|api_key|apikey|key|secret|signature|sig|password|auth"
)
_SECRET_QUERY = re.compile(rf"(?i)([?&;](?:{_SECRET_PARAMS})=)[^&#;\s\"'<>]*")
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s?#\"'<>]*@")
REDACTED: Final = "[redacted]"


def redact_url(url: object) -> str:
    """``url`` as text safe to log: the values of ``token`` (and other secret-looking) query
    parameters and any user:password replaced by ``[redacted]``. Never raises."""
    text = str(url)
    text = _SECRET_QUERY.sub(rf"\g<1>{REDACTED}", text)
    return _USERINFO.sub(rf"\g<1>{REDACTED}@", text)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Any text safe to log: URLs redacted as by :func:`redact_url`, and every occurrence of the
    given secrets (the configured alert tokens) replaced."""
    text = redact_url(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return text


class MessageRedactor(logging.Filter):
    """A filter that rewrites every record's message through :meth:`redact` (with the given
    secrets); a record whose message is unchanged is left as it was."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redact(self, message: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


class RedactingFilter(MessageRedactor):
    """A logging filter that redacts ``?token=`` values and the given secrets from every record's
    message (install it on the web server's access and error loggers)."""

    def redact(self, message: str) -> str:
        return redact_text(message, self.secrets)
