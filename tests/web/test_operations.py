"""/metrics behind its token, and log lines (plain or JSON) that never carry a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.db import upgrade
from bot.bootstrap import Container, build
from bot.config.loader import load_config
from bot.logs import configure
from bot.settings import Settings
from tests.conftest import FIXTURES
from tests.web.test_front import call


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    settings = Settings(
        database_url=url,
        slack_signing_secret="s",
        slack_bot_token="xoxb-x",
        lanekeeper_metrics_token="metrics-s3cret",
    )
    c = build(settings, config=load_config(FIXTURES / "lanes.yaml"))
    yield c
    c.close()


def raw(app: object, path: str, auth: str | None) -> tuple[int, str]:
    import io

    seen: dict[str, int] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "wsgi.input": io.BytesIO(),
    }
    if auth:
        environ["HTTP_AUTHORIZATION"] = auth
    body = b"".join(app(environ, start_response))  # type: ignore[operator]
    return seen["status"], body.decode()


def _counted(text: str, line: str) -> float:
    """The value of the sample ``line`` names (``name{labels}``) in a scrape, 0 when absent."""
    for row in text.splitlines():
        if row.startswith(line + " "):
            return float(row.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_need_the_token_and_count_requests(container: Container) -> None:
    app = container.web_app(token_verification=False)
    healthz = 'lanekeeper_http_requests_total{route="/healthz",status="200"}'
    refused = 'lanekeeper_http_requests_total{route="/metrics",status="401"}'
    before = raw(app, "/metrics", "Bearer metrics-s3cret")[1]
    assert raw(app, "/metrics", None)[0] == 401
    assert raw(app, "/metrics", "Bearer wrong")[0] == 401
    assert call(app, "GET", "/healthz")[0] == 200
    status, text = raw(app, "/metrics", "Bearer metrics-s3cret")
    assert status == 200
    assert _counted(text, healthz) - _counted(before, healthz) == 1
    assert _counted(text, refused) - _counted(before, refused) == 2
    assert "lanekeeper_outbox_pending 0.0" in text
    assert "lanekeeper_outbox_oldest_pending_seconds 0.0" in text
    assert "lanekeeper_http_request_seconds_bucket" in text
    assert "metrics-s3cret" not in text


def test_no_metrics_route_without_a_token(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'n.db'}",
        slack_signing_secret="s",
        slack_bot_token="xoxb-x",
    )
    c = build(settings, config=load_config(FIXTURES / "lanes.yaml"))
    try:
        assert raw(c.web_app(token_verification=False), "/metrics", "Bearer x")[0] == 404
    finally:
        c.close()


ENV = {
    "SLACK_BOT_TOKEN": "xoxb-1234-abcdefSECRET",
    "CONNECTWISE_PRIVATE_KEY": "PRIVcw9zR4vW",
    "LANEKEEPER_ALERT_TOKEN_GENERIC": "alert-tok-777",
    "DATABASE_URL": "postgresql://lk:db-pass-99@db.internal:5432/lk",
}


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_log_lines_never_carry_a_secret(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    configure(level="INFO", fmt=fmt, env=ENV)
    log = logging.getLogger("bot.test")
    log.warning(
        "posting with %s to https://x.example/hooks/alerts/generic?token=alert-tok-777 key %s",
        ENV["SLACK_BOT_TOKEN"],
        ENV["CONNECTWISE_PRIVATE_KEY"],
    )
    try:
        raise RuntimeError("connect failed: password db-pass-99 refused")
    except RuntimeError:
        log.exception("database down")
    err = capsys.readouterr().err
    for secret in ("abcdefSECRET", "PRIVcw9zR4vW", "alert-tok-777", "db-pass-99"):
        assert secret not in err, (secret, err)
    lines = [line for line in err.splitlines() if line.strip()]
    if fmt == "json":
        records = [json.loads(line) for line in lines]
        assert [r["level"] for r in records] == ["WARNING", "ERROR"]
        assert records[1]["logger"] == "bot.test" and "RuntimeError" in records[1]["exception"]
    else:
        assert "WARNING bot.test: posting with" in lines[0]


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_slack_tokens_no_setting_names_are_redacted_by_their_shape(
    fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Tokens Slack issues at an install (slack_sdk logs oauth.v2.access's answer at DEBUG)."""
    configure(level="DEBUG", fmt=fmt, env={})
    issued = {
        "access_token": "xoxe.xoxb-1-T0ALPHA-1-abcdef0123456789",
        "refresh_token": "xoxe-1-T0ALPHA-1-0123456789abcdefghij",
        "app": "xapp-1-A0LANE-1-0123456789",
        "user": "xoxp-1111-2222-3333-abcdef",
    }
    logging.getLogger("slack_sdk.web.base_client").debug("Received: %s", issued)
    err = capsys.readouterr().err
    for token in issued.values():
        assert token not in err, err
    assert err.count("[redacted]") == 4
