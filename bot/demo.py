"""``lanekeeper demo``: an MSP's day played through the real bot, with no Slack workspace.

The demo starts the same HTTP app ``lanekeeper serve`` runs (waitress, Bolt, the signature
check, the outbox deliverer) on a loopback port, with SQLite migrated by Alembic in a temporary
folder, against :class:`~bot.testing.fake_slack.FakeSlack` (the local stand-in for Slack's Web
API the test suite uses). Then it plays a scripted day as signed Slack requests sent by
:class:`~bot.testing.requests.SlackClientSimulator`: pings to protected technicians, lane
buttons, modals, approvals, App Home. It prints who said what and what each person saw, each
Slack message rendered from its Block Kit (:mod:`bot.demo_render`), checks after every step that
the bot did what it should (the database rows, the posts in Slack), and ends with a one-line
summary. Any step that does not produce what it should stops the demo with
``demo failed at step "…": …`` and exit status 1, so the demo doubles as a smoke test.

The script is a list of named :class:`Step` s, each a function of a :class:`DemoContext`;
``STEPS`` is the day in order, and a new capability is shown by appending a step::

    def standup(ctx: DemoContext) -> None:
        ...  # drive the bot through ctx.slack / ctx.container, then ctx.check(...)

    STEPS.append(Step("standup", "Next morning: {tech}'s team gets its stand-up digest", standup))

``--config FILE`` plays the same day through the MSP's own lanes file: every user, channel and
user group id in it is mapped onto a demo person or channel (:func:`cast_for`), and the script
picks its lanes by what they do (an alert-like lane without approval, a lane with an approval
boundary, …), so a lane change can be tried before it reaches the team.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import secrets
import sys
import tempfile
import textwrap
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from bot.demo_render import Names, mrkdwn_to_text, render_message, render_view
from bot.domain.lanes import Lane, LanekeeperConfig

if TYPE_CHECKING:
    import httpx

    from bot.adapters.models import Escalation, Interception
    from bot.bootstrap import Container
    from bot.testing.fake_slack import FakeSlack, RecordedCall
    from bot.testing.requests import SlackClientSimulator

__all__ = [
    "STEPS",
    "Cast",
    "DemoContext",
    "DemoFailure",
    "Person",
    "Step",
    "add_parser",
    "cast_for",
    "default_config_path",
    "main",
    "run_demo",
]

TEAM_ID = "T0DEMO"
BOT_NAME = "Lanekeeper"
SETTLE_SECONDS = 10.0
INDENT = " " * 12
WIDTH = 100  # the readable transcript's lines are cut to this (the JSON keeps them whole)
OOPS = "Something went wrong on our side"
COMMAND_SEVERITY = re.compile(r"^(p[0-9]|sev[0-9])$", re.IGNORECASE)

TECH_NAMES = ("Tina", "Omar", "Sam", "Jess", "Kai", "Priya", "Ben", "Zoe", "Luis", "Ana", "Raj")
LEAD_NAMES = ("Nina", "Leo", "Grace", "Hugo", "Ivy", "Mark")
MANAGER_NAMES = ("Maya", "Victor", "Elena", "Paul")
LANE_CHANNEL_NAMES = {
    "alert": "alerts",
    "change": "changes",
    "client-request": "client-requests",
    "onsite": "dispatch",
    "security": "security",
}


class DemoFailure(Exception):
    """A step did not produce what it should; the message says what was expected and seen."""


# ---------------------------------------------------------------------------------------------
# The cast: demo people and channels for the ids of a lanes file


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    role: str
    in_config: bool = True

    @property
    def label(self) -> str:
        return f"{self.name} ({self.role})"


@dataclass
class Cast:
    """Who plays what in the demo's day, and which lanes the script uses."""

    people: dict[str, Person]
    channels: dict[str, str]  # id -> name without '#'
    groups: dict[str, list[str]]  # user group id -> member ids
    group_handles: dict[str, str]
    requester: Person  # the account manager whose pings get intercepted
    tech: Person  # a protected technician on the work lane's team
    tech2: Person  # another protected technician (or the same one)
    focus_person: Person  # not protected; turns on /focus
    reporter: Person  # posts the heads-up escalated with the message shortcut
    shortcut_user: Person
    ping_channel: str
    work_lane: Lane
    work_severity: str
    escalate_lane: Lane
    escalate_severity: str
    approval_lane: Lane | None
    approval_severity: str | None
    approver: Person | None
    non_approver: Person | None
    tech_always_protected: bool = True

    def names(self, extra_users: Mapping[str, str] | None = None) -> Names:
        """What the renderer calls the ids: people (and their DM channels), channels, groups."""
        users = {p.id: p.label for p in self.people.values()}
        users.update(extra_users or {})
        users.update({f"D{p.id[1:]}": p.label for p in self.people.values()})
        return Names(users=users, channels=dict(self.channels), groups=dict(self.group_handles))

    def channel(self, channel_id: str) -> str:
        return "#" + self.channels.get(channel_id, channel_id)

    def approvers(self) -> list[str]:
        """The approval lane's approvers with its user groups expanded, in order."""
        out: list[str] = []
        for ident in self.approval_lane.approvers if self.approval_lane else ():
            for uid in self.groups.get(ident, []) if ident.startswith("S") else [ident]:
                if uid not in out:
                    out.append(uid)
        return out

    def story(self) -> dict[str, str]:
        """First names and channel names for step titles (``{tech}``, ``{work_lane}`` …)."""
        return {
            "requester": self.requester.name,
            "tech": self.tech.name,
            "tech2": self.tech2.name,
            "focus_person": self.focus_person.name,
            "reporter": self.reporter.name,
            "shortcut_user": self.shortcut_user.name,
            "approver": self.approver.name if self.approver else "an approver",
            "non_approver": self.non_approver.name if self.non_approver else "someone",
            "work_lane": self.work_lane.name,
            "escalate_lane": self.escalate_lane.name,
            "approval_lane": self.approval_lane.name if self.approval_lane else "",
        }


class _Names:
    """Hands out first names from pools, then numbered ones, never the same twice."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, pool: Sequence[str], fallback: str) -> str:
        for name in pool:
            if name not in self.used:
                self.used.add(name)
                return name
        n = 1
        while f"{fallback} {n}" in self.used:
            n += 1
        self.used.add(f"{fallback} {n}")
        return f"{fallback} {n}"


def _fresh_id(prefix: str, word: str, taken: set[str]) -> str:
    candidate = f"{prefix}0DEMO{word.upper()}"
    n = 2
    while candidate in taken:
        candidate = f"{prefix}0DEMO{word.upper()}{n}"
        n += 1
    taken.add(candidate)
    return candidate


def _free_severity(lane: Lane, prefer: str | None = None) -> str | None:
    """A severity of ``lane`` that needs no approval: ``prefer`` if it qualifies, else the most
    severe that does."""
    if prefer is not None and prefer in lane.severities and not lane.needs_approval(prefer):
        return prefer
    for severity in lane.severity_order:
        if not lane.needs_approval(severity):
            return severity
    return None


def _group_handle(group_id: str, taken: set[str]) -> str:
    word = re.sub(r"^S0*\d*", "", group_id).lower() or "group"
    handle, n = word, 2
    while handle in taken:
        handle, n = f"{word}-{n}", n + 1
    taken.add(handle)
    return handle


def cast_for(config: LanekeeperConfig) -> Cast:
    """Map every id of ``config`` onto demo people and channels, and pick the script's lanes.

    Raises :class:`DemoFailure` when the lanes cannot play the day (every lane needs approval).
    """
    people: dict[str, Person] = {}
    names = _Names()
    taken_ids: set[str] = set()
    teams = list(config.teams.values())
    lanes = list(config.lanes.values())

    def add(
        uid: str, pool: Sequence[str], fallback: str, role: str, in_config: bool = True
    ) -> None:
        if uid not in people:
            people[uid] = Person(uid, names.take(pool, fallback), role, in_config)
            taken_ids.add(uid)

    for team in teams:
        for uid in team.members:
            add(uid, TECH_NAMES, "Tech", f"{team.name} tech")
    for team in teams:
        for uid in team.leads:
            add(uid, LEAD_NAMES, "Lead", f"{team.name} lead")
    direct_approvers = [a for lane in lanes for a in lane.approvers if not a.startswith("S")]
    for uid in [*config.admins, *direct_approvers]:
        role = "service manager" if uid in config.admins and uid in direct_approvers else None
        role = role or ("admin" if uid in config.admins else "approver")
        add(uid, MANAGER_NAMES, "Manager", role)
    for uid in config.protected.users:
        add(uid, TECH_NAMES, "Tech", "technician")
    taken_ids.update(people)

    requester_id = _fresh_id("U", "ROB", taken_ids)
    people[requester_id] = Person(requester_id, "Rob", "account manager", in_config=False)
    names.used.add("Rob")
    requester = people[requester_id]

    # user groups: the lane's own user approvers and its team's leads stand in for the members
    groups: dict[str, list[str]] = {}
    for lane in lanes:
        team = config.teams[lane.team]
        for ident in lane.approvers:
            if ident.startswith("S"):
                members = groups.setdefault(ident, [])
                for uid in [*[a for a in lane.approvers if not a.startswith("S")], *team.leads]:
                    if uid not in members:
                        members.append(uid)
    handles: set[str] = set()
    group_handles = {gid: _group_handle(gid, handles) for gid in groups}

    # the lanes the script uses
    work_lane = config.lanes.get("alert")
    if work_lane is None or _free_severity(work_lane) is None:
        candidates = [ln for ln in lanes if _free_severity(ln) is not None]
        candidates.sort(key=lambda ln: not ln.done)  # a definition of done to show, if any
        if not candidates:
            raise DemoFailure(
                "every lane needs approval at every severity; the demo needs one lane that "
                "work can start in right away"
            )
        work_lane = candidates[0]
    work_severity = _free_severity(work_lane, work_lane.default_severity)
    assert work_severity is not None

    approval_lane = config.lanes.get("client-request")
    if approval_lane is None or approval_lane.approval.mode == "none":
        policies = [ln for ln in lanes if ln.approval.mode != "none" and ln.approvers]
        policies.sort(key=lambda ln: ln.approval.mode != "at_or_above")
        approval_lane = policies[0] if policies else None
    approval_severity: str | None = None
    if approval_lane is not None:
        policy = approval_lane.approval
        approval_severity = (
            policy.severity if policy.mode == "at_or_above" else approval_lane.default_severity
        )

    escalate_lane = config.lanes.get("security")
    if escalate_lane is None or _free_severity(escalate_lane) is None:
        used = {work_lane.key, approval_lane.key if approval_lane else ""}
        others = [ln for ln in lanes if ln.key not in used and _free_severity(ln) is not None]
        escalate_lane = others[0] if others else work_lane
    escalate_severity = _free_severity(escalate_lane)
    assert escalate_severity is not None

    # the people the script uses
    protected = [uid for uid in config.protected.users]
    work_team = config.teams[work_lane.team]
    tech_id = next((u for u in protected if u in work_team.members), None)
    tech_id = tech_id or (protected[0] if protected else None)
    tech_always_protected = tech_id is not None
    if tech_id is None:
        tech_id = work_team.members[0] if work_team.members else _fresh_id("U", "TECH", taken_ids)
        add(tech_id, TECH_NAMES, "Tech", f"{work_team.name} tech", in_config=tech_id in people)
    tech = people[tech_id]
    second_team = config.teams[approval_lane.team] if approval_lane else work_team
    others_protected = [u for u in protected if u != tech_id]
    tech2_id = next((u for u in others_protected if u in second_team.members), None)
    tech2 = people[tech2_id or (others_protected[0] if others_protected else tech_id)]

    if approval_lane is not None:
        empty = [g for g in approval_lane.approvers if g.startswith("S") and not groups.get(g)]
        has_user = any(not a.startswith("S") for a in approval_lane.approvers)
        if empty and not has_user:
            manager_id = _fresh_id("U", "MAYA", taken_ids)
            add(manager_id, MANAGER_NAMES, "Manager", "service manager", in_config=False)
            groups[empty[0]].append(manager_id)
    lead_teams = [second_team, work_team, *teams]
    busy = {*protected, requester_id, tech_id, tech2.id}
    focus_id = next(
        (u for t in lead_teams for u in t.leads if u not in busy),
        next((u for u in people if u not in busy), None),
    )
    if focus_id is None:
        focus_id = _fresh_id("U", "LEO", taken_ids)
        add(focus_id, LEAD_NAMES, "Lead", "team lead", in_config=False)
    focus_person = people[focus_id]
    reporter = people[next((u for u in work_team.members if u != tech_id), tech_id)]
    shortcut_id = next(
        (u for u in [*work_team.leads, tech_id, tech2.id, focus_id] if u != reporter.id),
        tech_id,
    )
    shortcut_user = people[shortcut_id]

    cast = Cast(
        people=people,
        channels={},
        groups=groups,
        group_handles=group_handles,
        requester=requester,
        tech=tech,
        tech2=tech2,
        focus_person=focus_person,
        reporter=reporter,
        shortcut_user=shortcut_user,
        ping_channel="",
        work_lane=work_lane,
        work_severity=work_severity,
        escalate_lane=escalate_lane,
        escalate_severity=escalate_severity,
        approval_lane=approval_lane,
        approval_severity=approval_severity,
        approver=None,
        non_approver=None,
        tech_always_protected=tech_always_protected,
    )
    approvers = cast.approvers()
    if approval_lane is not None:
        cast.approver = people[next(u for u in approvers if u != requester_id)]
        everyone = [tech, tech2, focus_person, reporter, *people.values()]
        cast.non_approver = next(
            (p for p in everyone if p.id not in approvers and p.id != requester_id), None
        )

    # channels: the teams' own, then the lanes', then watched ones, then a client channel
    channel_names: dict[str, str] = {}

    def name_channel(cid: str, wanted: str) -> None:
        if cid in channel_names:
            return
        name, n = wanted, 2
        while name in channel_names.values():
            name, n = f"{wanted}-{n}", n + 1
        channel_names[cid] = name

    for team in teams:
        name_channel(team.channel, team.key)
    by_channel: dict[str, list[Lane]] = {}
    for lane in lanes:
        by_channel.setdefault(lane.channel, []).append(lane)
    for cid, sharing in by_channel.items():
        only = sharing[0].key
        name_channel(cid, "escalations" if len(sharing) > 1 else LANE_CHANNEL_NAMES.get(only, only))
    watched = config.protected.channels
    if watched == "all":
        ping_channel = _fresh_id("C", "ACME", taken_ids)
        name_channel(ping_channel, "acme-dental")
    else:
        unnamed = [cid for cid in watched if cid not in channel_names]
        for i, cid in enumerate(unnamed):
            name_channel(cid, "acme-dental" if i == 0 else f"watched-{i}")
        ping_channel = unnamed[0] if unnamed else watched[0]
    cast.channels = channel_names
    cast.ping_channel = ping_channel
    return cast


# ---------------------------------------------------------------------------------------------
# The transcript


@dataclass
class Event:
    """One line of the story: something a person did, or something a person saw."""

    time: str
    kind: str
    text: str = ""
    actor: str | None = None
    channel: str | None = None
    visible_to: str | None = None
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class StepRecord:
    name: str
    title: str
    events: list[Event] = field(default_factory=list)
    ok: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "ok": self.ok,
            "events": [e.as_dict() for e in self.events],
        }


class Transcript:
    """Collects the story as data and prints it as it happens."""

    def __init__(self, out: TextIO | None, tz: ZoneInfo) -> None:
        self.out = out
        self.tz = tz
        self.steps: list[StepRecord] = []
        self.preamble: list[str] = []

    def write(self, line: str = "") -> None:
        if self.out is None:
            return
        try:
            try:
                self.out.write(line + "\n")
            except UnicodeEncodeError:
                encoding = getattr(self.out, "encoding", None) or "ascii"
                self.out.write(line.encode(encoding, "replace").decode(encoding) + "\n")
            self.out.flush()
        except (BrokenPipeError, ValueError):  # the reader went away (| head): play on quietly
            self.out = None

    def intro(self, line: str) -> None:
        self.preamble.append(line)
        for piece in _wrap(line, indent="    "):
            self.write(piece)

    def begin(self, name: str, title: str) -> StepRecord:
        record = StepRecord(name, title)
        self.steps.append(record)
        self.write()
        head = f"── {len(self.steps)}. {title} "
        self.write(head + "─" * max(3, 78 - len(head)))
        return record

    def now(self) -> str:
        return datetime.now(self.tz).strftime("%H:%M:%S")

    def add(self, kind: str, text: str = "", **fields: str | None) -> Event:
        event = Event(time=self.now(), kind=kind, text=text, **fields)
        if self.steps:
            self.steps[-1].events.append(event)
        for line in self.format(event):
            for piece in _wrap(line):
                self.write(piece)
        return event

    @staticmethod
    def format(e: Event) -> list[str]:
        lines = e.text.splitlines() or [""]
        body = [INDENT + line if line else "" for line in lines]
        first = lines[0]
        t = e.time
        who = (e.visible_to or "").split(" (")[0]
        if e.kind in ("message", "command"):
            return [f"{t}  {e.channel}  {e.actor}: {first}", *body[1:]]
        if e.kind in ("click", "submit", "shortcut", "open_home"):
            return [f"{t}  {e.actor} {first}", *body[1:]]
        if e.kind == "post":
            where = f"{e.channel}  {BOT_NAME}" + (f", {e.detail}" if e.detail else "")
            return [f"{t}  {where}:", *body]
        if e.kind == "update":
            return [f"{t}  {e.channel}  {BOT_NAME} updates {e.detail}:", *body]
        if e.kind == "dm":
            return [f"{t}  DM to {who}  {BOT_NAME}:", *body]
        if e.kind == "dm_update":
            return [f"{t}  DM to {who}  {BOT_NAME} updates {e.detail}:", *body]
        if e.kind == "ephemeral":
            where = f" in {e.channel}" if e.channel else ""
            return [f"{t}  → only {who} sees (ephemeral){where}:", *body]
        if e.kind == "removed":
            return [f"{t}  → {first}"]
        if e.kind == "modal":
            return [f"{t}  {who} sees a modal:", *body]
        if e.kind == "modal_errors":
            return [f"{t}  ✖ the modal refuses it and stays open: {first}", *body[1:]]
        if e.kind == "home":
            return [f"{t}  {who}'s App Home:", *body]
        if e.kind == "check":
            return [f"{INDENT}✔ {first}", *body[1:]]
        if e.kind == "note":
            return [f"{INDENT}{first}", *body[1:]]
        return [f"{t}  {first}", *body[1:]]


def _wrap(line: str, width: int = WIDTH, indent: str = INDENT) -> list[str]:
    """A transcript line cut to ``width``, continued under ``indent``; a row of buttons is
    cut between buttons, never inside one."""
    if len(line) <= width:
        return [line]
    cont = indent + ("  " if line.startswith(INDENT + "✔ ") else "")
    if line.lstrip().startswith("[ ") and "]  [" in line:
        rows: list[str] = []
        row = ""
        lead = line[: len(line) - len(line.lstrip())]
        for button in line.strip().split("  "):
            if row and len(row) + 2 + len(button) > width:
                rows.append(row)
                row = ""
            row = f"{row}  {button}" if row else (lead if not rows else cont) + button
        return [*rows, row]
    return textwrap.wrap(
        line,
        width,
        subsequent_indent=cont,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [line]


# ---------------------------------------------------------------------------------------------
# The context a step works with


@dataclass
class Tally:
    left_alone: int = 0
    refused_non_approvers: int = 0
    refused_resolves: int = 0
    digests: int = 0


class DemoContext:
    """What a step drives and checks: the running bot, the fake Slack, the people, the story.

    Acting (each sends a signed request to the bot's HTTP endpoint, waits until the bot and its
    outbox are done, and adds what people saw to the transcript): :meth:`say`,
    :meth:`command`, :meth:`click`, :meth:`submit`, :meth:`shortcut`, :meth:`open_home`.
    Reading: :meth:`escalation`, :meth:`newest_escalation`, :meth:`interception`.
    Checking: :meth:`check` (prints ``✔`` or raises :class:`DemoFailure`), :meth:`note`.
    ``state`` carries what one step leaves for the next (``state["work_esc"]`` …).
    """

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

        from bot.adapters.models import OutboxMessage

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

        from bot.adapters.models import ApprovalRequest, Escalation

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

    # -- reading ------------------------------------------------------------------------------

    def home_channel(self, who: Person) -> str:
        """The channel of ``who``'s team (the ping channel for people in no team)."""
        for team in self.config.teams.values():
            if who.id in (*team.members, *team.leads):
                return team.channel
        return self.cast.ping_channel

    def escalation(self, number: int) -> Escalation:
        from sqlalchemy import select

        from bot.adapters.models import Escalation

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

        from bot.adapters.models import Escalation

        with self.container.sessions() as s:
            row = s.scalar(select(Escalation).order_by(Escalation.number.desc()).limit(1))
            if row is not None:
                s.expunge(row)
            return row

    def escalation_count(self) -> int:
        from sqlalchemy import func, select

        from bot.adapters.models import Escalation

        with self.container.sessions() as s:
            return int(s.scalar(select(func.count(Escalation.id))) or 0)

    def interception(self, channel: str, ts: str) -> Interception | None:
        from sqlalchemy import select

        from bot.adapters.models import Interception

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

        from bot.adapters.models import TimelineEntry

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


# ---------------------------------------------------------------------------------------------
# The day


@dataclass(frozen=True)
class Step:
    """One event of the day. ``title`` may name the cast: ``{tech}``, ``{work_lane}`` …"""

    name: str
    title: str
    run: Callable[[DemoContext], None]


def _initial(view: Mapping[str, Any], block_id: str) -> Any:
    """What an input of a modal starts with: the option value, or the text."""
    for block in view.get("blocks") or []:
        if block.get("block_id") == block_id:
            element = block.get("element") or {}
            option = element.get("initial_option")
            return (
                option.get("value") if isinstance(option, Mapping) else element.get("initial_value")
            )
    return None


def _status(ctx: DemoContext, number: int) -> str:
    return ctx.escalation(number).status


def ping_routed(ctx: DemoContext) -> None:
    c = ctx.cast
    if not c.tech_always_protected:
        ctx.note(f"(Nobody is always protected in this file: {c.tech.name} turns on focus.)")
        ctx.command(c.tech, "/focus", "8h", ctx.home_channel(c.tech))
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech.id}> can you check the backup alert for Acme Dental? "
        "The Veeam job has failed three nights running.",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    caught = ctx.interception(c.ping_channel, ts)
    ctx.check(
        caught is not None and caught.outcome == "pending",
        f"the ping was intercepted: only {c.requester.name} was offered the lanes, "
        f"{c.tech.name} was not interrupted",
        otherwise="no interception was stored",
    )
    ctx.state["ping"] = (c.ping_channel, ts, offer)


def route_ping(ctx: DemoContext) -> None:
    c = ctx.cast
    channel, ts, offer = ctx.state["ping"]
    lane = c.work_lane
    view = ctx.click(c.requester, offer, f"route:{lane.key}", where="in the offer")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.check(
        _initial(view, "lane") == lane.key and "backup alert" in str(_initial(view, "summary")),
        f"the modal is pre-filled with the lane {lane.name!r} and the message",
        otherwise="the lane or the summary was not pre-filled",
    )
    before = ctx.escalation_count()
    ctx.submit(
        c.requester,
        view,
        {"client": "Acme Dental", "severity": c.work_severity},
        describe=f"Client: Acme Dental · Severity: {c.work_severity} (the rest as pre-filled)",
    )
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and ctx.escalation_count() == before + 1 and esc.lane == lane.key,
        f"{esc.ref if esc else 'the escalation'} is stored in {lane.name} ({c.work_severity}), "
        f"requested by {c.requester.name}",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.check(
        esc.status == "open" and esc.source == "intercepted",
        f"{esc.ref} is open, its SLA clock running",
        otherwise=f"it is {esc.status}",
    )
    ctx.lane_message(esc.number)
    ctx.check(True, f"its lane message is in {c.channel(lane.channel)} with the lane buttons")
    notes = [m for m in ctx.fake.thread(channel, ts)[1:] if esc.ref in str(m.get("text"))]
    ctx.check(
        bool(notes),
        f"the original message's thread says where it went ({esc.ref})",
        otherwise="no note in the original message's thread",
    )
    caught = ctx.interception(channel, ts)
    ctx.check(
        caught is not None and caught.outcome == "routed",
        "the interception is recorded as routed",
        otherwise=f"its outcome is {caught.outcome if caught else None}",
    )
    ctx.state["work_esc"] = esc.number


def take(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    ctx.click(c.tech, ctx.lane_message(n), "esc_take", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged" and esc.owner == c.tech.id and esc.responded_at is not None,
        f"ESC-{n} is in progress, owned by {c.tech.name}; its respond target is met",
        otherwise=f"it is {esc.status}, owned by {esc.owner}",
    )


def wait_and_resume(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    ctx.click(c.tech, ctx.lane_message(n), "esc_wait", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "waiting" and esc.paused_since is not None,
        f"ESC-{n} is waiting on the client; its SLA clock is paused",
        otherwise=f"it is {esc.status}",
    )
    due_before = esc.resolve_due
    ctx.note("(Acme Dental's office manager confirms the backup window.)")
    ctx.click(c.tech, ctx.lane_message(n), "esc_resume", where=f"on ESC-{n}")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged"
        and esc.paused_since is None
        and (due_before is None or (esc.resolve_due is not None and esc.resolve_due >= due_before)),
        f"ESC-{n} is back in progress; the paused time was added to its resolve target",
        otherwise=f"it is {esc.status}",
    )


def _done_boxes(view: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    boxes = []
    for block in view.get("blocks") or []:
        el = block.get("element") or {}
        if block.get("type") == "input" and el.get("type") == "checkboxes":
            boxes.append(
                (str(block["block_id"]), [str(o["value"]) for o in el.get("options") or []])
            )
    return boxes


def resolve_refused(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    view = ctx.click(c.tech, ctx.lane_message(n), "esc_resolve", where=f"on ESC-{n}")
    ctx.check(
        view is not None and view.get("callback_id") == "resolve",
        f"the definition-of-done modal opened for ESC-{n}",
        otherwise="no resolve modal opened",
    )
    assert view is not None
    ctx.state["resolve_view"] = view
    boxes = _done_boxes(view)
    if not boxes:
        ctx.note(f"({c.work_lane.name} has no definition of done, so there is no box to miss.)")
        return
    values: dict[str, Any] = {block_id: options for block_id, options in boxes}
    last_block, last_options = boxes[-1]
    values[last_block] = last_options[:-1]
    values["note"] = "Re-ran the Veeam job, it completed."
    total = sum(len(options) for _, options in boxes)
    answer = ctx.submit(
        c.tech,
        view,
        values,
        describe=(
            f"ticks {total - 1} of the {total} boxes, with a note"
            if total > 1
            else "leaves the one box unticked, with a note"
        ),
    )
    ctx.check(
        answer.get("response_action") == "errors",
        "the resolve is refused: every box of the definition of done is required",
        otherwise="the bot accepted it",
    )
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "acknowledged" and esc.resolved_at is None,
        f"ESC-{n} is unchanged (still in progress)",
        otherwise=f"it is {esc.status}",
    )
    ctx.tally.refused_resolves += 1


def resolve(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state["work_esc"]
    view = ctx.state["resolve_view"]
    boxes = _done_boxes(view)
    values: dict[str, Any] = {block_id: options for block_id, options in boxes}
    values["note"] = "Re-ran the Veeam job and verified a restore; the retention setting was wrong."
    total = sum(len(options) for _, options in boxes)
    answer = ctx.submit(
        c.tech,
        view,
        values,
        describe=f"ticks {'all ' + str(total) + ' boxes' if total > 1 else 'the box'}, with a note",
    )
    ctx.check(
        answer.get("response_action") != "errors",
        "the modal closes",
        otherwise=f"it says {answer.get('errors')}",
    )
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "resolved" and list(esc.done_checked) == list(c.work_lane.done),
        f"ESC-{n} is resolved with its definition of done and the note on record",
        otherwise=f"it is {esc.status} with {esc.done_checked}",
    )
    message = ctx.lane_message(n)
    buttons = [
        e.get("action_id")
        for b in message.get("blocks") or []
        if b.get("type") == "actions"
        for e in b.get("elements") or []
    ]
    ctx.check(
        buttons == ["esc_reopen"],
        "the lane message now offers only [ Reopen ]",
        otherwise=f"it offers {buttons}",
    )
    kinds = ctx.timeline_kinds(n)
    ctx.check(
        kinds == ["created", "taken", "waiting", "resumed", "resolved"],
        "its timeline holds every change and who made it: " + " → ".join(kinds),
        otherwise=f"the timeline is {kinds}",
    )


def thanks_left_alone(ctx: DemoContext) -> None:
    c = ctx.cast
    before = len(ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"thanks <@{c.tech.id}>, the Acme Dental backups are green again. Great work!",
    )
    after = len(ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    ctx.check(
        ctx.interception(c.ping_channel, ts) is None and after == before,
        "a thank-you is not a request: nobody is interrupted by the bot",
        otherwise="it was intercepted",
    )
    ctx.tally.left_alone += 1


def not_a_request(ctx: DemoContext) -> None:
    c = ctx.cast
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech2.id}> the label printer at Contoso reception is jammed again",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    ctx.note(f"({c.requester.name} was only venting: Contoso's office manager already cleared it.)")
    ctx.click(c.requester, offer, "route_not_request", where="in the offer")
    gone = all(e["ts"] != offer["ts"] for e in ctx.fake.ephemerals(c.ping_channel, c.requester.id))
    caught = ctx.interception(c.ping_channel, ts)
    ctx.check(
        gone and caught is not None and caught.outcome == "dismissed",
        "the offer is gone and the ping is recorded as not a request",
        otherwise=f"its outcome is {caught.outcome if caught else None}",
    )


def slash_escalate(ctx: DemoContext) -> None:
    c = ctx.cast
    lane, severity = c.escalate_lane, c.escalate_severity
    where = ctx.home_channel(c.tech2)
    view = None
    before = len(ctx.opened_views)
    # `/escalate` reads a severity word shaped like P1 or SEV1; others are picked in the form
    typed = severity if COMMAND_SEVERITY.match(severity) else None
    summary = "Contoso's CFO clicked a phishing link and entered her password"
    ctx.command(c.tech2, "/escalate", " ".join(filter(None, [lane.key, typed, summary])), where)
    if len(ctx.opened_views) > before:
        view = ctx.opened_views[-1]
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    expected = (lane.key, typed or _initial(view, "severity"), summary)
    shown = (_initial(view, "lane"), _initial(view, "severity"), _initial(view, "summary"))
    ctx.check(
        shown == expected,
        f"it is pre-filled from the command: {lane.name}, {typed or 'the default severity'}, "
        "the summary",
        otherwise=f"it was pre-filled with {shown}",
    )
    values = {"client": "Contoso"} if typed else {"client": "Contoso", "severity": severity}
    describe = "Client: Contoso" + ("" if typed else f" · Severity: {severity}")
    ctx.submit(c.tech2, view, values, describe=describe)
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.lane == lane.key and esc.source == "slash_command",
        f"{esc.ref if esc else 'it'} is stored in {lane.name} and posted to {c.channel(lane.channel)}",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.lane_message(esc.number)
    ctx.state["slash_esc"] = esc.number


def message_shortcut(ctx: DemoContext) -> None:
    c = ctx.cast
    team_channel = ctx.config.teams[c.work_lane.team].channel
    ts = ctx.say(
        c.reporter,
        team_channel,
        "Heads-up: the Datto backup for Contoso failed again last night, "
        "and the disk on CONTOSO-FS01 is at 96%.",
    )
    view = ctx.shortcut(c.shortcut_user, team_channel, ts)
    ctx.check(
        view is not None,
        "the escalation modal opened with the message",
        otherwise="no modal opened",
    )
    assert view is not None
    values: dict[str, Any] = {"client": "Contoso", "severity": c.work_severity}
    suggested = _initial(view, "lane")
    lane_key = (
        suggested
        if suggested
        and _free_severity(ctx.config.lanes[suggested], c.work_severity) == c.work_severity
        else c.work_lane.key
    )
    describe = f"Client: Contoso · Severity: {c.work_severity}"
    if lane_key != suggested:
        values["lane"] = lane_key
        describe += f" · Lane: {ctx.config.lanes[lane_key].name}"
    ctx.submit(c.shortcut_user, view, values, describe=describe)
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.source == "message_shortcut" and esc.source_ts == ts,
        f"{esc.ref if esc else 'it'} is stored in {ctx.config.lanes[lane_key].name}, linked to the message",
        otherwise="no escalation was stored",
    )
    assert esc is not None
    ctx.lane_message(esc.number)
    notes = [m for m in ctx.fake.thread(team_channel, ts)[1:] if esc.ref in str(m.get("text"))]
    ctx.check(
        bool(notes),
        f"the message's thread says it became {esc.ref}",
        otherwise="no note in its thread",
    )


def focus_ping(ctx: DemoContext) -> None:
    c = ctx.cast
    who = c.focus_person
    resp = ctx.command(who, "/focus", "90m", ctx.home_channel(who))
    ctx.check(
        "Focus on until" in resp.text,
        f"{who.name} is in focus for 90 minutes",
        otherwise=f"the bot said {resp.text[:120]!r}",
    )
    ts = ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{who.id}> can you cover the on-call shift Thursday night? We are one short.",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    ctx.check(
        ctx.interception(c.ping_channel, ts) is not None,
        f"{who.name} is not always protected, but in focus: the ping is intercepted",
    )
    route = next(
        el
        for b in offer.get("blocks") or []
        if b.get("block_id") == "route"
        for el in b.get("elements") or []
    )
    lane_key = str(route["action_id"]).removeprefix("route:")
    view = ctx.click(c.requester, offer, str(route["action_id"]), where="(the suggested lane)")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.submit(
        c.requester,
        view,
        {"client": "Internal"},
        describe="Client: Internal (the rest as pre-filled)",
    )
    esc = ctx.newest_escalation()
    lane = ctx.config.lanes[lane_key]
    ctx.check(
        esc is not None and esc.lane == lane_key and esc.source == "intercepted",
        f"{esc.ref if esc else 'it'} is stored in {lane.name} and posted to {c.channel(lane.channel)}",
        otherwise="no escalation was stored",
    )


def approval_request(ctx: DemoContext) -> None:
    c = ctx.cast
    lane, severity = c.approval_lane, c.approval_severity
    if lane is None or severity is None:
        ctx.note("(No lane in this file needs approval: the approval steps are skipped.)")
        return
    ctx.say(
        c.requester,
        c.ping_channel,
        f"<@{c.tech2.id}> Acme Dental wants the server migration moved up to this week, "
        "can you expedite?",
    )
    offer = ctx.offer_to(c.requester, c.ping_channel)
    view = ctx.click(c.requester, offer, f"route:{lane.key}", where="in the offer")
    ctx.check(view is not None, "the escalation modal opened", otherwise="no modal opened")
    assert view is not None
    ctx.submit(
        c.requester,
        view,
        {"client": "Acme Dental", "severity": severity},
        describe=f"Client: Acme Dental · Severity: {severity}",
    )
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and esc.lane == lane.key and esc.status == "pending_approval",
        f"{esc.ref if esc else 'it'} waits for approval ({lane.approval.describe()}); "
        "its SLA clock has not started",
        otherwise=f"it is {esc.status if esc else 'not stored'}",
    )
    assert esc is not None
    approvers = c.approvers()
    asked = [
        uid
        for uid in approvers
        if any("Approval needed" in str(m.get("text")) for m in ctx.fake.messages(uid))
    ]
    ctx.check(
        asked == approvers,
        "every approver got a DM with [ Approve ] [ Reject ]: "
        + ", ".join(ctx.cast.people[u].name for u in approvers),
        otherwise=f"only {asked} did",
    )
    ctx.state["approval_esc"] = esc.number


def refused_non_approver(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    if c.non_approver is None:
        ctx.note("(Skipped: everyone in this file may approve it.)")
        return
    who = c.non_approver
    before = len(ctx.fake.calls_to("response_url"))
    ctx.click(who, ctx.lane_message(n), "approval_approve", where=f"on ESC-{n}")
    told = [
        call
        for call in ctx.fake.calls_to("response_url")[before:]
        if "can approve" in str(call.args.get("text"))
    ]
    ctx.check(
        bool(told), f"{who.name} is told, privately, who can approve", otherwise="nobody told them"
    )
    ctx.check(
        _status(ctx, n) == "pending_approval",
        f"ESC-{n} is unchanged (still pending approval)",
        otherwise=f"it is {_status(ctx, n)}",
    )
    ctx.tally.refused_non_approvers += 1


def approver_home(ctx: DemoContext) -> None:
    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None or c.approver is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    view = ctx.open_home(c.approver)
    ctx.check(
        f"ESC-{n}" in json.dumps(view.get("blocks")),
        f"ESC-{n} is listed under the approvals waiting on {c.approver.name}",
        otherwise="it is not in the App Home",
    )


def approve(ctx: DemoContext) -> None:
    from sqlalchemy import select

    from bot.adapters.models import ApprovalRequest

    c = ctx.cast
    n = ctx.state.get("approval_esc")
    if n is None or c.approver is None:
        ctx.note("(Skipped: no escalation is waiting for approval.)")
        return
    esc = ctx.escalation(n)
    with ctx.container.sessions() as s:
        dm = s.scalar(
            select(ApprovalRequest).where(
                ApprovalRequest.escalation_id == esc.id, ApprovalRequest.approver == c.approver.id
            )
        )
        where = (dm.dm_channel, dm.dm_ts) if dm is not None else (None, None)
    ctx.check(
        where[0] is not None and where[1] is not None,
        f"{c.approver.name} has the approval DM",
        quiet=True,
        otherwise="it was never sent",
    )
    ctx.click(c.approver, (str(where[0]), str(where[1])), "approval_approve", where="in the DM")
    esc = ctx.escalation(n)
    ctx.check(
        esc.status == "open" and esc.decided_by == c.approver.id and esc.respond_due is not None,
        f"ESC-{n} is approved by {c.approver.name}; its SLA clock starts now",
        otherwise=f"it is {esc.status}",
    )
    told = [m for m in ctx.fake.messages(c.requester.id) if "was approved" in str(m.get("text"))]
    ctx.check(
        bool(told), f"{c.requester.name} is told in a DM", otherwise="the requester was not told"
    )
    for uid in c.approvers():
        req = None
        with ctx.container.sessions() as s:
            req = s.scalar(
                select(ApprovalRequest).where(
                    ApprovalRequest.escalation_id == esc.id, ApprovalRequest.approver == uid
                )
            )
            shown = (
                ctx.fake.message(str(req.dm_channel), str(req.dm_ts))
                if req and req.dm_channel and req.dm_ts
                else None
            )
        ctx.check(
            shown is not None and "approval_approve" not in json.dumps(shown.get("blocks")),
            "",
            quiet=True,
            otherwise=f"{ctx.cast.people[uid].name}'s approval DM still offers the buttons",
        )
    ctx.check(True, "every approver's DM now shows the decision and who made it")


#: The day, in order. Append a :class:`Step` to show a new capability.
def standup(ctx: DemoContext) -> None:
    """The clock's jobs at the next morning's stand-up time of each team, as ``run-job`` runs
    them: one digest per team in its channel, and a second run posts nothing."""
    from datetime import UTC, datetime

    from bot.clock import run_job_once
    from bot.jobs import registry

    jobs = registry()
    now = datetime.now(UTC)
    latest = now
    for key, team in ctx.config.teams.items():
        cal = ctx.container.lanes.calendar(key)
        morning = cal.next_business_day_at(team.standup_time, now)
        latest = max(latest, morning)
        ctx.note(
            f"The clock runs the stand-up for {team.name} at {cal.local(morning):%a %d %b %H:%M %Z}."
        )
        before = len(
            [
                c
                for c in ctx.fake.calls_to("chat.postMessage")
                if c.args.get("channel") == team.channel
            ]
        )
        first = run_job_once(ctx.container, jobs["standup"], morning, key)
        ctx.settle()
        ctx.show_new_calls()
        posts = [
            c
            for c in ctx.fake.calls_to("chat.postMessage")
            if c.args.get("channel") == team.channel
        ]
        ctx.check(
            first == [f"standup {key}: sent ({cal.local(morning).date().isoformat()})"]
            and len(posts) == before + 1
            and posts[-1].ok,
            f"{team.name} got its digest in {ctx.cast.channel(team.channel)}",
            otherwise=f"the job said {first} and {len(posts) - before} posts arrived",
        )
        again = run_job_once(ctx.container, jobs["standup"], morning, key)
        ctx.settle()
        ctx.check(
            "already-sent" in again[0],
            "running it again posts nothing",
            otherwise=f"the second run said {again}",
        )
        ctx.tally.digests += 1
    ctx.note("The clock's SLA watch runs that morning too: breaches are posted in their threads.")
    watch = run_job_once(ctx.container, jobs["sla-watch"], latest)
    ctx.settle()
    ctx.show_new_calls()
    again = run_job_once(ctx.container, jobs["sla-watch"], latest)
    ctx.settle()
    ctx.check(
        all(line.endswith("(0 warnings)") for line in again),
        "each warning is posted once: " + "; ".join(watch),
        otherwise=f"a second run posted again: {again}",
    )


STEPS: list[Step] = [
    Step("ping", "{requester} pings {tech} about a failed backup", ping_routed),
    Step("route", "{requester} routes the ping into the lane “{work_lane}”", route_ping),
    Step("take", "{tech} takes it", take),
    Step("wait-resume", "{tech} waits on the client, then resumes", wait_and_resume),
    Step("resolve-refused", "{tech} tries to resolve it with a box unticked", resolve_refused),
    Step("resolve", "{tech} resolves it with its definition of done", resolve),
    Step("thanks", "{requester} thanks {tech}: not a request, left alone", thanks_left_alone),
    Step(
        "not-a-request",
        "{requester} mentions a jammed printer to {tech2}: not a request",
        not_a_request,
    ),
    Step("escalate", "{tech2} raises one in “{escalate_lane}” with /escalate", slash_escalate),
    Step(
        "shortcut",
        "{shortcut_user} turns {reporter}'s heads-up into an escalation",
        message_shortcut,
    ),
    Step(
        "focus", "{focus_person} turns on focus; {requester}'s ping is offered a lane", focus_ping
    ),
    Step(
        "approval",
        "{requester} asks {tech2} to expedite a client: it needs approval",
        approval_request,
    ),
    Step(
        "refused-approver",
        "{non_approver} tries to approve it and is refused",
        refused_non_approver,
    ),
    Step("home", "{approver} opens Lanekeeper's App Home", approver_home),
    Step("approve", "{approver} approves it from the DM", approve),
    Step("standup", "Next morning: each team's stand-up digest, and an SLA watch", standup),
]


# ---------------------------------------------------------------------------------------------
# Running


def default_config_path() -> Path:
    """The packaged demo lanes (``bot/demo_lanes.yaml``)."""
    return Path(str(resources.files("bot").joinpath("demo_lanes.yaml")))


class _LogCapture(logging.Handler):
    """Keeps the bot's warnings and errors, shown only when the demo fails."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.name}: {record.getMessage()}")


@contextlib.contextmanager
def _captured_logs() -> Iterator[_LogCapture]:
    handler = _LogCapture()
    loggers = [logging.getLogger(name) for name in ("bot", "slack_bolt", "slack_sdk", "waitress")]
    saved = [(lg, lg.propagate) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
    try:
        yield handler
    finally:
        for lg, propagate in saved:
            lg.removeHandler(handler)
            lg.propagate = propagate


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _summary(ctx: DemoContext, seconds: float) -> tuple[str, dict[str, Any]]:
    from sqlalchemy import func, select

    from bot.adapters.models import Escalation, Interception, TimelineEntry

    with ctx.container.sessions() as s:
        outcomes = Counter(s.scalars(select(Interception.outcome)))
        escalations = int(s.scalar(select(func.count(Escalation.id))) or 0)
        approved = int(
            s.scalar(select(func.count(TimelineEntry.id)).where(TimelineEntry.kind == "approved"))
            or 0
        )
        resolved = int(
            s.scalar(select(func.count(Escalation.id)).where(Escalation.status == "resolved")) or 0
        )
    intercepted = sum(outcomes.values())
    data: dict[str, Any] = {
        "seconds": round(seconds, 2),
        "pings_intercepted": intercepted,
        "routed": outcomes.get("routed", 0),
        "not_a_request": outcomes.get("dismissed", 0),
        "left_alone": ctx.tally.left_alone,
        "escalations": escalations,
        "approved": approved,
        "refused_non_approvers": ctx.tally.refused_non_approvers,
        "refused_resolves": ctx.tally.refused_resolves,
        "resolved": resolved,
        "digests": ctx.tally.digests,
    }
    line = (
        f"Demo finished in {seconds:.1f} s: {_plural(intercepted, 'ping')} intercepted "
        f"({data['routed']} routed, {data['not_a_request']} not a request), "
        f"{data['left_alone']} left alone, {_plural(escalations, 'escalation')}, "
        f"{approved} approved, {_plural(ctx.tally.refused_non_approvers, 'refused non-approver')}, "
        f"{resolved} resolved with its definition of done, "
        f"{_plural(ctx.tally.digests, 'stand-up digest')} posted once each."
    )
    data["line"] = line
    return line, data


def _intro(ctx: DemoContext, bot_url: str) -> None:
    c, t = ctx.cast, ctx.transcript
    t.intro(f"Lanekeeper demo: an MSP's day through the real bot ({ctx.config_source})")
    t.intro(
        f"The bot serves {bot_url} (the same HTTP app as `lanekeeper serve`), SQLite in "
        f"{ctx.workdir}; Slack is a local stand-in at {ctx.fake.base_url}"
    )
    t.intro("People:")
    for p in c.people.values():
        origin = p.id if p.in_config else f"{p.id}, demo only"
        t.intro(f"  {p.label:<34} {origin}")
    known = {team.channel for team in ctx.config.teams.values()}
    known |= {lane.channel for lane in ctx.config.lanes.values()}
    known |= set(ctx.config.protected.channels) if ctx.config.protected.channels != "all" else set()
    t.intro("Channels:")
    for cid, name in c.channels.items():
        t.intro(f"  {'#' + name:<34} {cid}{'' if cid in known else ', demo only'}")
    if c.groups:
        t.intro("User groups:")
        for g, members in c.groups.items():
            who = ", ".join(c.people[u].name for u in members)
            t.intro(f"  {'@' + c.group_handles[g] + ' (' + who + ')':<34} {g}")
    t.intro("Lanes:")
    for lane in ctx.config.lanes.values():
        extra = "" if lane.approval.mode == "none" else f", {lane.approval.describe()}"
        t.intro(f"  {lane.key:<16} {lane.name} → {c.channel(lane.channel)}{extra}")


def run_demo(
    config: str | Path | None = None,
    *,
    step: bool = False,
    json_path: str | None = None,
    out: TextIO | None = None,
    steps: Sequence[Step] | None = None,
    temp_root: str | Path | None = None,
    pause: Callable[[], None] | None = None,
    setup: Callable[[DemoContext], None] | None = None,
) -> int:
    """Play the day; return the exit status (0 done, 1 a step failed, 2 unusable lanes file).

    ``config`` is a lanes file (default: the packaged demo lanes); ``step`` pauses after each
    step (``pause`` replaces waiting for Enter); ``json_path`` writes the transcript as JSON
    (``"-"``: to stdout, the readable transcript then goes to stderr); ``out`` receives the
    readable transcript (default stdout); ``steps`` replaces :data:`STEPS`; ``temp_root`` is
    where the temporary folder is made; ``setup`` runs before the first step (fault injection).
    """
    from bot.config.loader import ConfigError, load_config

    started = time.monotonic()
    if out is None:
        out = sys.stderr if json_path == "-" else sys.stdout
    path = Path(config) if config is not None else default_config_path()
    source = f"lanes from {path}" if config is not None else "the built-in demo lanes"
    try:
        lanes_config = load_config(path)
    except ConfigError as exc:
        print(f"lanekeeper demo: {path} cannot be used:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    transcript = Transcript(out, ZoneInfo(lanes_config.timezone))
    result: dict[str, Any] = {
        "ok": False,
        "config": str(path),
        "timezone": lanes_config.timezone,
        "steps": [],
    }
    failure: tuple[str, str] | None = None
    with contextlib.ExitStack() as stack:
        logs = stack.enter_context(_captured_logs())
        workdir = Path(
            stack.enter_context(
                tempfile.TemporaryDirectory(
                    prefix="lanekeeper-demo-",
                    dir=str(temp_root) if temp_root else None,
                    ignore_cleanup_errors=True,
                )
            )
        )
        current = "set up the demo workspace"
        ctx: DemoContext | None = None
        try:
            cast = cast_for(lanes_config)
            ctx, bot_url = _start(stack, lanes_config, path, source, cast, transcript, workdir)
            result["cast"] = [
                {"id": p.id, "name": p.name, "role": p.role, "in_config": p.in_config}
                for p in cast.people.values()
            ]
            result["channels"] = {cid: f"#{name}" for cid, name in cast.channels.items()}
            _intro(ctx, bot_url)
            if setup is not None:
                setup(ctx)
            story = _Story(cast.story())
            for s in STEPS if steps is None else steps:
                current = s.title.format_map(story)
                record = transcript.begin(s.name, current)
                s.run(ctx)
                record.ok = True
                if step:
                    if pause is not None:
                        pause()
                    else:
                        _wait_for_enter(out)
            current = "deliver what is left in the outbox"
            ctx.settle(everything=True)
            ctx.show_new_calls()
            line, summary = _summary(ctx, time.monotonic() - started)
            result.update(ok=True, summary=summary)
            transcript.write()
            transcript.write(line)
        except DemoFailure as exc:
            failure = (current, str(exc))
        except KeyboardInterrupt:
            failure = (current, "interrupted")
        except Exception as exc:  # anything else is a failure of the step too, said plainly
            failure = (current, f"unexpected {type(exc).__name__}: {exc}")
            result["traceback"] = traceback.format_exc()
        if failure is not None:
            if transcript.steps and transcript.steps[-1].ok is None:
                transcript.steps[-1].ok = False
            result["error"] = {"step": failure[0], "message": failure[1], "log": logs.lines[-10:]}
        result["steps"] = [r.as_dict() for r in transcript.steps]
        result["preamble"] = transcript.preamble
        result["seconds"] = round(time.monotonic() - started, 2)
    if json_path:
        text = json.dumps(result, indent=2, ensure_ascii=False)
        if json_path == "-":
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
        else:
            Path(json_path).write_text(text + "\n", encoding="utf-8")
    if failure is not None:
        print(f'demo failed at step "{failure[0]}": {failure[1]}', file=sys.stderr)
        for line in result["error"]["log"]:
            print(f"  bot log: {line}", file=sys.stderr)
        if "traceback" in result:
            print(result["traceback"].rstrip(), file=sys.stderr)
        return 130 if failure[1] == "interrupted" else 1
    return 0


class _Story(dict[str, str]):
    """Step-title names; an unknown ``{name}`` is left as written."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _wait_for_enter(out: TextIO) -> None:
    """``--step``: the prompt goes where the story goes (stdout may be carrying JSON)."""
    with contextlib.suppress(OSError, ValueError):
        out.write(f"{INDENT}… press Enter for the next step ")
        out.flush()
    sys.stdin.readline()


def _start(
    stack: contextlib.ExitStack,
    config: LanekeeperConfig,
    path: Path,
    source: str,
    cast: Cast,
    transcript: Transcript,
    workdir: Path,
) -> tuple[DemoContext, str]:
    """Start the fake Slack, migrate the database, start the bot; all stopped by ``stack``."""
    from waitress.server import create_server

    from bot.adapters.db import upgrade
    from bot.bootstrap import build
    from bot.settings import Settings
    from bot.testing.fake_slack import FakeSlack
    from bot.testing.requests import SlackClientSimulator

    token = f"xoxb-demo-{secrets.token_hex(8)}"
    signing_secret = secrets.token_hex(16)
    fake = FakeSlack(bot_token=token, team_id=TEAM_ID, team_name="Demo MSP", bot_name="lanekeeper")
    fake.start()
    stack.callback(fake.stop)
    for person in cast.people.values():
        fake.add_user(
            person.id, name=person.name.lower(), real_name=person.name, tz=config.timezone
        )
    for group_id, members in cast.groups.items():
        fake.add_usergroup(group_id, users=members, handle=cast.group_handles[group_id])
    everyone = list(cast.people)
    for channel_id, name in cast.channels.items():
        fake.add_channel(channel_id, name=name, members=everyone)

    db_url = f"sqlite:///{workdir / 'lanekeeper.db'}"
    upgrade(db_url)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token=token,
        slack_signing_secret=signing_secret,
        slack_api_url=fake.api_url,
        database_url=db_url,
        lanekeeper_config=str(path),
        lanekeeper_listener_threads=16,
    )
    container = build(settings, config=config)
    stack.callback(container.close)
    container.deliverer.start(interval=0.2)
    server = create_server(container.web_app(), host="127.0.0.1", port=0, threads=8)
    port = server.effective_port
    thread = threading.Thread(target=server.run, name="demo-http", daemon=True)
    thread.start()
    stack.callback(_stop_server, server, thread)
    url = f"http://127.0.0.1:{port}/slack/events"
    slack = SlackClientSimulator(
        app_url=url, signing_secret=signing_secret, fake=fake, team_id=TEAM_ID
    )
    stack.callback(slack.close)
    ctx = DemoContext(
        config=config,
        config_source=source,
        cast=cast,
        fake=fake,
        slack=slack,
        container=container,
        transcript=transcript,
        workdir=workdir,
    )
    return ctx, url


def _stop_server(server: Any, thread: threading.Thread) -> None:
    """Stop waitress from inside its own loop (closing its sockets from another thread would
    pull them from under a running ``select``), then its worker threads."""
    from waitress import wasyncore

    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map, ignore_all=True))
    thread.join(timeout=5)
    server.task_dispatcher.shutdown()


# ---------------------------------------------------------------------------------------------
# Command line


def _add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--config",
        metavar="FILE",
        help="play the day through your own lanes file (ids are mapped onto demo people)",
    )
    p.add_argument("--step", action="store_true", help="pause after each step")
    p.add_argument(
        "--json",
        metavar="FILE",
        dest="json_path",
        help="write the transcript as JSON ('-': stdout)",
    )
    p.set_defaults(func=cmd_demo)


def add_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``lanekeeper demo`` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "demo",
        help="play a scripted MSP day through the real bot, no Slack workspace needed",
        description=(
            "Starts the real bot (HTTP app, SQLite in a temporary folder) against a local "
            "stand-in for Slack and plays a scripted MSP day through it as signed Slack "
            "requests. Exits non-zero if any step does not produce what it should."
        ),
    )
    _add_arguments(p)
    return p


def cmd_demo(args: argparse.Namespace) -> int:
    return run_demo(args.config, step=args.step, json_path=args.json_path)


def main(argv: Sequence[str] | None = None) -> int:
    """``lanekeeper demo`` on its own: ``main(["--config", "my-lanes.yaml"])``."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["demo"]:
        args_list = args_list[1:]
    parser = argparse.ArgumentParser(prog="lanekeeper demo", description="Play an MSP's day.")
    _add_arguments(parser)
    args = parser.parse_args(args_list)
    return cmd_demo(args)


if __name__ == "__main__":
    sys.exit(main())
