"""The intake's common parts: credentials, the JSON reader, text, links, timestamps, redaction."""

from __future__ import annotations

import hmac
import json
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.adapters.alerts import (
    AlertRejected,
    RedactingFilter,
    answer,
    answer_error,
    parse_request,
    redact_text,
    redact_url,
    tokens_from_env,
)
from bot.adapters.alerts.base import (
    ELLIPSIS,
    clean_text,
    epoch_to_utc,
    is_go_zero,
    normalize_severity,
    parse_timestamp,
    safe_url,
    token_matches,
    truncate,
)
from bot.testing import alert_payloads as ap

TOKEN = "s3cr3t-Alert-Token-0123456789abcdef"
PD_KEY = "R0UT1NGKEY0123456789ABCDEFabcdef"
TOKENS = {"alertmanager": TOKEN, "ninjaone": TOKEN, "generic": TOKEN, "pagerduty": PD_KEY}
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def generic_body() -> bytes:
    return ap.json_body(ap.generic_alert())


def post(
    source: str,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    tokens: dict[str, str] | None = None,
):
    return parse_request(
        source,
        headers=headers if headers is not None else {"Content-Type": "application/json"},
        query=query or {},
        body=body,
        tokens=TOKENS if tokens is None else tokens,
        now=NOW,
    )


def refused(source: str, body: bytes, **kwargs) -> AlertRejected:
    with pytest.raises(AlertRejected) as caught:
        post(source, body, **kwargs)
    return caught.value


# --- sources and tokens -----------------------------------------------------------------------------


def test_tokens_from_env_reads_the_four_sources_and_skips_blank_ones():
    environ = {
        "LANEKEEPER_ALERT_TOKEN_ALERTMANAGER": "am-token",
        "LANEKEEPER_ALERT_TOKEN_PAGERDUTY": " pd-key \n",
        "LANEKEEPER_ALERT_TOKEN_NINJAONE": "   ",
        "LANEKEEPER_ALERT_TOKEN_ZABBIX": "not-a-source",
        "SLACK_BOT_TOKEN": "xoxb-unrelated",
    }
    assert tokens_from_env(environ) == {"alertmanager": "am-token", "pagerduty": "pd-key"}
    assert tokens_from_env({}) == {}


def test_unknown_source_is_404_without_echoing_it():
    error = refused("zabbix<script>", generic_body())
    assert (error.status, error.field) == (404, "source")
    assert "zabbix" not in str(error)


@pytest.mark.parametrize("source", ["alertmanager", "pagerduty", "ninjaone", "generic"])
def test_a_source_without_a_token_is_switched_off(source):
    tokens = {k: v for k, v in TOKENS.items() if k != source}
    error = refused(source, generic_body(), tokens=tokens)
    assert error.status == 404
    error = refused(source, generic_body(), tokens={**tokens, source: ""})
    assert error.status == 404


def test_bearer_token_is_accepted_and_header_names_are_case_insensitive():
    headers = {"content-type": "application/json", "AUTHORIZATION": f"bearer {TOKEN}"}
    result = post("generic", generic_body(), headers=headers)
    assert len(result.events) == 1


def test_query_token_is_accepted_for_senders_without_headers():
    result = post(
        "generic",
        generic_body(),
        headers={"Content-Type": "application/json"},
        query={"token": TOKEN},
    )
    assert result.events[0].key == "datto-7f31c2"


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({}, {}),
        ({"Authorization": "Bearer wrong"}, {}),
        ({"Authorization": f"Basic {TOKEN}"}, {}),
        ({"Authorization": "Bearer"}, {}),
        ({"Authorization": f"Bearer {TOKEN}x"}, {}),
        ({"Authorization": f"Bearer {TOKEN[:-1]}"}, {}),
        ({}, {"token": "wrong"}),
        ({}, {"token": ""}),
        ({}, {"access_token": TOKEN}),
        ({"Authorization": "Bearer \udcff\u00e9"}, {}),
    ],
)
@pytest.mark.parametrize("source", ["alertmanager", "ninjaone", "generic"])
def test_wrong_or_missing_credentials_are_401_and_never_echoed(source, headers, query):
    error = refused(
        source, generic_body(), headers={"Content-Type": "application/json", **headers}, query=query
    )
    assert error.status == 401
    assert error.field == "Authorization"
    for text in (
        str(error),
        repr(error),
        json.dumps(error.body()),
        json.dumps(answer_error(source, error)[1]),
    ):
        assert TOKEN not in text
        assert "wrong" not in text


def test_authentication_comes_before_the_body_is_read():
    error = refused("generic", b"\x00not json at all", headers={"Content-Type": "text/xml"})
    assert error.status == 401
    error = refused("generic", b"x" * 10_000_000, headers={})
    assert error.status == 401


def test_tokens_are_compared_with_hmac_compare_digest(monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    post("generic", generic_body(), headers={"Authorization": f"Bearer {TOKEN}"})
    assert len(calls) == 1
    refused("alertmanager", b"{}", headers={"Authorization": "Bearer nope"})
    assert len(calls) == 2
    refused("pagerduty", ap.json_body(ap.pagerduty_resolve("nope", "k")))
    assert len(calls) == 3
    post("pagerduty", ap.json_body(ap.pagerduty_resolve(PD_KEY, "k")))
    assert len(calls) == 4
    # digests of equal length are compared: the token's length does not leak
    assert all(len(a) == len(b) == 32 for a, b in calls)


def test_a_refused_check_always_compares_and_returns_false_when_empty():
    assert token_matches(TOKEN, TOKEN)
    assert not token_matches("", "")
    assert not token_matches(None, TOKEN)
    assert not token_matches("ü" * 3, TOKEN)


def test_both_header_and_query_token_are_checked():
    # a wrong header with the right query token still passes: either credential is enough
    result = post(
        "generic",
        generic_body(),
        headers={"Authorization": "Bearer stale"},
        query={"token": TOKEN},
    )
    assert result.events


# --- the body -----------------------------------------------------------------------------------------


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def test_json_content_types_are_accepted():
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        "text/plain",
        "application/vnd.acme+json",
    ):
        headers = {**auth(), "Content-Type": content_type}
        assert post("generic", generic_body(), headers=headers).events
    headers = {"Authorization": f"Bearer {TOKEN}"}  # no content type at all
    assert post("generic", generic_body(), headers=headers).events


def test_a_bom_and_bytes_that_are_not_utf8_do_not_lose_the_alert():
    body = b"\xef\xbb\xbf" + generic_body().replace(b"Backup job", b"Backup \xff\xfe job")
    event = post("generic", body, headers=auth()).events[0]
    assert event.title is not None and event.title.startswith("Backup \ufffd\ufffd job")


def test_body_limit_is_413_and_can_be_set():
    small = generic_body()
    error = refused("generic", small + b" " * 300 * 1024, headers=auth())
    assert (error.status, error.field) == (413, "body")
    with pytest.raises(AlertRejected) as caught:
        parse_request("generic", headers=auth(), query={}, body=small, tokens=TOKENS, max_body=64)
    assert (caught.value.status, caught.value.field) == (413, "body")


# --- answers ----------------------------------------------------------------------------------------


def test_answers():
    result = post("generic", generic_body(), headers=auth())
    assert answer(result) == (200, {"ok": True, "accepted": 1})
    ignored = post("ninjaone", ap.json_body(ap.ninjaone_ignored_activity()), headers=auth())
    status, body = answer(ignored)
    assert status == 200 and body["accepted"] == 0 and body["ignored"]
    error = AlertRejected(400, "alerts[2].fingerprint", "is required")
    assert answer_error("alertmanager", error) == (
        400,
        {"error": "invalid alert", "field": "alerts[2].fingerprint", "reason": "is required"},
    )
    assert str(error) == "alerts[2].fingerprint: is required"
    json.dumps(answer_error("pagerduty", error))


# --- text, links, timestamps, severities ------------------------------------------------------------


def test_clean_text_strips_nul_controls_and_lone_surrogates_but_keeps_the_rest():
    assert clean_text("a\x00b\ud800c\udfffd\x07e\tf\ng") == "abcde\tf\ng"
    assert clean_text("😀 <!channel> <@U123|x> &amp; é") == "😀 <!channel> <@U123|x> &amp; é"


def test_truncate_adds_an_ellipsis():
    assert truncate("abc", 3) == "abc"
    cut = truncate("x" * 500, 300)
    assert len(cut) == 300 and cut.endswith(ELLIPSIS)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://grafana.example.net/d/abc?from=now-1h&to=now",
            "https://grafana.example.net/d/abc?from=now-1h&to=now",
        ),
        ("HTTP://Example.net/x", "http://Example.net/x"),
        ("  https://example.net/  ", "https://example.net/"),
        ("https://user:pass@example.net/x", "https://example.net/x"),
        ("https://example.net/a|b<c>", "https://example.net/a%7Cb%3Cc%3E"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("java\tscript:alert(1)", None),
        ("data:text/html,<script>", None),
        ("file:///etc/passwd", None),
        ("ftp://example.net/x", None),
        ("//example.net/x", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://[::1", None),
        ("https://example.net:99999999999/", None),
        ("https://exa mple.net/", None),
        ("https://example.net/" + "a" * 3000, None),
        ("", None),
    ],
)
def test_safe_url(url, expected):
    assert safe_url(url) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-06T09:12:31Z", datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)),
        ("2024-05-06T09:12:31.1Z", datetime(2024, 5, 6, 9, 12, 31, 100_000, tzinfo=UTC)),
        ("2024-05-06T09:12:31.123456789Z", datetime(2024, 5, 6, 9, 12, 31, 123_456, tzinfo=UTC)),
        ("2024-05-06T11:12:31.98765+02:00", datetime(2024, 5, 6, 9, 12, 31, 987_650, tzinfo=UTC)),
        ("2024-05-06t04:12:31-0500", datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)),
        ("2024-05-06 09:12:31z", datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)),
    ],
)
def test_timestamps_with_0_to_9_fraction_digits(text, expected):
    parsed = parse_timestamp(text, "t")
    assert parsed == expected and parsed.tzinfo is UTC


def test_go_zero_time_and_offsetless_times():
    zero = parse_timestamp("0001-01-01T00:00:00Z", "endsAt")
    assert is_go_zero(zero)
    with pytest.raises(AlertRejected) as caught:
        parse_timestamp("2024-05-06T09:12:31", "occurred_at")
    assert caught.value.field == "occurred_at" and "offset" in caught.value.reason
    assert parse_timestamp("2024-05-06T09:12:31", "x", require_offset=False).tzinfo is UTC
    for bad in (
        "0001-01-01T00:00:00+01:00",
        "2024-13-01T00:00:00Z",
        "2024-05-06T24:00:00Z",
        "2024-05-06T09:12:31+25:00",
        "yesterday",
        "",
        "2024-05-06T09:12:31Z" + " " * 80,
    ):
        with pytest.raises(AlertRejected):
            parse_timestamp(bad, "t")


def test_epoch_times():
    assert epoch_to_utc(1_714_986_751, "t") == datetime(2024, 5, 6, 9, 12, 31, tzinfo=UTC)
    assert epoch_to_utc(1_714_986_751_482, "t") == datetime(
        2024, 5, 6, 9, 12, 31, 482_000, tzinfo=UTC
    )
    for bad in (True, "1714986751", float("nan"), float("inf"), -1, 1e300, None, [1]):
        with pytest.raises(AlertRejected):
            epoch_to_utc(bad, "activityTime")


def test_severity_words():
    assert normalize_severity("CRITICAL") == "critical"
    assert normalize_severity(" page ") == "critical"
    assert normalize_severity("High") == "error"
    assert normalize_severity("warn") == "warning"
    assert normalize_severity("informational") == "info"
    assert normalize_severity("apocalyptic") is None
    assert normalize_severity(3) is None


def test_other_offsets_come_back_in_utc():
    moment = parse_timestamp("2024-05-06T09:12:31+05:30", "t")
    assert moment == datetime(
        2024, 5, 6, 9, 12, 31, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert moment.utcoffset() == timedelta(0)


# --- redaction ---------------------------------------------------------------------------------------


def test_redact_url_hides_tokens_in_query_and_userinfo():
    url = f"https://bot.example.net/hooks/alerts/ninjaone?x=1&token={TOKEN}&y=2#frag"
    redacted = redact_url(url)
    assert TOKEN not in redacted
    assert redacted == "https://bot.example.net/hooks/alerts/ninjaone?x=1&token=[redacted]&y=2#frag"
    assert TOKEN not in redact_url(f"/hooks/alerts/generic?TOKEN={TOKEN}")
    assert TOKEN not in redact_url(f"/hooks/alerts/generic?routing_key={TOKEN}")
    assert TOKEN not in redact_url(f"https://user:{TOKEN}@example.net/")
    assert redact_url("/hooks/alerts/generic") == "/hooks/alerts/generic"
    assert redact_url(None) == "None"
    # an access-log line with the request path in it
    line = f'10.0.0.5 - - "POST /hooks/alerts/generic?token={TOKEN} HTTP/1.1" 200'
    assert TOKEN not in redact_url(line)


def test_redact_text_and_logging_filter(caplog):
    assert redact_text(f"auth with {TOKEN} failed", [TOKEN]) == "auth with [redacted] failed"
    logger = logging.getLogger("test.alerts.redaction")
    logger.addFilter(RedactingFilter([TOKEN, PD_KEY]))
    try:
        with caplog.at_level(logging.INFO, logger=logger.name):
            logger.info("POST %s", f"/hooks/alerts/ninjaone?token={TOKEN}")
            logger.info("body had %s", PD_KEY)
    finally:
        logger.filters.clear()
    assert TOKEN not in caplog.text and PD_KEY not in caplog.text
    assert "token=[redacted]" in caplog.text
