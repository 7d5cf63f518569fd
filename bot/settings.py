"""Settings from the environment (12-factor), with a ``.env`` file read when present."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def normalize_database_url(url: str) -> str:
    """Accept the ``postgres://`` / ``postgresql://`` URLs hosts hand out; name the driver we ship.

    SQLAlchemy refuses ``postgres://`` and picks a driver for bare ``postgresql://`` that depends
    on its version, so both become ``postgresql+psycopg://`` (psycopg 3, a dependency).
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///lanekeeper.db"
    lanekeeper_config: str = "lanekeeper.yaml"
    port: int = Field(default=3000, ge=1, le=65535)
    # Bolt's default listener pool of 5 threads misses Slack's 3 s ack under load (PITFALLS).
    lanekeeper_listener_threads: int = Field(default=64, ge=1, le=1024)
    lanekeeper_web_threads: int = Field(default=32, ge=1, le=1024)
    # Worker processes of `lanekeeper serve` (the hosting convention; Heroku sets it): above 1,
    # gunicorn runs that many, each with its own threads, pool and outbox deliverer.
    web_concurrency: int = Field(default=1, ge=1, le=64)
    # Outbox delivery threads: each Slack call waits ~100 ms on the network.
    lanekeeper_delivery_threads: int = Field(default=4, ge=1, le=256)
    # Who sends the outbox: "inline", every `serve` process beside its web threads (the
    # default); "separate", `serve` only stores posts and `lanekeeper deliver` sends them
    # (woken by NOTIFY on PostgreSQL, polling on SQLite), off the process that acks Slack;
    # "worker", `serve` also only stores Slack's events, clicks and slash commands and acks
    # them at once, and `lanekeeper deliver` handles them too (bot/adapters/inbox.py).
    lanekeeper_delivery: Literal["inline", "separate", "worker"] = "inline"
    # How much `lanekeeper deliver` lowers its own CPU priority (Unix nice, 0-19). Where it
    # shares cores with `serve`, acks (Slack gives up at 3 s) then go before the work behind
    # them (a reply has 1 s); alone on its host it changes nothing.
    lanekeeper_deliver_nice: int = Field(default=10, ge=0, le=19)
    lanekeeper_log_level: str = "INFO"
    lanekeeper_log_format: Literal["plain", "json"] = "plain"
    # GET /metrics answers only with this bearer token; unset: no /metrics at all.
    lanekeeper_metrics_token: str | None = None
    # Alert webhooks (POST /hooks/alerts/<source>): a source is on when its token is set.
    lanekeeper_alert_token_alertmanager: str | None = None
    lanekeeper_alert_token_pagerduty: str | None = None
    lanekeeper_alert_token_ninjaone: str | None = None
    lanekeeper_alert_token_generic: str | None = None

    @field_validator("database_url")
    @classmethod
    def _normalize(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("slack_api_url")
    @classmethod
    def _slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"
