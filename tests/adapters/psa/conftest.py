from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


class Sleeps(list[float]):
    """A ``sleep`` that records what it was asked to wait, and does not wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as c:
        yield c


def source_end() -> datetime:
    return NOW - timedelta(hours=1)
