"""The cast: demo people and channels for the ids of a lanes file.

:func:`cast_for` maps every user, channel and user group id of a lanes file onto a demo person or
channel, adds the people the day needs that the file lacks (the account manager whose pings get
intercepted, …), and picks the script's lanes by what they do: a lane work can start in right
away, a lane with an approval boundary, one more to raise an escalation in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..domain.lanes import Lane, LanekeeperConfig
from .render import Names

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
