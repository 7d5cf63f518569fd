"""The context a step works with: acting as a person, reading the database, checking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .cast import DemoFailure, Person
from .render import Names, mrkdwn_to_text, render_message
from .showing import ShowingContext

if TYPE_CHECKING:
    import httpx

    from ..adapters.models import Escalation, Interception


TEAM_ID = "T0DEMO"


class DemoContext(ShowingContext):
    """What a step drives and checks: the running bot, the fake Slack, the people, the story.

    Acting (each sends a signed request to the bot's HTTP endpoint, waits until the bot and its
    outbox are done, and adds what people saw to the transcript): :meth:`say`,
    :meth:`command`, :meth:`click`, :meth:`submit`, :meth:`shortcut`, :meth:`open_home`.
    Reading: :meth:`escalation`, :meth:`newest_escalation`, :meth:`interception`.
    Checking: :meth:`check` (prints ``✔`` or raises :class:`DemoFailure`), :meth:`note`.
    ``state`` carries what one step leaves for the next (``state["work_esc"]`` …).
    """

    # -- acting -------------------------------------------------------------------------------

    def say(self, who: Person, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        """``who`` posts ``text`` (Slack markup, ``<@U…>`` for mentions) in ``channel``."""
        self.transcript.add(
            "message",
            mrkdwn_to_text(text, self.names),
            actor=who.label,
            channel=self.cast.channel(channel),
        )
        resp, ts = self.slack.message(channel, who.id, text, thread_ts=thread_ts)
        self._after(resp, who, f"the message event from {who.name}")
        return ts

    def command(self, who: Person, command: str, text: str, channel: str) -> httpx.Response:
        """``who`` types ``/command text`` in ``channel``; the bot's reply is shown to them."""
        self.transcript.add(
            "command",
            f"{command} {text}".strip(),
            actor=who.label,
            channel=self.cast.channel(channel),
        )
        resp = self.slack.slash_command(command, text, user=who.id, channel=channel)
        self._expect_ok(resp, f"{command} from {who.name}")
        reply = _reply_lines(resp, self.names)
        if reply:
            self.transcript.add(
                "ephemeral",
                "\n".join(reply),
                visible_to=who.label,
                channel=self.cast.channel(channel),
            )
        self._after(resp, who, command, checked=True)
        return resp

    def click(
        self,
        who: Person,
        target: Any,
        action_id: str,
        *,
        value: str | None = None,
        where: str = "",
    ) -> dict[str, Any] | None:
        """``who`` clicks the element ``action_id`` of a message, an ephemeral or a view.

        Returns the modal the click opened, if it opened one.
        """
        label = self._label_of(target, action_id, value)
        self.transcript.add(
            "click", f"clicks {label}" + (f" {where}" if where else ""), actor=who.label
        )
        try:
            resp = self.slack.click(target, action_id, user=who.id, value=value)
        except LookupError as exc:
            raise DemoFailure(f"{who.name} found nothing to click: {exc}") from exc
        if isinstance(target, tuple):
            self._channel = str(target[0])
        elif isinstance(target, Mapping) and target.get("channel"):
            self._channel = str(target["channel"])
        try:
            return self._after(resp, who, f"{who.name}'s click on {label}")
        finally:
            self._channel = None

    def submit(
        self, who: Person, view: Mapping[str, Any], values: Mapping[str, Any], *, describe: str
    ) -> dict[str, Any]:
        """``who`` fills in the modal ``view`` with ``values`` and submits it.

        Returns the bot's answer (``{}`` when it closed the modal).
        """
        title = mrkdwn_to_text(str((view.get("title") or {}).get("text") or "the form"))
        self.transcript.add("submit", f"submits “{title}”: {describe}", actor=who.label)
        resp = self.slack.submit_view(str(view["id"]), user=who.id, values=dict(values))
        self._after(resp, who, f"the “{title}” submission")
        try:
            body = resp.json() if resp.content.strip() else {}
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}

    def shortcut(
        self, who: Person, channel: str, ts: str, *, callback_id: str = "escalate_message"
    ) -> dict[str, Any] | None:
        """``who`` uses the message shortcut on the message ``ts``; returns the modal it opened."""
        found = self.fake.message(channel, ts) or {}
        author = self.names.user(str(found.get("user") or ""))
        self.transcript.add(
            "shortcut",
            f"uses “Escalate this message” on {author.split(' (')[0]}'s message in "
            f"{self.cast.channel(channel)}",
            actor=who.label,
        )
        resp = self.slack.message_shortcut(callback_id, channel, ts, who.id)
        return self._after(resp, who, "the message shortcut")

    def open_home(self, who: Person) -> dict[str, Any]:
        """``who`` opens the app's Home tab; returns the view the bot published."""
        self.transcript.add("open_home", "opens Lanekeeper's App Home", actor=who.label)
        before = len(self.homes)
        self._home_for = who.id
        try:
            resp = self.slack.app_home_opened(who.id)
            self._after(resp, who, "app_home_opened")
        finally:
            self._home_for = None
        if len(self.homes) == before:
            raise DemoFailure(f"the bot published no App Home for {who.name}")
        return self.homes[-1]

    # -- reading ------------------------------------------------------------------------------

    def home_channel(self, who: Person) -> str:
        """The channel of ``who``'s team (the ping channel for people in no team)."""
        for team in self.config.teams.values():
            if who.id in (*team.members, *team.leads):
                return team.channel
        return self.cast.ping_channel

    def escalation(self, number: int) -> Escalation:
        from sqlalchemy import select

        from ..adapters.models import Escalation

        with self.container.sessions() as s:
            row = s.scalar(
                select(Escalation).where(
                    Escalation.slack_team_id == TEAM_ID, Escalation.number == number
                )
            )
            if row is None:
                raise DemoFailure(f"ESC-{number} is not in the database")
            s.expunge(row)
            return row

    def newest_escalation(self) -> Escalation | None:
        from sqlalchemy import select

        from ..adapters.models import Escalation

        with self.container.sessions() as s:
            row = s.scalar(select(Escalation).order_by(Escalation.number.desc()).limit(1))
            if row is not None:
                s.expunge(row)
            return row

    def escalation_count(self) -> int:
        from sqlalchemy import func, select

        from ..adapters.models import Escalation

        with self.container.sessions() as s:
            return int(s.scalar(select(func.count(Escalation.id))) or 0)

    def interception(self, channel: str, ts: str) -> Interception | None:
        from sqlalchemy import select

        from ..adapters.models import Interception

        with self.container.sessions() as s:
            row = s.scalar(
                select(Interception).where(
                    Interception.channel == channel, Interception.message_ts == ts
                )
            )
            if row is not None:
                s.expunge(row)
            return row

    def timeline_kinds(self, number: int) -> list[str]:
        from sqlalchemy import select

        from ..adapters.models import TimelineEntry

        esc = self.escalation(number)
        with self.container.sessions() as s:
            return list(
                s.scalars(
                    select(TimelineEntry.kind)
                    .where(TimelineEntry.escalation_id == esc.id)
                    .order_by(TimelineEntry.id)
                )
            )

    def lane_message(self, number: int) -> dict[str, Any]:
        """The escalation's message in its lane channel, as Slack holds it now."""
        esc = self.escalation(number)
        self.check(
            esc.lane_ts is not None,
            f"{esc.ref} posted in {self.cast.channel(esc.lane_channel)}",
            quiet=True,
            otherwise="its lane message was never posted",
        )
        found = self.fake.message(esc.lane_channel, str(esc.lane_ts))
        if found is None:
            raise DemoFailure(
                f"{esc.ref}'s lane message is not in {self.cast.channel(esc.lane_channel)}"
            )
        found["channel"] = esc.lane_channel
        return found

    def offer_to(self, who: Person, channel: str) -> dict[str, Any]:
        """The newest interception offer (ephemeral with lane buttons) shown to ``who``."""
        for eph in reversed(self.fake.ephemerals(channel, who.id)):
            if any(b.get("block_id") == "route" for b in eph.get("blocks") or []):
                return eph
        raise DemoFailure(f"{who.name} was not offered a lane in {self.cast.channel(channel)}")

    # -- checking -----------------------------------------------------------------------------

    def check(self, ok: bool, what: str, *, otherwise: str = "", quiet: bool = False) -> None:
        """``✔ what`` in the transcript, or stop the demo: expected ``what``, but ``otherwise``."""
        if not ok:
            raise DemoFailure(f"expected {what}" + (f", but {otherwise}" if otherwise else ""))
        if not quiet:
            self.transcript.add("check", what)

    def note(self, text: str) -> None:
        self.transcript.add("note", text)


def _reply_lines(resp: httpx.Response, names: Names) -> list[str]:
    """What the person sees of a slash command's acknowledgement."""
    if not resp.content.strip():
        return []
    try:
        body = resp.json()
    except ValueError:
        return mrkdwn_to_text(resp.text, names).splitlines()
    if not isinstance(body, dict):
        return []
    return render_message(body, names) if body.get("blocks") or body.get("text") else []
