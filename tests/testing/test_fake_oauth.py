"""The fake Slack's OAuth v2: a code is exchanged once with the app's credentials, each token
belongs to its workspace, and a refresh token is good once (bolt-python #663)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.testing.fake_slack import FakeSlack

CLIENT_ID, SECRET = "111.222", "s3cret"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id="T0ALPHA") as fake:
        fake.add_team("T0BETA", name="Beta")
        fake.add_oauth_app(CLIENT_ID, SECRET, token_rotation=True, expires_in=60)
        yield fake


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def test_a_code_is_exchanged_once_with_the_apps_credentials(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.api_url)
    code = fake.authorize(
        team_id="T0BETA", user="U02ADMIN", client_id=CLIENT_ID, scope="chat:write"
    )
    assert (
        error_of(lambda: client.oauth_v2_access(client_id=CLIENT_ID, client_secret="x", code=code))
        == "bad_client_secret"
    )
    assert (
        error_of(lambda: client.oauth_v2_access(client_id="9.9", client_secret=SECRET, code=code))
        == "invalid_client_id"
    )
    grant = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=code)
    assert grant["token_type"] == "bot" and grant["team"] == {"id": "T0BETA", "name": "Beta"}
    assert grant["authed_user"] == {"id": "U02ADMIN"} and grant["scope"] == "chat:write"
    assert grant["expires_in"] == 60 and grant["refresh_token"].startswith("xoxe-1-")
    assert (
        error_of(
            lambda: client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=code)
        )
        == "code_already_used"
    )
    assert (
        error_of(
            lambda: client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code="nope")
        )
        == "invalid_code"
    )
    auth = WebClient(token=grant["access_token"], base_url=fake.api_url).auth_test()
    assert auth["team_id"] == "T0BETA" and auth["bot_id"] == fake.bot_id
    assert fake.team_of_token(grant["access_token"]) == "T0BETA"


def test_a_refresh_token_is_good_once(fake: FakeSlack) -> None:
    client = WebClient(base_url=fake.api_url)
    code = fake.authorize(
        team_id="T0ALPHA", user="U01ADMIN", client_id=CLIENT_ID, scope="chat:write"
    )
    grant = client.oauth_v2_access(client_id=CLIENT_ID, client_secret=SECRET, code=code)

    def refresh() -> SlackResponse:
        return client.oauth_v2_access(
            client_id=CLIENT_ID,
            client_secret=SECRET,
            grant_type="refresh_token",
            refresh_token=grant["refresh_token"],
        )

    fresh = refresh()
    assert fresh["access_token"] != grant["access_token"]
    assert fresh["team"]["id"] == "T0ALPHA"
    assert error_of(refresh) == "invalid_refresh_token"
