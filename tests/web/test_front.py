"""The HTTP front as a WSGI app: routing, body limits, errors, and /healthz's schema check."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.db import upgrade
from bot.bootstrap import build
from bot.config.loader import load_config
from bot.settings import Settings
from bot.web import Request, Response, Route, WebApp
from tests.conftest import FIXTURES


def call(
    app: WebApp, method: str, path: str, body: bytes = b"", query: str = ""
) -> tuple[int, dict[str, Any]]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = int(status.split()[0])
        seen["headers"] = dict(headers)

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        "HTTP_AUTHORIZATION": "Bearer s3cret",
        "wsgi.input": io.BytesIO(body),
    }
    out = b"".join(app(environ, start_response))
    return seen["status"], json.loads(out) if out else {}


def echo(r: Request) -> Response:
    return Response.json(
        200,
        {
            "path": r.path,
            "q": dict(r.query),
            "auth": r.headers.get("authorization"),
            "n": len(r.body),
        },
    )


def boom(_r: Request) -> Response:
    raise RuntimeError("password=hunter2 at db.internal:5432")


APP = WebApp(
    [
        Route(frozenset({"POST"}), "/hooks/alerts/", handler=echo, max_body=10),
        Route(frozenset({"GET"}), "/boom", handler=boom),
    ]
)


def test_prefix_routes_get_the_parsed_request() -> None:
    status, body = call(APP, "POST", "/hooks/alerts/generic", b"{}", "token=x&a=1")
    assert status == 200
    assert body == {
        "path": "/hooks/alerts/generic",
        "q": {"token": "x", "a": "1"},
        "auth": "Bearer s3cret",
        "n": 2,
    }


def test_unknown_path_404_wrong_method_405_big_body_413() -> None:
    assert call(APP, "GET", "/nope")[0] == 404
    assert call(APP, "GET", "/hooks/alerts/generic")[0] == 405
    assert call(APP, "POST", "/hooks/alerts/generic", b"x" * 11)[0] == 413


def test_a_failing_handler_answers_500_with_an_id_and_no_detail(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        status, body = call(APP, "GET", "/boom")
    assert status == 500
    assert body["error"].startswith("internal error ")
    assert "hunter2" not in json.dumps(body) and "5432" not in json.dumps(body)
    assert body["error"].split()[-1] in caplog.text


def test_healthz_refuses_an_unmigrated_database_naming_the_fix(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    settings = Settings(database_url=url, slack_signing_secret="s", slack_bot_token="xoxb-x")
    container = build(settings, config=load_config(FIXTURES / "lanes.yaml"))
    try:
        app = container.web_app(token_verification=False)
        status, body = call(app, "GET", "/healthz")
        assert (status, body["ok"]) == (503, False)
        assert "lanekeeper db upgrade" in body["error"]
        upgrade(url)
        assert call(app, "GET", "/healthz") == (200, {"ok": True, "database": "sqlite"})
    finally:
        container.close()


def test_healthz_never_shows_the_driver_error(tmp_path: Path) -> None:
    url = "postgresql+psycopg://lanekeeper_role:pw@127.0.0.1:1/secretdb"
    settings = Settings(database_url=url, slack_signing_secret="s", slack_bot_token="xoxb-x")
    container = build(settings, config=load_config(FIXTURES / "lanes.yaml"))
    try:
        status, body = call(container.web_app(token_verification=False), "GET", "/healthz")
        assert (status, body) == (503, {"ok": False, "error": "database unavailable"})
    finally:
        container.close()
