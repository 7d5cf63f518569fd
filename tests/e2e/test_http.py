"""What reaches the HTTP endpoint that should not: bad signatures, stale requests, junk bodies."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import httpx

from tests.e2e.conftest import Harness, reply_text


def test_healthz(app: Harness) -> None:
    resp = httpx.get(app.url.replace("/slack/events", "/healthz"))
    assert resp.status_code == 200
    assert resp.json()["ok"] is True


def test_bad_signature_is_refused_and_changes_nothing(app: Harness) -> None:
    body = urlencode(
        {"command": "/lanes", "text": "", "user_id": "U01REQ", "team_id": "T0LANE"}
    ).encode()
    ts = str(int(time.time()))
    resp = httpx.post(
        app.url,
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert resp.status_code == 401
    assert app.escalations() == []


def test_stale_signature_is_refused(app: Harness) -> None:
    body = urlencode(
        {"command": "/lanes", "text": "", "user_id": "U01REQ", "team_id": "T0LANE"}
    ).encode()
    resp = app.slack.raw(
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
        timestamp=int(time.time()) - 600,
    )
    assert resp.status_code == 401


def test_malformed_payloads_get_400_and_the_app_keeps_serving(app: Harness) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for body, headers in [
        (b"payload=%7Bnot-json", form),
        (urlencode({"payload": json.dumps([1, 2])}).encode(), form),
        (urlencode({"payload": json.dumps({"type": "block_actions"})}).encode(), form),
        (b"\xff\xfe", form),
        (b"{", {"Content-Type": "application/json"}),
        (json.dumps({"type": "event_callback"}).encode(), {"Content-Type": "application/json"}),
        (b"hello=world", form),
    ]:
        resp = app.slack.raw(body, headers)
        assert resp.status_code == 400, (body, resp.status_code, resp.text)
        assert resp.json()["ok"] is False
    resp = app.slack.slash_command("/lanes", text="", user="U01REQ", channel="C01GENERAL")
    assert resp.status_code == 200
    assert app.escalations() == []


def test_oversized_command_text_is_refused_clearly(app: Harness) -> None:
    resp = app.slack.slash_command(
        "/escalate", text="x" * 4000, user="U01REQ", channel="C01GENERAL"
    )
    assert resp.status_code == 200
    assert "keep `/escalate` text under 3000" in reply_text(resp)
    assert app.fake.calls_to("views.open") == []


def test_url_verification_challenge(app: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"}).encode()
    resp = app.slack.raw(body, {"Content-Type": "application/json"})
    assert resp.status_code == 200
    assert resp.json()["challenge"] == "abc123"
