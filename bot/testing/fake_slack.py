"""A fake Slack Web API: a real HTTP server on a free loopback port.

Point the real ``slack_sdk.WebClient`` (or Bolt) at it through ``base_url`` and read back what
Slack would have received::

    from slack_sdk import WebClient
    from . import FakeSlack

    with FakeSlack(bot_token="xoxb-test", team_id="T0LANE") as fake:
        fake.add_user("U01TECH1", name="tina", real_name="Tina Tech", tz="America/Chicago")
        fake.add_channel("C01DESK", name="desk", members=["U01TECH1"])
        client = WebClient(token="xoxb-test", base_url=fake.api_url)
        client.chat_postMessage(channel="C01DESK", text="hello")
        [call] = fake.wait_for("chat.postMessage")
        assert fake.messages("C01DESK")[-1]["text"] == "hello"

Only the standard library is used. Run ``python -m bot.testing.fake_slack --port 0`` to serve
one by hand.

What it refuses, the way Slack does (HTTP 200 with ``{"ok": false, "error": ...}``):

- ``unknown_method`` for a method not in Slack's method table (``slack_methods.json``);
  ``not_authed`` / ``invalid_auth`` for a missing / unknown token; ``invalid_arguments`` for a
  missing required argument; ``invalid_arg_name`` for an argument the table does not list
  (slack_sdk's few extras are allow-listed one by one in ``EXTRA_ARGS``).
- ``invalid_blocks`` for messages and ``invalid_arguments`` for views whose Block Kit breaks
  Slack's limits, each with ``response_metadata.messages`` naming the problem and its JSON
  pointer; ``msg_blocks_too_long`` past ~13k characters of blocks; ``no_text``.
- State errors: ``channel_not_found``, ``not_in_channel``, ``is_archived``,
  ``user_not_in_channel``, ``message_not_found``, ``cant_update_message``,
  ``thread_not_found``, ``user_not_found``, ``invalid_trigger_id``, ``expired_trigger_id``
  (older than 3 s), ``exchanged_trigger_id``, ``not_found``, ``hash_conflict``,
  ``duplicate_external_id``, ``already_reacted``, ``no_such_subteam``.

Like Slack it gives every block and interactive element lacking one a generated ``block_id`` /
``action_id`` in the stored message or view. Failures are injected with :meth:`FakeSlack.fail_next`
(HTTP 500, 429 with ``Retry-After``, or an ``ok: false`` error) and :meth:`FakeSlack.set_down`
(HTTP 503 until lifted); :meth:`FakeSlack.refuse` refuses a method or a channel for good (until
lifted), and :meth:`FakeSlack.answer_late` processes a call but answers it only after a delay
(past the client's timeout); ``latency`` seconds are added to every answer. Every call, failed or
not, is recorded whole as a :class:`RecordedCall`.

Where things live: the method table, :class:`RecordedCall` and :class:`SlackError` in
``_slack_methods``; the Block Kit checker in ``_blockkit``; the state and its shared internals in
``_fake_state``; arranging and inspecting the workspace in ``_fake_workspace``; the method handlers
by API family in ``_fake_chat``, ``_fake_conversations`` and ``_fake_views``; request parsing and
the HTTP server in ``_fake_http``. This module puts :class:`FakeSlack` together: its lifecycle,
failure injection and request dispatch.
"""

from __future__ import annotations

import argparse
import copy
import threading
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from types import TracebackType
from urllib.parse import urlsplit

from ._blockkit import ACTION_ELEMENTS, BlockKitChecker, check_message_blocks, check_view
from ._blockkit import MESSAGE_BLOCKS_MAX as MESSAGE_BLOCKS_MAX
from ._blockkit import VIEW_BLOCKS_MAX as VIEW_BLOCKS_MAX
from ._fake_chat import MESSAGE_BLOCKS_JSON_MAX as MESSAGE_BLOCKS_JSON_MAX
from ._fake_chat import MESSAGE_TEXT_MAX as MESSAGE_TEXT_MAX
from ._fake_chat import ChatMethods
from ._fake_conversations import ConversationMethods
from ._fake_files import UPLOAD_PATH, FileMethods
from ._fake_http import _Answered, _bearer, _Handler, _parse_args, _Server
from ._fake_oauth import OAuthMethods
from ._fake_socket_mode import SocketModeMethods
from ._fake_state import TRIGGER_TTL_SECONDS as TRIGGER_TTL_SECONDS
from ._fake_state import _Failure, _Identity, _ResponseUrl
from ._fake_views import ViewMethods
from ._fake_workspace import Workspace
from ._slack_methods import (
    EXTRA_ARGS,
    JSON_ARGS,
    JsonDict,
    MethodSpec,
    RecordedCall,
    SlackError,
    load_method_table,
)

__all__ = [
    "ACTION_ELEMENTS",
    "EXTRA_ARGS",
    "BlockKitChecker",
    "FakeSlack",
    "MethodSpec",
    "RecordedCall",
    "SlackError",
    "check_message_blocks",
    "check_view",
    "load_method_table",
]


RESPONSE_URL_MAX_USES = 5


class FakeSlack(
    OAuthMethods,
    Workspace,
    ChatMethods,
    ConversationMethods,
    ViewMethods,
    SocketModeMethods,
    FileMethods,
):
    """A stateful stand-in for Slack's Web API, served over real HTTP on loopback.

    Keyword-only options: ``bot_token``, ``team_id``, ``team_domain``, ``team_name``,
    ``bot_user_id``, ``bot_id``, ``app_id``, ``bot_name``, ``latency`` (seconds added to every
    answer), ``trigger_ttl`` (how long a trigger id lives, 3 s like Slack), ``host``, ``port``
    (0 picks a free one) and ``clock`` (a ``time.time``-like function for message timestamps).
    """

    @cached_property
    def _handlers(self) -> dict[str, Callable[[JsonDict, _Identity], JsonDict]]:
        """The Web API methods answered with more than ``ok`` (the rest of the table just
        answers ``{"ok": true}``)."""
        return {
            "apps.connections.open": self._apps_connections_open,
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.postMessage": self._chat_post_message,
            "chat.scheduleMessage": self._chat_schedule_message,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.info": self._conversations_info,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "conversations.members": self._conversations_members,
            "conversations.open": self._conversations_open,
            "conversations.replies": self._conversations_replies,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "reactions.add": self._reactions_add,
            "team.info": self._team_info,
            "usergroups.list": self._usergroups_list,
            "usergroups.users.list": self._usergroups_users_list,
            "users.info": self._users_info,
            "users.list": self._users_list,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.push": self._views_push,
            "views.update": self._views_update,
        }

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Start serving on a daemon thread; returns ``self``."""
        if self._server is not None:
            return self
        server = _Server((self._host, self._port), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="fake-slack", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stop_socket_mode()
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started; call start() first")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/``."""
        return f"http://{self._host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:<port>/api/``, for ``WebClient(base_url=...)``."""
        return f"{self.base_url}api/"

    # -- identifiers issued by "Slack" -------------------------------------------------------

    def new_response_url(
        self,
        *,
        channel: str | None = None,
        message_ts: str | None = None,
        user: str | None = None,
        ephemeral: bool = False,
    ) -> str:
        """Issue a response URL served by this fake (POSTs are recorded as ``response_url``)."""
        with self._lock:
            self._counter += 1
            url_id = f"{self._counter}-{self._random_id(12)}"
            self._response_urls[url_id] = _ResponseUrl(channel, message_ts, user, ephemeral)
        return f"{self.base_url}response_url/{url_id}"

    # -- failure injection --------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        times: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"``: any) fail.

        ``status=500`` answers HTTP 500; ``status=429`` (or ``error="ratelimited"``) answers
        HTTP 429 with ``Retry-After``; an ``error`` alone answers HTTP 200 ``ok: false``.
        """
        if status is None:
            status = 429 if error == "ratelimited" else 200 if error else 500
        if error is None:
            error = {429: "ratelimited", 200: "internal_error"}.get(status, "internal_error")
        if status == 429 and retry_after is None:
            retry_after = 1
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(status=status, error=error, retry_after=retry_after, times=times)
            )

    def refuse(
        self,
        method: str = "*",
        *,
        channel: str | None = None,
        error: str = "channel_not_found",
        status: int = 200,
    ) -> None:
        """Refuse every call to ``method`` (``"*"``: any) — only those naming ``channel`` when
        given — with ``error`` (HTTP ``status``; 503 for an outage of one method such as
        ``auth.test``), until :meth:`lift_refusals`. Slack's permanent refusals
        (``channel_not_found``, ``invalid_auth``, ``msg_blocks_too_long``) look like this."""
        with self._lock:
            self._refusals.append((method, channel, status, error))

    def lift_refusals(self) -> None:
        with self._lock:
            self._refusals.clear()

    def answer_late(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` are processed at once (a post is stored) but
        answered only after ``seconds`` — past a client's timeout, the caller never learns."""
        with self._lock:
            self._late[method] = [seconds, float(times)]

    def _take_refusal(self, method: str, args: JsonDict) -> tuple[int, str] | None:
        for rule_method, channel, status, error in self._refusals:
            if rule_method not in ("*", method):
                continue
            if channel is not None and str(args.get("channel") or "") != channel:
                continue
            return status, error
        return None

    def _take_late(self, method: str) -> float:
        with self._lock:
            late = self._late.get(method)
            if not late:
                return 0.0
            late[1] -= 1
            if late[1] <= 0:
                del self._late[method]
            return late[0]

    def set_down(self, down: bool = True) -> None:
        """While down, every request answers HTTP 503."""
        with self._lock:
            self._down = down

    # -- request handling ---------------------------------------------------------------------

    def _take_failure(self, method: str) -> _Failure | None:
        for key in (method, "*"):
            queue = self._failures.get(key)
            if queue:
                failure = queue[0]
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
                return failure
        return None

    def handle_http(
        self,
        verb: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[int, dict[str, str], JsonDict]:
        """Answer one HTTP request: ``(status, extra headers, JSON body)``."""
        at = time.time()
        if self.latency > 0:
            time.sleep(self.latency)
        parts = urlsplit(target)
        path = parts.path
        header_map = {name.title(): value for name, value in headers.items()}
        args, body_error = _parse_args(parts.query, header_map, body)
        if path.startswith("/api/"):
            method = path[len("/api/") :]
        elif path.startswith("/response_url/"):
            return self._handle_response_url(path, verb, header_map, args, body_error, at)
        elif path.startswith(UPLOAD_PATH):
            return self._handle_upload(path, verb, header_map, body)
        else:
            return 404, {}, {"ok": False, "error": "not_found"}
        token = _bearer(header_map) or (str(args["token"]) if args.get("token") else None)
        status, extra_headers, response = 200, {}, {}
        with self._lock:
            try:
                if self._down:
                    status, response = 503, {"ok": False, "error": "service_unavailable"}
                    raise _Answered
                spec = load_method_table().get(method)
                if spec is None:
                    raise SlackError("unknown_method", req_method=method)
                refusal = self._take_refusal(method, args)
                if refusal is not None:
                    status, response = refusal[0], {"ok": False, "error": refusal[1]}
                    raise _Answered
                failure = self._take_failure(method)
                if failure is not None:
                    status, response = failure.status, {"ok": False, "error": failure.error}
                    if failure.retry_after is not None:
                        extra_headers["Retry-After"] = str(failure.retry_after)
                    raise _Answered
                if method == "oauth.v2.access":  # the app's credentials, no token (_fake_oauth)
                    self._check_args(spec, args)
                    response = {"ok": True, **self._oauth_v2_access(args, header_map)}
                    raise _Answered
                if not token:
                    raise SlackError("not_authed")
                who = self._tokens.get(token)
                if who is None:
                    raise SlackError("invalid_auth")
                self._check_token_type(method, who)  # app-level tokens: Socket Mode only
                if body_error:
                    raise SlackError(body_error)
                self._check_args(spec, args)
                handler = self._handlers.get(method)
                response = {"ok": True, **(handler(args, who) if handler else {})}
            except SlackError as exc:
                response = exc.body()
            except _Answered:
                pass
            self._record(
                RecordedCall(
                    method=method,
                    args=args,
                    headers=header_map,
                    http_method=verb,
                    token=token,
                    at=at,
                    response=copy.deepcopy(response),
                    status=status,
                    path=path,
                )
            )
        late = self._take_late(method)
        if late > 0:
            time.sleep(late)
        return status, extra_headers, response

    def _check_args(self, spec: MethodSpec, args: JsonDict) -> None:
        allowed = spec.args | EXTRA_ARGS["*"] | EXTRA_ARGS.get(spec.name, frozenset()) | {"token"}
        unknown = sorted(set(args) - allowed)
        if unknown:
            raise SlackError(
                "invalid_arg_name",
                [f"[ERROR] unknown argument: {name} [json-pointer:/{name}]" for name in unknown],
            )
        missing = sorted(a for a in spec.required if args.get(a) in (None, ""))
        if missing:
            raise SlackError(
                "invalid_arguments",
                [f"[ERROR] missing required field: {name} [json-pointer:/]" for name in missing],
            )
        for name in JSON_ARGS & set(args):
            if isinstance(args[name], str):
                raise SlackError(
                    "invalid_blocks_format" if name == "blocks" else "invalid_arguments",
                    [f"[ERROR] {name} is not valid JSON [json-pointer:/{name}]"],
                )

    def _handle_response_url(
        self,
        path: str,
        verb: str,
        headers: dict[str, str],
        args: JsonDict,
        body_error: str | None,
        at: float,
    ) -> tuple[int, dict[str, str], JsonDict]:
        url_id = path.rsplit("/", 1)[-1]
        payload = args.get("payload") if isinstance(args.get("payload"), dict) else args
        assert isinstance(payload, dict)
        status = 200
        response: JsonDict = {"ok": True}
        with self._lock:
            target = self._response_urls.get(url_id)
            try:
                if self._down:
                    status, response = 503, {"ok": False, "error": "service_unavailable"}
                    raise _Answered
                if verb != "POST" or target is None:
                    status = 404
                    raise SlackError("expired_url")
                target.uses += 1
                if target.uses > RESPONSE_URL_MAX_USES:
                    status = 404
                    raise SlackError("used_url")
                if body_error:
                    status = 400
                    raise SlackError(body_error)
                try:
                    self._respond_via_url(target, payload)
                except SlackError:
                    status = 400
                    raise
            except SlackError as exc:
                response = exc.body()
            except _Answered:
                pass
            self._record(
                RecordedCall(
                    method="response_url",
                    args=payload,
                    headers=headers,
                    http_method=verb,
                    token=None,
                    at=at,
                    response=copy.deepcopy(response),
                    status=status,
                    path=path,
                )
            )
        return status, {}, response


def main(argv: list[str] | None = None) -> None:
    """``python -m bot.testing.fake_slack --port 0``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Serve a fake Slack Web API on loopback.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="xoxb-test", help="bot token to accept")
    parser.add_argument("--team-id", default="T0LANE")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per answer")
    options = parser.parse_args(argv)
    fake = FakeSlack(
        bot_token=options.token,
        team_id=options.team_id,
        latency=options.latency,
        host=options.host,
        port=options.port,
    )
    with fake:
        print(f"Fake Slack Web API at {fake.api_url} (token {options.token}); Ctrl-C stops it")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print(f"\n{len(fake.calls)} call(s) answered")


if __name__ == "__main__":
    main()
