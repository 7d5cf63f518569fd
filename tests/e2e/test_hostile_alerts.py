"""Property: whatever a monitoring sender posts, the alert webhooks answer sanely (issue 20).

Each sender's real payload (``bot.testing.alert_payloads``: Alertmanager notifications,
PagerDuty Events v2 trigger/acknowledge/resolve, NinjaOne activities, the generic flat JSON used
by Datto RMM, N-able and Syncro templates) is built with hostile text in every free-text field
(Slack markup such as ``<!channel>``, ``<@U…>``, ``*bold*``, ``<http://x|y>``, control characters,
lone surrogates, huge strings), then mutated: keys dropped anywhere in the document, values of the
wrong type, deep nesting, bytes that are not UTF-8, bodies over the 256 KB limit, a wrong content
type, a wrong or missing credential. It is posted with the sender's own credential to
``/hooks/alerts/<source>`` of the served app with the fake Slack as a real HTTP server, on SQLite
and PostgreSQL, and every example asserts: never a 5xx; a refusal (4xx) changes no table and
sends nothing to Slack; an acceptance changes only the tables an alert may change, leaves every
escalation whole with its alert link, and nothing Slack refused; no raw markup of the input in
any Slack call (the checker of ``test_properties``); no error in the log.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import func, select

from bot.adapters.models import AlertLink, AlertRollup, Base, Escalation, OutboxMessage
from bot.services.alerts import STORM_WINDOW
from bot.testing import alert_payloads as ap
from tests.e2e.conftest import Harness
from tests.e2e.test_properties import MARKUP, _check, typed

TOKEN = "hostile-alerts-token-5c1e"
PD_KEY = "PDROUTINGKEY0000000000000000HOST"
SOURCES = ("alertmanager", "pagerduty", "ninjaone", "generic")
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run: a red run is reproducible as it is
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Tables one alert request may add rows to (or change): the escalation with its number, its
# timeline, its link to the alert, a storm's roll-up, and the posts queued for Slack.
MAY_CHANGE = {
    "escalations",
    "timeline_entries",
    "alert_links",
    "alert_rollups",
    "outbox_messages",
    "counters",
}
NON_UTF8 = "__not_utf8__"  # replaced by bytes no UTF-8 decoder accepts once the body is encoded
DEEP = "__5000_levels__"  # replaced by 5000 nested arrays (too deep for json.dumps itself)


@pytest.fixture(autouse=True)
def alert_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every source switched on (read by Settings when the app is built)."""
    for source in ("ALERTMANAGER", "NINJAONE", "GENERIC"):
        monkeypatch.setenv(f"LANEKEEPER_ALERT_TOKEN_{source}", TOKEN)
    monkeypatch.setenv("LANEKEEPER_ALERT_TOKEN_PAGERDUTY", PD_KEY)


@pytest.fixture
def client(app: Harness, caplog: pytest.LogCaptureFixture) -> Iterator[httpx.Client]:
    caplog.set_level(logging.WARNING)
    with httpx.Client(timeout=30, base_url=app.url.removesuffix("/slack/events")) as c:
        yield c


def tally(what: str) -> None:
    """Count ``what`` in ``--hypothesis-show-statistics`` (nothing outside a property)."""
    if currently_in_test_context():
        event(what)


# --------------------------------------------------------------------------- hostile text

_junk = st.sampled_from(
    [
        "*bold* _it_ ~gone~ `code`",
        "<http://x|y>",
        "<@U01TECH1>",
        "&lt;!channel&gt;",
        "\x00\x07\x1b[31m\x7f",
        "\u2028\u2029",
        NON_UTF8,
    ]
)
hostile_text = st.one_of(
    st.lists(st.one_of(typed, _junk, st.sampled_from(MARKUP)), min_size=1, max_size=3).map("".join),
    st.builds(lambda p, n: p * n, st.sampled_from([*MARKUP, "漢", "😀"]), st.integers(1, 400)),
)
short = st.one_of(st.sampled_from(["Acme Dental", "fs01.acme.local"]), hostile_text)
keys = st.sampled_from(
    [f"k-{n}" for n in range(1, 7)]
)  # a few identities, so alerts update and resolve


# --------------------------------------------------------------------------- real shapes


@st.composite
def alertmanager(draw: st.DrawFn) -> dict[str, Any]:
    alerts = []
    for _ in range(draw(st.integers(1, 3))):
        status = draw(st.sampled_from(["firing", "firing", "resolved"]))
        alerts.append(
            ap.alertmanager_alert(
                draw(short),
                status=status,
                labels={
                    "client": draw(short),
                    "instance": draw(short),
                    "severity": draw(st.sampled_from(["critical", "warning", "p2", "<!here>"])),
                },
                annotations={"summary": draw(hostile_text), "description": draw(hostile_text)},
                generator_url=draw(
                    st.sampled_from(["https://prom.example.net/g", "javascript:alert(1)", ""])
                ),
                fingerprint_=draw(keys),
            )
        )
    return ap.alertmanager_notification(alerts, group_by=("alertname", "client"))


@st.composite
def pagerduty(draw: st.DrawFn) -> dict[str, Any]:
    action = draw(st.sampled_from(["trigger", "trigger", "acknowledge", "resolve"]))
    dedup = draw(keys)
    if action == "acknowledge":
        return ap.pagerduty_acknowledge(PD_KEY, dedup)
    if action == "resolve":
        return ap.pagerduty_resolve(PD_KEY, dedup)
    return ap.pagerduty_trigger(
        PD_KEY,
        summary=draw(hostile_text),
        source=draw(short),
        severity=draw(st.sampled_from(["critical", "error", "warning", "info"])),
        dedup_key=draw(st.one_of(st.none(), keys)),
        custom_details=draw(
            st.one_of(
                st.builds(lambda c, n: {"client": c, "note": n}, short, hostile_text),
                hostile_text,
            )
        ),
        links=[
            {
                "href": draw(st.sampled_from(["https://x.example/<!channel>", "ftp://x"])),
                "text": draw(short),
            }
        ],
    )


@st.composite
def ninjaone(draw: st.DrawFn) -> dict[str, Any]:
    activity = ap.ninjaone_activity(
        status_code=draw(st.sampled_from(["TRIGGERED", "TRIGGERED", "RESET"])),
        series_uid=draw(keys),
        system_name=draw(short),
        source_name=draw(hostile_text),
        message=draw(hostile_text),
    )
    activity["device"]["organizationName"] = draw(short)
    return activity


@st.composite
def generic(draw: st.DrawFn) -> dict[str, Any]:
    alert = ap.generic_alert(
        draw(st.one_of(keys, st.integers(1, 3))),
        status=draw(st.sampled_from(["firing", "firing", "resolved"])),
        severity=draw(st.sampled_from(["critical", "high", "info", None])),
        title=draw(hostile_text),
        description=draw(hostile_text),
        client=draw(short),
        device=draw(short),
        url=draw(st.sampled_from(["https://rmm.example.net/a?x=<!channel>", "data:x", None])),
    )
    alert["ticket"] = draw(short)  # an extra field: a label
    return alert


PAYLOADS = {
    "alertmanager": alertmanager(),
    "pagerduty": pagerduty(),
    "ninjaone": ninjaone(),
    "generic": generic(),
}


# --------------------------------------------------------------------------- mutations


def paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path in ``doc`` (dict keys and list indexes)."""
    found: list[tuple[Any, ...]] = []
    items: Any = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in items:
        found.append((*prefix, key))
        found.extend(paths(value, (*prefix, key)))
    return found


wrong_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
    hostile_text,
    st.sampled_from(["", "0001-01-01T00:00:00Z", "2024-13-45T99:99:99Z", "x" * 300_000, DEEP]),
)


@st.composite
def mutated(draw: st.DrawFn, source: str) -> dict[str, Any]:
    doc = copy.deepcopy(draw(PAYLOADS[source]))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        where = paths(doc)
        if not where:
            break
        path = draw(st.sampled_from(where))
        *parents, last = path
        target: Any = doc
        for part in parents:
            target = target[part]
        if draw(st.booleans()):
            del target[last]
        else:
            target[last] = draw(wrong_values)
    return doc


def encode(source: str, doc: Any) -> bytes:
    body = ap.alertmanager_body(doc) if source == "alertmanager" else ap.json_body(doc)
    body = body.replace(json.dumps(DEEP).encode(), b"[" * 5000 + b"]" * 5000)
    return body.replace(NON_UTF8.encode(), b"\xff\xfe\xc3(")


# Whole-request changes: the body bytes, the headers, the credential.
REQUEST_CHANGES = [
    *["none"] * 10,
    "oversize",
    "huge",
    "cut",
    "form",
    "wrong token",
    "no token",
    "token in query",
]


def request(source: str, body: bytes, change: str) -> tuple[bytes, dict[str, str], dict[str, str]]:
    headers, query = ap.request_parts(None if source == "pagerduty" else TOKEN)
    if change == "oversize":  # just over the intake's 256 KB
        body = body[:-1] + b" " * (256 * 1024 - len(body) + 1) + body[-1:]
    elif change == "huge":  # over the web front's limit for the route too
        body = body[:-1] + b" " * 2_000_000 + body[-1:]
    elif change == "cut":
        body = body[: len(body) // 2]
    elif change == "form":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif change == "wrong token":
        if source == "pagerduty":
            body = body.replace(PD_KEY.encode(), b"R0WRONG" + PD_KEY[7:].encode())
        else:
            headers["Authorization"] = "Bearer " + TOKEN + "x"
    elif change == "no token":
        if source == "pagerduty":
            body = body.replace(PD_KEY.encode(), b"")
        else:
            headers.pop("Authorization")
    elif change == "token in query" and source != "pagerduty":
        headers.pop("Authorization")
        query["token"] = TOKEN
    return body, headers, query


# --------------------------------------------------------------------------- the checks


def table_counts(app: Harness) -> dict[str, int]:
    with app.container.sessions() as s:
        return {
            t.name: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in Base.metadata.sorted_tables
        }


def snapshot(app: Harness) -> dict[str, Any]:
    """Every row of every table an alert may not touch, and the counts of the others."""
    with app.container.sessions() as s:
        return {
            t.name: sorted(map(repr, s.execute(select(t)).all()))
            for t in Base.metadata.sorted_tables
        }


def failed_posts(app: Harness) -> list[tuple[str, str | None]]:
    with app.container.sessions() as s:
        rows = s.execute(
            select(OutboxMessage.kind, OutboxMessage.last_error).where(
                OutboxMessage.failed_at.is_not(None)
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


def check_alert(
    app: Harness,
    client: httpx.Client,
    log: pytest.LogCaptureFixture,
    source: str,
    body: bytes,
    headers: dict[str, str],
    query: dict[str, str],
) -> httpx.Response:
    app.settle()
    start, logged, before = len(app.fake.calls), len(log.records), snapshot(app)
    resp = client.post(f"/hooks/alerts/{source}", content=body, headers=headers, params=query)
    tally(f"answered {resp.status_code}")
    if resp.status_code >= 400:
        tally(f"refused: {resp.json().get('field') or resp.json().get('errors')}")
    assert resp.status_code < 500, resp.text[:300]
    assert TOKEN not in resp.text and PD_KEY not in resp.text
    _check(app, start, resp)  # no raw markup in any Slack call, every escalation whole
    errors = [r.getMessage()[:200] for r in log.records[logged:] if r.levelno >= logging.ERROR]
    assert errors == []
    after = snapshot(app)
    changed = sorted(t for t in after if after[t] != before[t])
    if resp.status_code >= 400:  # refused: nothing changed, nothing sent
        assert changed == [], changed
        assert app.fake.calls[start:] == []
        return resp
    tally(f"changed {changed}")
    assert set(changed) <= MAY_CHANGE, changed
    assert failed_posts(app) == []  # Slack accepted every post the alert queued
    with app.container.sessions() as s:
        orphans = s.scalar(
            select(func.count(Escalation.id)).where(
                Escalation.source == "alert_webhook",
                ~Escalation.id.in_(select(AlertLink.escalation_id)),
            )
        )
        assert orphans == 0, "an alert escalation without its alert link"
    return resp


# --------------------------------------------------------------------------- the properties


def later(app: Harness) -> None:
    """Move the app's clock past the storm window: the next alert is not part of a storm."""
    app.clock.set((app.clock.at or datetime.now(UTC)) + STORM_WINDOW + timedelta(seconds=1))


@SETTINGS
@given(
    data=st.data(),
    source=st.sampled_from(SOURCES),
    change=st.sampled_from(REQUEST_CHANGES),
    apart=st.booleans(),
)
def test_any_alert_body(
    app: Harness,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
    source: str,
    change: str,
    apart: bool,
) -> None:
    """Storms (3 new alerts within a minute: one roll-up listing them) happen when the examples
    come close together, and not otherwise (each roll-up edit waits a second to coalesce)."""
    doc = data.draw(mutated(source), label="document")
    tally(f"request: {change}")
    if apart:
        later(app)
    body, headers, query = request(source, encode(source, doc), change)
    check_alert(app, client, caplog, source, body, headers, query)


@settings(SETTINGS, max_examples=20)
@given(
    source=st.sampled_from(SOURCES),
    title=hostile_text.map(lambda t: "Alert " + t[:5000]),  # PagerDuty needs a summary
    text=hostile_text.map(lambda t: "on " + t[:5000]),  # and a source
)
@example(source="generic", title="<!channel> *Backup failed*", text="<@U01TECH1> <http://x|y>")
@example(source="pagerduty", title="<!channel> disk full", text="<!here> *now*")
def test_an_accepted_alert_with_hostile_text_is_posted_escaped(
    app: Harness,
    client: httpx.Client,
    caplog: pytest.LogCaptureFixture,
    source: str,
    title: str,
    text: str,
) -> None:
    """Slack's own shapes with hostile text: accepted, stored whole, posted escaped (a new
    alert each time, so each is a new escalation with its own lane post)."""
    key = uuid.uuid4().hex
    doc = {
        "alertmanager": lambda: ap.alertmanager_notification(
            [
                ap.alertmanager_alert(
                    title,
                    labels={"client": text, "instance": title},
                    annotations={"summary": title, "description": text},
                    fingerprint_=key[:16],
                )
            ]
        ),
        "pagerduty": lambda: ap.pagerduty_trigger(
            PD_KEY,
            summary=title,
            source=text,
            dedup_key=key,
            custom_details={"client": text, "x": title},
        ),
        "ninjaone": lambda: ap.ninjaone_activity(
            series_uid=key, source_name=title, message=text, system_name=text
        ),
        "generic": lambda: ap.generic_alert(
            key, title=title, description=text, client=text, device=title
        ),
    }[source]()
    body, headers, query = request(source, encode(source, doc), "none")
    later(app)  # never a storm: each alert has its own post to look at
    app.settle()
    start = len(app.fake.calls)
    resp = check_alert(app, client, caplog, source, body, headers, query)
    assert resp.status_code in (200, 202), resp.text[:300]
    posted = [
        c.args
        for c in app.fake.calls[start:]
        if c.method == "chat.postMessage" and c.args.get("channel") == "C01ESC"
    ]
    assert posted, "an accepted alert was posted nowhere"
    if "<!channel>" in title[:100] and NON_UTF8 not in title[:100]:
        assert "&lt;!channel&gt;" in json.dumps(posted, ensure_ascii=False)  # shown, escaped


def _ninja_without_device_names() -> dict[str, Any]:
    activity = ap.ninjaone_activity(series_uid="edge-1")
    del activity["device"]
    activity["deviceId"] = "9" * 255  # an id at the intake's limit, and no name to show
    return activity


def _pd_at_the_limits() -> dict[str, Any]:
    event = ap.pagerduty_trigger(PD_KEY, dedup_key="d" * 255, source="s" * 5000)
    event["payload"]["custom_details"] = {"client": "c" * 5000, "deep": ap_nested(25)}
    return event


def ap_nested(depth: int) -> Any:
    value: Any = "<!channel>"
    for _ in range(depth):
        value = {"k": value}
    return value


def _generic_at_the_limits() -> dict[str, Any]:
    alert = ap.generic_alert("g" * 255, client="<!here>" * 100, device="d" * 5000)
    alert["delivery_id"] = "i" * 255
    alert.update({f"label{n}": "<!channel>" * 200 for n in range(100)})
    return alert


def _alertmanager_at_the_limits() -> dict[str, Any]:
    alert = ap.alertmanager_alert(
        "a" * 5000,
        labels={"client": "<!channel>" * 100, "instance": "i" * 5000, "x" * 200: "long key"},
        annotations={"summary": "", "description": "<@U0EVIL>" * 1000},
        fingerprint_="f" * 255,
        starts_at_nanos=999_999_999,
    )
    return ap.alertmanager_notification([alert], group_by=("alertname",), truncated_alerts=7)


def _alertmanager_storm() -> dict[str, Any]:
    alerts = [
        ap.alertmanager_alert(
            f"Disk{n}",
            labels={"client": "<!channel> Acme", "instance": f"<@U0EVIL> fs{n}"},
            annotations={"summary": f"<!here> *disk {n}* <https://evil.example|full>"},
        )
        for n in range(5)
    ]
    return ap.alertmanager_notification(alerts, group_by=("client",))


EDGES = {
    "alertmanager-storm": ("alertmanager", _alertmanager_storm),
    "ninjaone-long-device-id": ("ninjaone", _ninja_without_device_names),
    "pagerduty-at-the-limits": ("pagerduty", _pd_at_the_limits),
    "generic-at-the-limits": ("generic", _generic_at_the_limits),
    "alertmanager-at-the-limits": ("alertmanager", _alertmanager_at_the_limits),
    "alertmanager-empty-group": ("alertmanager", lambda: ap.alertmanager_notification([])),
    "generic-not-utf8": (  # bytes no UTF-8 decoder takes, in the title: replaced, still counted
        "generic",
        lambda: ap.generic_alert(title=f"Backup {NON_UTF8} failed <!channel>", client=NON_UTF8),
    ),
}


@pytest.mark.parametrize("name", list(EDGES))
def test_a_body_at_the_intake_limits_is_accepted_and_stored_whole(
    app: Harness, client: httpx.Client, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """Identities at their 255-character limit and free text far over its cap: accepted (text
    is cut, not refused), stored whole on both databases, posted escaped."""
    source, build = EDGES[name]
    body, headers, query = request(source, encode(source, build()), "none")
    resp = check_alert(app, client, caplog, source, body, headers, query)
    assert resp.status_code in (200, 202), resp.text[:300]
    created = {"alertmanager-empty-group": 0, "alertmanager-storm": 5}.get(name, 1)
    assert len(app.escalations()) == created
    if name == "generic-not-utf8":
        assert app.escalations()[0].summary.startswith("Backup \ufffd")
    if name == "alertmanager-storm":  # one roll-up lists them all, escaped like the rest
        with app.container.sessions() as s:
            assert s.scalar(select(func.count(AlertRollup.id))) == 1
