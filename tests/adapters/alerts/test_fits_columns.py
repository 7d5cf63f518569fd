"""Property: what the intake accepts fits the columns that keep it (issue 20, hostile input).

The alert service stores an event's ``key``, ``device``, ``url`` and ``delivery_id`` as they come
(only the title, client and details are cut there). A value longer than its column is refused by
PostgreSQL (SQLite keeps it), so the request would answer 503 and the sender retry it forever.
Each sender's real payload gets one string field replaced by a long one (at and around the
intake's limits, multi-byte too); whatever is accepted must fit the model's column lengths.
Found: a NinjaOne ``deviceId`` of 200+ characters with no device name made ``device <id>`` longer
than ``alert_links.device``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.adapters.alerts import AlertRejected, parse_request
from bot.adapters.models import AlertLink
from bot.testing import alert_payloads as ap

TOKEN = "fits-columns-token-0007"
PD_KEY = "PDROUTINGKEY0000000000000000FITS"
TOKENS = {"alertmanager": TOKEN, "ninjaone": TOKEN, "generic": TOKEN, "pagerduty": PD_KEY}
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)

COLUMNS = {  # AlertEvent field -> the column it is stored in unchanged
    "key": AlertLink.__table__.c.key,
    "device": AlertLink.__table__.c.device,
    "delivery_id": AlertLink.__table__.c.last_delivery,
}


def builders() -> dict[str, Any]:
    def ninja_without_names() -> dict[str, Any]:
        activity = ap.ninjaone_activity()
        del activity["device"]
        return activity

    return {
        "alertmanager": lambda: ap.alertmanager_notification([ap.alertmanager_alert()]),
        "pagerduty": lambda: ap.pagerduty_trigger(PD_KEY),
        "ninjaone": ap.ninjaone_activity,
        "ninjaone-no-device": ninja_without_names,
        "generic": lambda: {**ap.generic_alert(), "delivery_id": "d-1"},
    }


BUILDERS = builders()


def string_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every string or number leaf (ids are often numbers)."""
    found: list[tuple[Any, ...]] = []
    items: Any = (
        doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    )
    for key, value in items:
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            found.append((*prefix, key))
        else:
            found.extend(string_paths(value, (*prefix, key)))
    return found


def body_of(name: str, doc: Any) -> tuple[str, bytes]:
    source = name.split("-", 1)[0]
    if source == "alertmanager":
        return source, ap.alertmanager_body(doc)
    return source, ap.json_body(doc)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    data=st.data(),
    name=st.sampled_from(sorted(BUILDERS)),
    length=st.sampled_from([199, 200, 201, 250, 255, 256, 300, 5000]),
    char=st.sampled_from(["9", "x", "漢", "😀", "<"]),
)
@example(data=None, name="ninjaone-no-device", length=255, char="9")
def test_whatever_is_accepted_fits_its_columns(
    data: Any, name: str, length: int, char: str
) -> None:
    doc = copy.deepcopy(BUILDERS[name]())
    paths = string_paths(doc)
    path = data.draw(st.sampled_from(paths), label="field") if data is not None else ("deviceId",)
    *parents, last = path
    target: Any = doc
    for part in parents:
        target = target[part]
    if not (name == "pagerduty" and last == "routing_key"):  # the credential stays
        target[last] = char * length
    source, body = body_of(name, doc)
    headers, query = ap.request_parts(None if source == "pagerduty" else TOKEN)
    try:
        result = parse_request(
            source, headers=headers, query=query, body=body, tokens=TOKENS, now=NOW
        )
    except AlertRejected as refused:
        assert 400 <= refused.status < 500
        return
    for event in result.events:
        for field, column in COLUMNS.items():
            value = getattr(event, field)
            assert value is None or len(value) <= column.type.length, (  # type: ignore[attr-defined]
                f"{field} of {len(value)} characters for {column}"
            )
