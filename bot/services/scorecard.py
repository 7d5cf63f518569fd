"""The weekly Level-10: when it is due, its figures and scorecard, the post's record, IDS
owners and to-dos, and the coaching evidence; over a unit of work, never rendering Slack.

Exactly once: :func:`record_post` stores the run (``job_runs``: ``level10``, the team, the
meeting's ISO week), the week's snapshot, its IDS items and the post in one transaction whose
first statement is an idempotent insert of the run; a second clock, a restart or a re-run by
hand finds the run and stores nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..adapters.uow import UnitOfWork
from ..domain.calendar import as_utc
from ..domain.errors import NotAllowed, NotFound
from ..domain.kpi import (
    IdsCandidate,
    Record,
    WeekFigures,
    resolve_met,
    week_figures,
    week_key,
    week_window,
)
from ..domain.level10 import Scorecard, chart_series, scorecard, snapshot_of
from .context import Lanes

if TYPE_CHECKING:
    from ..adapters.models import Level10Todo

JOB = "level10"
REMIND_JOB = "level10-remind"
TODO_DUE = timedelta(days=7)
HISTORY_WEEKS = 8


@dataclass(frozen=True)
class TodoView:
    id: int
    title: str
    owner: str
    due_at: datetime
    status: str
    not_done: int


@dataclass(frozen=True)
class Prompt:
    """Everything one team's Level-10 post shows."""

    team: str
    team_name: str
    channel: str
    timezone: str
    week: str
    meeting: datetime
    figures: WeekFigures
    snapshot: dict[str, Any]
    card: Scorecard
    ids: tuple[IdsCandidate, ...]
    todos: tuple[TodoView, ...]  # open: carried over until done
    done: tuple[TodoView, ...]  # marked done since the last meeting
    series: list[tuple[str, int, float | None]]  # the chart: last 8 weeks, oldest first


def _view(t: Level10Todo) -> TodoView:
    return TodoView(t.id, t.title, t.owner, t.due_at, t.status, t.not_done)


# --- when ------------------------------------------------------------------------------------


def meeting_due(lanes: Lanes, team: str, now: datetime) -> datetime | None:
    """Today's Level-10 moment once it has come (team-local day and time, business days only);
    None on other days and before the time. A clock that was down catches up the same day."""
    cfg = lanes.team(team)
    cal = lanes.calendar(team)
    latest = cal.latest_business_day_at(cfg.level10_time, now)
    if latest is None:
        return None
    day = cal.local(latest).date()
    if day != cal.local(now).date() or day.weekday() != cfg.level10_day:
        return None
    return latest


def next_meeting_day(lanes: Lanes, team: str, now: datetime) -> date | None:
    """The next local day (today included) the team has its Level-10 on."""
    cfg = lanes.team(team)
    cal = lanes.calendar(team)
    today = cal.local(now).date()
    for offset in range(0, 29):
        day = today + timedelta(days=offset)
        if day.weekday() == cfg.level10_day and cal.is_business_day(day):
            return day
    return None


def reminder_due(lanes: Lanes, team: str, now: datetime) -> str | None:
    """The ISO week of the next meeting when its reminder is due now: on the business day
    before that meeting, from the meeting's time of day (caught up the same day); else None."""
    cfg = lanes.team(team)
    cal = lanes.calendar(team)
    today = cal.local(now).date()
    meeting = next_meeting_day(lanes, team, now + timedelta(days=1))
    if meeting is None:
        return None
    before = meeting - timedelta(days=1)
    while not cal.is_business_day(before):
        before -= timedelta(days=1)
    if before != today or cal.local(now).time() < cfg.level10_time:
        return None
    return week_key(meeting)


# --- figures ---------------------------------------------------------------------------------


def _figures(
    uow: UnitOfWork, lanes: Lanes, slack_team_id: str, team: str, end: datetime
) -> WeekFigures:
    cfg = lanes.team(team)
    cal = lanes.calendar(team)
    start, end = week_window(cal.tz, end)
    repo = uow.level10(lanes)
    records = repo.records(slack_team_id, team=team, since=start)
    protected = set(cfg.members) | set(cfg.leads)
    return week_figures(
        records=records,
        pings=repo.pings(slack_team_id, start, end),
        protected=protected,
        approvals=repo.approvals(slack_team_id, team, start, end),
        calendar=cal,
        start=start,
        end=end,
    )


def prompt(
    uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, team: str, now: datetime
) -> Prompt:
    """The Level-10 of ``team`` for the week ending at ``now``. With the week's snapshot already
    stored (a re-run, ``/lanes scorecard`` after the meeting), its stored figures are shown."""
    cfg = lanes.team(team)
    cal = lanes.calendar(team)
    week = week_key(cal.local(now).date())
    with uow:
        figures = _figures(uow, lanes, slack_team_id, team, now)
        repo = uow.level10(lanes)
        history = repo.snapshots(slack_team_id, team, before=week, limit=HISTORY_WEEKS)
        this = snapshot_of(week, figures)
        todos = repo.open_todos(slack_team_id, team=team)
        since = figures.start
        done = repo.todos_decided_since(slack_team_id, team, since)
        views = tuple(_view(t) for t in todos)
        done_views = tuple(_view(t) for t in done)
    card = scorecard(this, history, alert=cfg.aged_backlog_alert)
    return Prompt(
        team=team,
        team_name=cfg.name,
        channel=cfg.channel,
        timezone=cfg.timezone,
        week=week,
        meeting=now,
        figures=figures,
        snapshot=this,
        card=card,
        ids=figures.ids,
        todos=views,
        done=done_views,
        series=chart_series([this, *history], weeks=HISTORY_WEEKS),
    )


def record_post(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    p: Prompt,
    payload: dict[str, Any],
    now: datetime,
) -> bool:
    """Store the run (``queued``; :func:`bot.jobs.level10.record_delivery` makes it ``sent``
    or ``refused``), the snapshot, the IDS items and the post (outbox kind ``level10``) at
    once; False, storing nothing, when this team's Level-10 of that week was already stored."""
    with uow:
        repo = uow.level10(lanes)
        if not repo.claim_run(slack_team_id, JOB, p.team, p.week, now):
            return False
        repo.add_snapshot(slack_team_id, p.team, p.week, p.snapshot, now)
        for c in p.ids:
            repo.add_issue(slack_team_id, p.team, p.week, c.key, c.kind, c.title, c.refs)
        uow.outbox.add(
            slack_team_id=slack_team_id,
            kind="level10",
            payload=payload,
            escalation_id=None,
            dedupe_key=post_key(p.team, p.week),
        )
        uow.commit()
    return True


def retry_refused(
    uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, team: str, week: str
) -> bool:
    """Queue again the team's Level-10 of ``week`` that Slack refused for good (a channel not
    found, the bot not in it …), once someone fixed that; False when it was not refused.

    The post is the one prepared for that meeting, whose figures are the week's stored
    snapshot: the scorecard then shows what the snapshot says. A chart the refused attempt
    already shared is not uploaded again; one whose upload failed is tried again."""
    key = post_key(team, week)
    with uow:
        payload = uow.level10(lanes).refused_post(slack_team_id, key)
        if payload is None:
            return False
        payload.pop("chart_failed", None)
        if not uow.outbox.requeue_refused(slack_team_id, key, payload):
            return False
        uow.job_runs.set_outcome(slack_team_id, JOB, team, week, "queued")
        uow.commit()
    return True


def post_key(team: str, week: str) -> str:
    """The outbox key of a team's Level-10 post of one week (its run's ``job:scope:period``)."""
    return f"{JOB}:{team}:{week}"


def post_of_key(key: str) -> tuple[str, str] | None:
    """(team, week) of a Level-10 post's key; None for any other key."""
    if not key.startswith(f"{JOB}:"):
        return None
    team, _, week = key.removeprefix(f"{JOB}:").rpartition(":")
    return (team, week) if team and week else None


# --- IDS owners and to-dos -------------------------------------------------------------------


def _check_member(lanes: Lanes, team: str, actor: str) -> None:
    cfg = lanes.team(team)
    if actor in cfg.members or actor in cfg.leads or actor in lanes.config.admins:
        return
    raise NotAllowed(f"Only {cfg.name} (its members and leads) and admins can change its to-dos.")


def assign_owner(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    team: str,
    week: str,
    key: str,
    owner: str,
    actor: str,
    now: datetime,
    thread: tuple[str, str] | None = None,
    note: Callable[[TodoView], str] | None = None,
) -> TodoView:
    """The IDS item's to-do, owned by ``owner`` and due a week out; assigning again hands the
    same to-do to the new owner. With ``thread`` and ``note``, a reply is queued there."""
    if team not in lanes.config.teams:
        raise NotFound("That Level-10 belongs to a team that is no longer configured.")
    _check_member(lanes, team, actor)
    with uow:
        repo = uow.level10(lanes)
        issue = repo.issue(slack_team_id, team, week, key)
        if issue is None:
            raise NotFound("That IDS item is not stored any more.")
        todo = repo.assign_todo(issue, owner=owner, actor=actor, now=now, due_at=now + TODO_DUE)
        view = _view(todo)
        _reply(uow, slack_team_id, thread, note, view)
        uow.commit()
    return view


def _reply(
    uow: UnitOfWork,
    slack_team_id: str,
    thread: tuple[str, str] | None,
    note: Callable[[TodoView], str] | None,
    view: TodoView,
) -> None:
    if thread is None or note is None:
        return
    uow.outbox.call(
        slack_team_id,
        "chat.postMessage",
        channel=thread[0],
        thread_ts=thread[1],
        text=note(view),
        unfurl_links=False,
    )


def mark_todo(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    todo_id: int,
    done: bool,
    actor: str,
    now: datetime,
    thread: tuple[str, str] | None = None,
    note: Callable[[TodoView], str] | None = None,
) -> TodoView:
    """**Done** closes the to-do; **Not done** keeps it open, carried over, and counts it."""
    with uow:
        repo = uow.level10(lanes)
        todo = repo.todo(slack_team_id, todo_id)
        if todo is None or todo.team not in lanes.config.teams:
            raise NotFound("That to-do is not stored any more.")
        _check_member(lanes, todo.team, actor)
        week = week_key(lanes.calendar(todo.team).local(now).date())
        if done:
            todo.status = "done"
        elif todo.reviewed_week != week:
            todo.not_done += 1
        todo.reviewed_week = week
        todo.decided_at = now
        todo.decided_by = actor
        view = _view(todo)
        _reply(uow, slack_team_id, thread, note, view)
        uow.commit()
    return view


def my_todos(uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, user: str) -> list[TodoView]:
    with uow:
        return [_view(t) for t in uow.level10(lanes).open_todos(slack_team_id, owner=user)]


def record_reminders(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    team: str,
    week: str,
    now: datetime,
    message: Callable[[str, list[TodoView]], dict[str, Any]],
) -> int | None:
    """Queue one reminder per owner of the team's open to-dos, once per meeting week; the
    number queued, or None when this week's reminders were already queued."""
    with uow:
        repo = uow.level10(lanes)
        if not repo.claim_run(slack_team_id, REMIND_JOB, team, week, now):
            return None
        by_owner: dict[str, list[TodoView]] = {}
        for t in repo.open_todos(slack_team_id, team=team):
            by_owner.setdefault(t.owner, []).append(_view(t))
        for owner, todos in sorted(by_owner.items()):
            uow.outbox.call(
                slack_team_id,
                "chat.postMessage",
                dedupe_key=f"{REMIND_JOB}:{team}:{week}:{owner}",
                **message(owner, todos),
            )
        uow.commit()
    return len(by_owner)


# --- /lanes scorecard and /lanes coach -------------------------------------------------------


def teams_of(lanes: Lanes, user: str) -> list[str]:
    return [k for k, t in lanes.config.teams.items() if user in t.members or user in t.leads]


@dataclass(frozen=True)
class CoachItem:
    ref: str
    summary: str
    url: str | None
    reasons: tuple[str, ...]  # reopened, no documentation, SLA missed


def coach(
    uow: UnitOfWork,
    lanes: Lanes,
    *,
    slack_team_id: str,
    asker: str,
    person: str,
    now: datetime,
    weeks: int = HISTORY_WEEKS,
) -> list[CoachItem]:
    """``person``'s process proof over the last ``weeks``: their own items that were reopened,
    closed without full documentation, or missed the SLA. Only the leads of their team and
    admins may ask; anyone else is refused with the same message whoever ``person`` is."""
    teams = teams_of(lanes, person)
    if asker not in lanes.config.admins and not any(asker in lanes.team(t).leads for t in teams):
        raise NotAllowed(
            "Only that person's team leads and admins can see their coaching evidence."
        )
    since = as_utc(now) - timedelta(weeks=weeks)
    with uow:
        records = uow.level10(lanes).records(slack_team_id, owner=person, since=since)
    out: list[CoachItem] = []
    for r in records:
        item = r.item
        mine = r.closed_by == person if item.is_closed else item.owner == person
        if not mine:
            continue
        reasons = []
        if item.reopen_count or r.reopens:
            reasons.append("reopened")
        if item.is_closed and item.resolved_at is not None and as_utc(item.resolved_at) >= since:
            if not r.documented:
                reasons.append("no documentation")
            if not resolve_met(item):
                reasons.append("SLA missed")
        elif not item.is_closed and _overdue(r, now):
            reasons.append("SLA missed")
        if reasons:
            out.append(CoachItem(item.ref, item.summary, item.url, tuple(reasons)))
    out.sort(key=lambda c: c.ref)
    return out


def _overdue(r: Record, now: datetime) -> bool:
    from ..domain.sla import aged_past_sla

    return bool(aged_past_sla([r.item], now))


def current_scorecard(
    uow: UnitOfWork, lanes: Lanes, *, slack_team_id: str, team: str, now: datetime
) -> Prompt:
    """The figures of the week so far (ending now), against the stored weeks."""
    return prompt(uow, lanes, slack_team_id=slack_team_id, team=team, now=now)
