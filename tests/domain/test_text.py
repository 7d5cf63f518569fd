from __future__ import annotations

from bot.domain.text import escape, plain_from_slack, truncate


def test_escape_neutralises_mentions_links_and_broadcasts() -> None:
    assert escape("<!channel> hi <@U123> <http://x|y> & co") == (
        "&lt;!channel&gt; hi &lt;@U123&gt; &lt;http://x|y&gt; &amp; co"
    )
    assert escape(None) == ""


def test_truncate_marks_the_cut() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"


def test_plain_from_slack_reads_like_the_client_shows_it() -> None:
    text = "<@U01TECH1|tina> check <#C01|desk> <https://acme.example/x|the portal> &lt;3 <!here>"
    assert (
        plain_from_slack(text) == "@tina check #desk the portal (https://acme.example/x) <3 @here"
    )


def test_plain_from_slack_names_unlabelled_mentions_when_told() -> None:
    assert (
        plain_from_slack("<@U1> can you check? cc <@U2>", {"U1": "Tina"})
        == "@Tina can you check? cc @U2"
    )
