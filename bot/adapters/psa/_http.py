"""One HTTP call to a PSA with retries: timeouts, refused connections, 429 and 5xx are retried
with exponential backoff, honouring ``Retry-After``; refused credentials are never retried.
Nothing logged or raised here carries a secret (see :func:`~bot.adapters.psa.base.redact`)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypedDict

import httpx

from .base import (
    DEFAULT_WAITING_STATUSES,
    PsaAuthError,
    PsaConfigError,
    PsaError,
    PsaUnavailable,
    Source,
    names_casefold,
    redact,
    redact_url,
)

log = logging.getLogger(__package__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, kw_only=True, slots=True)
class RetryPolicy:
    attempts: int = 5  # calls in all, the first included
    base_delay: float = 1.0  # seconds; doubled after each failure
    max_delay: float = 60.0  # backoff cap when the PSA gives no Retry-After
    max_retry_after: float = 600.0  # a longer Retry-After ends the run: the clock comes back


DEFAULT_RETRY = RetryPolicy()


def retry_after_seconds(value: str | None, *, now: Callable[[], float] = time.time) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now())


def server_date(response: httpx.Response) -> datetime | None:
    """The response's ``Date`` header (the PSA's clock), for the run's high-water mark."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class PsaHttp:
    """The connectors' HTTP: counts requests, retries what is transient, classifies refusals."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        source: str,
        secrets: Callable[[], Iterable[str]],
        retry: RetryPolicy,
        sleep: Callable[[float], None],
        timeout: float,
    ) -> None:
        self._client = client
        self._source = source
        self._secrets = secrets
        self._retry = retry
        self._sleep = sleep
        self._timeout = timeout
        self.requests = 0

    def safe(self, text: str) -> str:
        return redact(text, self._secrets())

    def safe_url(self, url: str | httpx.URL) -> str:
        return redact_url(str(url), self._secrets())

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        server_error_is_auth: bool = False,
        what: str = "",
    ) -> httpx.Response:
        """Send, retrying what is transient; return a 2xx response or raise a :class:`PsaError`.

        ``server_error_is_auth``: a 500 means the credentials were refused (Autotask's first
        signed-in call), so it is raised as :class:`PsaAuthError` at once, not retried.
        """
        label = what or method
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            wait: float | None
            try:
                response = self._client.request(
                    method,
                    url,
                    headers=headers,
                    params=params,
                    json=json,
                    data=data,
                    timeout=self._timeout,
                )
            except httpx.TimeoutException:
                problem, wait = "timed out", None
            except httpx.TransportError as exc:
                problem, wait = f"could not connect ({type(exc).__name__})", None
            else:
                status = response.status_code
                if status < 300:
                    return response
                where = self.safe_url(response.request.url)
                if status in (401, 403) or (server_error_is_auth and status == 500):
                    raise PsaAuthError(
                        f"{self._source}: credentials refused ({status} on {label} {where}); "
                        "check the API credentials — not retried"
                    )
                if status not in RETRYABLE:
                    detail = self.safe(response.text[:200].replace("\n", " "))
                    error = PsaConfigError if status in (400, 404, 405, 422) else PsaError
                    raise error(f"{self._source}: {label} {where} answered {status}: {detail}")
                problem = f"answered {status}"
                wait = retry_after_seconds(response.headers.get("retry-after"))
                if wait is not None and wait > self._retry.max_retry_after:
                    raise PsaUnavailable(
                        f"{self._source}: {label} {where} {problem} and asks to wait "
                        f"{wait:.0f}s; giving up until the next run"
                    )
            if attempt >= self._retry.attempts:
                raise PsaUnavailable(
                    f"{self._source}: {label} {self.safe_url(url)} {problem} "
                    f"{attempt} times; giving up until the next run"
                )
            if wait is None:
                wait = min(self._retry.max_delay, self._retry.base_delay * 2 ** (attempt - 1))
            log.warning(
                "%s: %s %s %s; retrying in %.1fs (attempt %d of %d)",
                self._source,
                label,
                self.safe_url(url),
                problem,
                wait,
                attempt,
                self._retry.attempts,
            )
            self._sleep(wait)


__all__ = ["PsaError", "PsaHttp", "RetryPolicy", "retry_after_seconds", "server_date"]


class ConnectorOptions(TypedDict, total=False):
    """What every connector takes besides its site, credentials and mapped names, each with the
    same default (see :class:`HttpConnector`)."""

    waiting_statuses: Collection[str]
    page_size: int
    overlap: timedelta
    retry: RetryPolicy
    sleep: Callable[[float], None]
    timeout: float


class HttpConnector:
    """What every connector sets up alike: its site URL, the status names that mean "waiting on
    the client", its page size (the PSA's cap unless smaller), the overlap of incremental syncs,
    and its :class:`PsaHttp` (whose ``secrets`` are read at each redaction, so they may change)."""

    def __init__(
        self,
        *,
        source: Source,
        client: httpx.Client,
        url: str,
        max_page_size: int,
        secrets: Callable[[], Iterable[str]],
        waiting_statuses: Collection[str] = DEFAULT_WAITING_STATUSES,
        page_size: int | None = None,
        overlap: timedelta = timedelta(seconds=60),
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        self._source: Source = source
        self._url = url.rstrip("/")
        self._waiting = names_casefold(waiting_statuses)
        wanted = max_page_size if page_size is None else page_size
        self._page_size = max(1, min(wanted, max_page_size))
        self._overlap = overlap
        self.http = PsaHttp(
            client, source=source, secrets=secrets, retry=retry, sleep=sleep, timeout=timeout
        )

    @property
    def source(self) -> Source:
        return self._source
