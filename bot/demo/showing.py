"""What a step's context holds, and how it waits for the bot and shows what people saw.

After each request :meth:`ShowingContext.settle` waits until every listener finished and the outbox
is empty, then :meth:`ShowingContext.show_new_calls` turns what the bot made Slack do (posts,
updates, ephemerals, modals, the Home tab) into transcript lines, each rendered from its Block Kit.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain.lanes import LanekeeperConfig
from .cast import Cast, DemoFailure, Person
from .render import mrkdwn_to_text, render_message, render_view
from .transcript import BOT_NAME, Transcript

if TYPE_CHECKING:
    import httpx

    from ..bootstrap import Container
    from ..testing.fake_slack import FakeSlack, RecordedCall
    from ..testing.requests import SlackClientSimulator


SETTLE_SECONDS = 10.0
OOPS = "Something went wrong on our side"


@dataclass
class Tally:
    left_alone: int = 0
    refused_non_approvers: int = 0
    refused_resolves: int = 0
    digests: int = 0


class ShowingContext:
    """The state of :class:`~bot.demo.context.DemoContext`, waiting for the bot, and showing what
    it made Slack do."""

    def __init__(
        self,
        *,
        config: LanekeeperConfig,
        config_source: str,
        cast: Cast,
        fake: FakeSlack,
        slack: SlackClientSimulator,
        container: Container,
        transcript: Transcript,
        workdir: Path,
    ) -> None:
        self.config = config
        self.config_source = config_source
        self.cast = cast
        self.fake = fake
        self.slack = slack
        self.container = container
        self.transcript = transcript
        self.workdir = workdir
        self.names = cast.names({fake.bot_user_id: BOT_NAME})
        self.tally = Tally()
        self.state: dict[str, Any] = {}
        self._seen_calls = len(fake.calls)
        self._shown: dict[tuple[str, str], list[str]] = {}
        self._actor: Person | None = None
        self._channel: str | None = None  # where the click being shown happened
        self._modals_seen: set[str] = set()
        self._home_for: str | None = None
        self.opened_views: list[dict[str, Any]] = []
        self.homes: list[dict[str, Any]] = []
        self._failed_outbox = 0
        self.oops: list[str] = []

    # -- waiting and showing ------------------------------------------------------------------

    def _expect_ok(self, resp: httpx.Response, what: str) -> None:
        if resp.status_code != 200:
            raise DemoFailure(
                f"the bot answered {what} with HTTP {resp.status_code}: {resp.text[:200]!r}"
            )

    def _after(
        self, resp: httpx.Response, who: Person, what: str, *, checked: bool = False
    ) -> dict[str, Any] | None:
        if not checked:
            self._expect_ok(resp, what)
        self._actor = who
        opened_before = len(self.opened_views)
        try:
            self.settle()
            self.show_new_calls()
        finally:
            self._actor = None
        if self.oops:
            raise DemoFailure(f"the bot told {who.name} {self.oops[-1]!r}")
        return self.opened_views[-1] if len(self.opened_views) > opened_before else None

    def settle(self, timeout: float = SETTLE_SECONDS, *, everything: bool = False) -> None:
        """Wait until every listener finished and the outbox is empty (delivered or failed).

        App Home refreshes (outbox kind ``home``) are background work no step reads (the Home
        step publishes on ``app_home_opened``), so they are waited for only with
        ``everything``, once at the end of the day.
        """
        from sqlalchemy import select

        from ..adapters.models import OutboxMessage

        deadline = time.monotonic() + timeout
        while True:
            left = max(0.0, deadline - time.monotonic())
            self.container.wait_idle(left)
            self.container.deliverer.deliver_due()
            with self.container.sessions() as s:
                query = select(OutboxMessage).where(
                    OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
                if not everything:
                    query = query.where(OutboxMessage.kind != "home")
                pending = s.scalars(query.order_by(OutboxMessage.id)).all()
                failed = s.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.failed_at.is_not(None))
                    .order_by(OutboxMessage.id)
                ).all()
            if len(failed) > self._failed_outbox:
                fresh = failed[self._failed_outbox :]
                self._failed_outbox = len(failed)
                more = f" (and {len(fresh) - 1} more)" if len(fresh) > 1 else ""
                raise DemoFailure(
                    f"Slack refused the bot's {fresh[0].kind.replace('_', ' ')} for good: "
                    f"{fresh[0].last_error or 'no reason given'}{more}"
                )
            if not pending and self.container.wait_idle(0):
                return
            if time.monotonic() >= deadline:
                if not pending:
                    raise DemoFailure(f"the bot was still busy after {timeout:.0f} s")
                row = pending[0]
                raise DemoFailure(
                    f"the bot's {row.kind.replace('_', ' ')} was still not delivered after "
                    f"{timeout:.0f} s (last error: {row.last_error or 'none'})"
                )
            time.sleep(0.02)

    def show_new_calls(self) -> None:
        """Add what the bot made Slack show since the last time to the transcript."""
        calls = self.fake.calls
        fresh, self._seen_calls = calls[self._seen_calls :], len(calls)
        homes: dict[str, dict[str, Any]] = {}
        for call in fresh:
            if call.method == "views.publish" and call.ok:
                homes[str(call.args.get("user_id"))] = call.response["view"]
            else:
                self._show_call(call)
        if self._home_for and self._home_for in homes:
            view = homes[self._home_for]
            self.homes.append(view)
            self.transcript.add(
                "home",
                "\n".join(render_view(view, self.names)),
                visible_to=self.names.user(self._home_for),
            )

    def _show_call(self, call: RecordedCall) -> None:
        actor = self._actor.label if self._actor else None
        args, resp = call.args, call.response
        if not call.ok:
            if call.method == "response_action":
                return
            if call.method not in ("conversations.join",):
                self.transcript.add(
                    "note",
                    f"(Slack refused {call.method}: {resp.get('error') or call.status})",
                )
            return
        if call.method == "chat.postMessage":
            channel = str(resp.get("channel") or args.get("channel"))
            lines = render_message(args, self.names)
            self._shown[(channel, str(resp.get("ts")))] = lines
            self._scan(lines)
            if channel.startswith("D"):
                self.transcript.add("dm", "\n".join(lines), visible_to=self.names.user(channel))
                return
            thread = args.get("thread_ts")
            detail = f"in the thread of {self._describe(channel, str(thread))}" if thread else None
            self.transcript.add(
                "post", "\n".join(lines), channel=self.cast.channel(channel), detail=detail
            )
        elif call.method == "chat.update":
            channel, ts = str(resp.get("channel") or args.get("channel")), str(args.get("ts"))
            lines = render_message(args, self.names)
            before = self._shown.get((channel, ts), [])
            self._shown[(channel, ts)] = lines
            changed = [line for line in lines if line not in before]
            if not changed:
                return
            what = self._describe(channel, ts)
            if channel.startswith("D"):
                self.transcript.add(
                    "dm_update",
                    "\n".join(changed),
                    visible_to=self.names.user(channel),
                    detail=what,
                )
            else:
                self.transcript.add(
                    "update", "\n".join(changed), channel=self.cast.channel(channel), detail=what
                )
        elif call.method == "chat.postEphemeral":
            lines = render_message(args, self.names)
            self._scan(lines)
            self.transcript.add(
                "ephemeral",
                "\n".join(lines),
                visible_to=self.names.user(str(args.get("user"))),
                channel=self.cast.channel(str(args.get("channel"))),
            )
        elif call.method == "response_url":
            if str(args.get("delete_original")).lower() == "true":
                self.transcript.add(
                    "removed",
                    f"the message disappears from {actor.split(' (')[0] if actor else 'their'}'s screen",
                )
                return
            lines = render_message(args, self.names)
            self._scan(lines)
            if args.get("response_type") == "in_channel":
                self.transcript.add("post", "\n".join(lines), channel="(in the channel)")
            else:
                where = (
                    self._channel if self._channel and not self._channel.startswith("D") else None
                )
                self.transcript.add(
                    "ephemeral",
                    "\n".join(lines),
                    visible_to=actor,
                    channel=self.cast.channel(where) if where else None,
                )
        elif call.method in ("views.open", "views.push", "views.update"):
            view = resp["view"]
            self.opened_views.append(view)
            self.transcript.add(
                "modal", "\n".join(render_view(self._fold(view), self.names)), visible_to=actor
            )
        elif call.method == "response_action" and args.get("response_action") == "errors":
            errors = args.get("errors") or {}
            self.transcript.add(
                "modal_errors",
                "\n".join(mrkdwn_to_text(str(v), self.names) for v in errors.values()),
            )

    def _fold(self, view: Mapping[str, Any]) -> Mapping[str, Any]:
        """A modal shown before is shown again without its long explanations (the lanes and
        what each is for): they are in the transcript already."""
        key = str(view.get("callback_id") or "")
        if key not in self._modals_seen:
            self._modals_seen.add(key)
            return view
        blocks = []
        for block in view.get("blocks") or []:
            texts = [str(el.get("text") or "") for el in block.get("elements") or []]
            if block.get("type") == "context" and sum(t.count("\n") for t in texts) >= 2:
                block = {
                    "type": "context",
                    "elements": [{"type": "mrkdwn", "text": "(… as above)"}],
                }
            blocks.append(block)
        return {**view, "blocks": blocks}

    def _scan(self, lines: Sequence[str]) -> None:
        text = "\n".join(lines)
        if OOPS in text:
            self.oops.append(text.strip())

    def _describe(self, channel: str, ts: str) -> str:
        """What a message is, for "updates …" lines: an escalation's lane message, a DM …"""
        from sqlalchemy import select

        from ..adapters.models import ApprovalRequest, Escalation

        with self.container.sessions() as s:
            number = s.scalar(
                select(Escalation.number).where(
                    Escalation.lane_channel == channel, Escalation.lane_ts == ts
                )
            )
            if number is not None:
                return f"ESC-{number}"
            number = s.scalar(
                select(Escalation.number)
                .join(ApprovalRequest, ApprovalRequest.escalation_id == Escalation.id)
                .where(ApprovalRequest.dm_channel == channel, ApprovalRequest.dm_ts == ts)
            )
            if number is not None:
                return f"the approval request for ESC-{number}"
        found = self.fake.message(channel, ts)
        if found and found.get("user") in self.cast.people:
            return f"{self.cast.people[found['user']].name}'s message"
        return "the message"

    def _label_of(self, target: Any, action_id: str, value: str | None) -> str:
        blocks: list[Any] = []
        if isinstance(target, Mapping) and target.get("blocks"):
            blocks = list(target["blocks"])
        elif isinstance(target, Mapping) and target.get("channel") and target.get("ts"):
            blocks = list(
                (self.fake.message(str(target["channel"]), str(target["ts"])) or {}).get("blocks")
                or []
            )
        elif isinstance(target, tuple):
            blocks = list((self.fake.message(*target) or {}).get("blocks") or [])
        for block in blocks:
            for el in [*(block.get("elements") or []), block.get("accessory") or {}]:
                if (
                    isinstance(el, Mapping)
                    and el.get("action_id") == action_id
                    and (value is None or el.get("value") == value)
                ):
                    text = (el.get("text") or {}).get("text") or action_id
                    return f"[ {text} ]"
        return f"[ {action_id} ]"
