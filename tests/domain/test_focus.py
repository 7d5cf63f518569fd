from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.focus import parse_focus

NOW = datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # 10:00 in Chicago


def test_durations() -> None:
    assert parse_focus("90m", now=NOW, tz="America/Chicago").ends_at == datetime(
        2026, 11, 23, 17, 30, tzinfo=UTC
    )
    assert parse_focus("1h 30m", now=NOW, tz="UTC").ends_at == datetime(
        2026, 11, 23, 17, 30, tzinfo=UTC
    )
    assert parse_focus("start", now=NOW, tz="UTC").kind == "start"


def test_until_a_time_in_the_persons_timezone() -> None:
    r = parse_focus("until 14:00", now=NOW, tz="America/Chicago")
    assert r.ends_at == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    r = parse_focus("until 2pm", now=NOW, tz="America/Chicago")
    assert r.ends_at == datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    # 09:00 has passed today: the next 09:00 is tomorrow, 23 hours away, past the 12h cap.
    with pytest.raises(InvalidInput, match="at most 12h"):
        parse_focus("until 9:00", now=NOW, tz="America/Chicago")


def test_off_and_status() -> None:
    assert parse_focus("off", now=NOW, tz="UTC").kind == "off"
    assert parse_focus("", now=NOW, tz="UTC").kind == "status"


@pytest.mark.parametrize("text", ["forever", "13h", "2d", "until 25:00", "until 13pm", "-5m"])
def test_bad_input_is_explained(text: str) -> None:
    with pytest.raises(InvalidInput, match="/focus"):
        parse_focus(text, now=NOW, tz="UTC")
