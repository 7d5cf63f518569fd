"""Monitoring alerts become escalations: one request's events, stored in one transaction.

:func:`ingest` takes the events :func:`bot.adapters.alerts.parse_request` validated and applies
each to the escalation of its alert, keyed ``(source, key)`` (:class:`AlertLink`):

- **trigger**: a new alert opens an escalation in ``alerts.lane`` (severity through
  ``alerts.severities``, requester the sender, e.g. ``alertmanager``); a repeat of a firing alert
  changes nothing unless its severity went up (the escalation's severity and due times follow,
  with a thread line). A trigger within :data:`FLAP_WINDOW` of the monitor clearing it is a
  *flap*: the same escalation reopens (one lane message, edited, with the flap count, and a
  thread line). Later than that, or after a person resolved or cancelled it, it opens a new
  escalation.
- **resolve**: the escalation is resolved through the lifecycle (the clocks stop as for a
  person), by the sender, the lane's definition of done recorded as met by the monitor, with a
  timeline line saying the monitor cleared it. A resolve of an alert not firing changes nothing.
- **acknowledge** (PagerDuty): an open escalation becomes acknowledged (the respond clock
  stops; nobody owns it yet).

Storms: the :data:`STORM_THRESHOLD` th new alert within :data:`STORM_WINDOW` in one lane channel
starts a roll-up (:class:`AlertRollup`): from then on new alerts of that channel are shown in
one message updated in place (``alert_rollup`` outbox rows, coalesced), each still its own
escalation, until the channel is quiet for a window.

Nothing is stored unless everything is: a concurrent request opening the same alert (unique
``(team, source, key, cycle)``) or changing the same escalation (optimistic lock) makes the
whole request run again on the fresh state; a database that does not answer raises
:class:`AlertStoreUnavailable` (the web answers 503, and the sender retries).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from ..adapters.alerts import AlertEvent
from ..adapters.uow import ConcurrentChange, StoreUnavailable, UnitOfWork, store_errors
from ..domain import clocks
from ..domain import escalation as lifecycle
from ..domain.escalation import ACTIVE, MAX_CLIENT, MAX_DETAILS, MAX_SUMMARY, Source, Status
from ..domain.lanes import Lane
from ..domain.sla import due_times
from ..domain.text import escape
from .context import Lanes
from .escalations import _apply, _clocks_of, _set_clocks, state_of

if TYPE_CHECKING:  # rows come from the unit of work's repositories; only their type is named
    from ..adapters.models import AlertLink, AlertRollup, Escalation

log = logging.getLogger(__name__)

FLAP_WINDOW: Final = timedelta(hours=1)
STORM_WINDOW: Final = timedelta(seconds=60)
STORM_THRESHOLD: Final = 3  # the 3rd new alert in a minute in one channel starts a roll-up
ROLLUP_KIND: Final = "alert_rollup"
ROLLUP_COALESCE: Final = timedelta(seconds=1)  # roll-up edits at most about once a second
UNKNOWN_CLIENT: Final = "Unknown client"

SOURCE_NAMES: Final[dict[str, str]] = {
    "alertmanager": "Alertmanager",
    "pagerduty": "PagerDuty",
    "ninjaone": "NinjaOne",
    "generic": "the RMM",
}


def source_name(source: str) -> str:
    return SOURCE_NAMES.get(source, source)


class AlertIntakeOff(Exception):
    """No ``alerts.lane`` in the configuration: the intake is switched off (404)."""


class AlertStoreUnavailable(Exception):
    """Storing failed for a reason retrying may cure (503: the sender retries)."""


@dataclass
class Applied:
    """What one request changed: escalation refs per outcome."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.resolved or self.acknowledged)


def ingest(
    uow_factory: Callable[[], UnitOfWork],
    lanes: Lanes,
    *,
    slack_team_id: str,
    events: Sequence[AlertEvent],
    now: datetime,
    tries: int = 4,
) -> Applied:
    """Apply ``events`` (one request's) in one transaction; see the module docstring."""
    lane_key = lanes.config.alert_lane
    if lane_key is None:
        raise AlertIntakeOff(f"no lane {lanes.config.alerts.lane!r}: alert intake is off")
    lane = lanes.lane(lane_key)
    if not events:
        return Applied()
    for attempt in range(tries):
        try:
            with store_errors():
                return _ingest_once(
                    uow_factory(), lanes, lane, slack_team_id=slack_team_id, events=events, now=now
                )
        except ConcurrentChange as exc:
            # Another request opened the same alert or changed the same escalation meanwhile:
            # run again on what it stored.
            if attempt == tries - 1:
                raise AlertStoreUnavailable("the alert kept changing under this request") from exc
            log.info("alert request raced another one (%s); running it again", _cause(exc))
        except StoreUnavailable as exc:
            log.warning("alerts not stored: the database failed (%s)", _cause(exc))
            raise AlertStoreUnavailable("the database did not answer") from exc
    raise AssertionError("unreachable")


def _cause(exc: Exception) -> str:
    """The name of the database's own error behind a translated one (for the log)."""
    return type(exc.__cause__ or exc).__name__


def _ingest_once(
    uow: UnitOfWork,
    lanes: Lanes,
    lane: Lane,
    *,
    slack_team_id: str,
    events: Sequence[AlertEvent],
    now: datetime,
) -> Applied:
    applied = Applied()
    with uow:
        work = _Work(uow, lanes, lane, slack_team_id, now, applied)
        for event in events:
            work.apply(event)
        uow.commit()
    return applied


class _Work:
    """One transaction's state: the unit of work, the lane, and what changed."""

    def __init__(
        self,
        uow: UnitOfWork,
        lanes: Lanes,
        lane: Lane,
        slack_team_id: str,
        now: datetime,
        applied: Applied,
    ) -> None:
        self.uow = uow
        self.lanes = lanes
        self.lane = lane
        self.team = slack_team_id
        self.now = now
        self.applied = applied
        self.rollups: set[int] = set()

    # ------------------------------------------------------------------ dispatch

    def apply(self, event: AlertEvent) -> None:
        link = self.uow.alerts.current(self.team, event.source, event.key)
        row = self.uow.escalations.by_id(link.escalation_id) if link is not None else None
        if link is not None and event.delivery_id and link.last_delivery == event.delivery_id:
            self.applied.unchanged += 1  # the same delivery again
            return
        if event.action == "trigger":
            self._trigger(event, link, row)
        elif event.action == "resolve":
            self._resolve(event, link, row)
        else:
            self._acknowledge(event, link, row)
        self.uow.flush()

    def _unchanged(self) -> None:
        self.applied.unchanged += 1

    # ------------------------------------------------------------------ trigger

    def _trigger(self, event: AlertEvent, link: AlertLink | None, row: Escalation | None) -> None:
        if link is None or row is None:
            self._create(event, cycle=0)
            return
        if link.active:
            if Status(row.status) in ACTIVE and self._raise_severity(event, link, row):
                return
            self._unchanged()  # still firing: a repeat (or a person closed it meanwhile)
            return
        cleared = link.cleared_at
        if event.source == "alertmanager" and cleared is not None and event.occurred_at <= cleared:
            self._unchanged()  # a late copy of the firing that was already cleared
            return
        flap = (
            row.status == Status.RESOLVED.value
            and row.resolved_by == event.source
            and cleared is not None
            and self.now - cleared <= FLAP_WINDOW
        )
        if flap:
            self._refire(event, link, row)
        else:
            self._create(event, cycle=link.cycle + 1)

    def _severity(self, event: AlertEvent) -> str:
        wanted = self.lanes.config.alerts.severities.get(event.severity or "warning")
        return wanted if wanted in self.lane.severities else self.lane.default_severity

    def _create(self, event: AlertEvent, *, cycle: int) -> None:
        lane, now = self.lane, self.now
        team = self.lanes.team_of(lane)
        severity = self._severity(event)
        title = event.title or f"{source_name(event.source)} alert"
        row = self.uow.escalations.new(
            slack_team_id=self.team,
            number=self.uow.escalations.next_number(self.team),
            lane=lane.key,
            team=team.key,
            severity=severity,
            client=_cap(event.client or UNKNOWN_CLIENT, MAX_CLIENT),
            summary=_cap(title, MAX_SUMMARY),
            details=_cap(event.description or "", MAX_DETAILS),
            requester=event.source,
            source=Source.ALERT.value,
            lane_channel=lane.channel,
            done_checked=[],
            status=Status.OPEN.value,
            created_at=now,
            updated_at=now,
        )
        _set_clocks(
            row, clocks.start(self.lanes.calendar(team.key), lane.severities[severity], now)
        )
        self.uow.escalations.add(row)
        storm = self._storm_for_new_alert()
        self.uow.alerts.add(
            slack_team_id=self.team,
            source=event.source,
            key=event.key,
            cycle=cycle,
            escalation_id=row.id,
            channel=lane.channel,
            active=True,
            fired=1,
            alert_severity=event.severity or "warning",
            title=_cap(title, 300),
            device=event.device,
            url=event.url,
            fired_at=event.occurred_at,
            last_delivery=event.delivery_id,
            own_post=storm is None,
            rollup_id=storm.id if storm is not None else None,
            created_at=now,
            updated_at=now,
        )
        what = f"{source_name(event.source)} raised it: the alert fired ({event.severity or 'warning'} → {severity})"
        if event.device:
            what += f" on {escape(event.device)}"
        self.uow.timeline.append(
            row,
            at=now,
            actor=event.source,
            kind="created",
            text=what,
            detail={"source": event.source, "alert": "fired", "cycle": cycle},
        )
        if storm is None:
            self.uow.outbox.add(slack_team_id=self.team, kind="lane_message", escalation_id=row.id)
        else:
            self._touch_rollup(storm)
        self.applied.created.append(row.ref)

    def _raise_severity(self, event: AlertEvent, link: AlertLink, row: Escalation) -> bool:
        severity = self._severity(event)
        order = self.lane.severity_order
        if severity not in order or row.severity not in order:
            return False
        if order.index(severity) >= order.index(row.severity):
            return False
        before = row.severity
        row.severity = severity
        row.updated_at = self.now
        targets = self.lane.severities[severity]
        if row.opened_at is not None:
            respond_due, resolve_due = due_times(
                self.lanes.calendar(row.team), targets, row.opened_at
            )
            if row.responded_at is None:
                row.respond_due = respond_due
            row.resolve_due = resolve_due
        link.alert_severity = event.severity or link.alert_severity
        link.last_delivery = event.delivery_id or link.last_delivery
        link.updated_at = self.now
        text = (
            f"{source_name(event.source)} raised the severity from {before} to {severity} "
            f"({event.severity}); the due times follow"
        )
        self._changed(row, link, kind="severity", text=text, actor=event.source)
        self.applied.updated.append(row.ref)
        return True

    def _refire(self, event: AlertEvent, link: AlertLink, row: Escalation) -> None:
        change = lifecycle.reopen(state_of(row, self.lanes), event.source)
        reopens = row.reopen_count
        _apply(row, change, self.lanes, self.now, actor=event.source)
        row.reopen_count = reopens  # a flap is counted on the alert, not as a reopened job
        link.active = True
        link.fired += 1
        link.fired_at = event.occurred_at
        link.last_delivery = event.delivery_id
        link.updated_at = self.now
        severity = self._severity(event)
        order = self.lane.severity_order
        if (
            severity in order
            and row.severity in order
            and order.index(severity) < order.index(row.severity)
        ):
            row.severity = severity
        text = (
            f"{source_name(event.source)}: the alert fired again (flapped {link.flaps}×); reopened"
        )
        self._changed(row, link, kind="alert_refired", text=text, actor=event.source)
        self.applied.updated.append(row.ref)

    # ------------------------------------------------------------------ resolve, acknowledge

    def _resolve(self, event: AlertEvent, link: AlertLink | None, row: Escalation | None) -> None:
        if link is None or row is None or not link.active:
            self._unchanged()
            return
        name = source_name(event.source)
        link.active = False
        link.cleared_at = event.occurred_at if event.source == "alertmanager" else self.now
        link.last_delivery = event.delivery_id
        link.updated_at = self.now
        if Status(row.status) not in ACTIVE:
            text = f"{name} cleared the alert (the escalation was already {row.status})"
            self._changed(row, link, kind="alert_cleared", text=text, actor=event.source)
            self.applied.updated.append(row.ref)
            return
        done = list(self.lane.done)
        note = f"Cleared by the monitor: {name} reports the alert resolved."
        change = lifecycle.resolve(state_of(row, self.lanes), event.source, checked=done, note=note)
        owner = row.owner
        _apply(row, change, self.lanes, self.now, actor=event.source, checked=done)
        row.owner = owner  # the monitor resolved it; it never becomes its owner
        text = f"{name} cleared it: the monitor reports the alert resolved"
        if done:
            text += (
                "; definition of done recorded as met by the monitor ("
                + ", ".join(escape(item) for item in done)
                + ")"
            )
        detail: dict[str, object] = {
            "note": note,
            "done": done,
            "by": "monitor",
            "source": event.source,
        }
        self._changed(row, link, kind="resolved", text=text, actor=event.source, detail=detail)
        self.applied.resolved.append(row.ref)

    def _acknowledge(
        self, event: AlertEvent, link: AlertLink | None, row: Escalation | None
    ) -> None:
        if link is None or row is None or not link.active:
            self._unchanged()
            return
        if row.status not in (Status.OPEN.value, Status.REOPENED.value):
            self._unchanged()
            return
        row.status = Status.ACKNOWLEDGED.value
        row.updated_at = self.now
        lane = self.lanes.lane(row.lane)
        _set_clocks(
            row,
            clocks.apply_change(
                _clocks_of(row),
                "taken",  # an acknowledgement is the response: the respond clock stops
                calendar=self.lanes.calendar(row.team),
                targets=lane.severities[row.severity],
                at=self.now,
            ),
        )
        link.last_delivery = event.delivery_id
        link.updated_at = self.now
        text = f"Acknowledged in {source_name(event.source)}"
        self._changed(row, link, kind="acknowledged", text=text, actor=event.source)
        self.applied.acknowledged.append(row.ref)

    # ------------------------------------------------------------------ recording

    def _changed(
        self,
        row: Escalation,
        link: AlertLink,
        *,
        kind: str,
        text: str,
        actor: str,
        detail: dict[str, object] | None = None,
    ) -> None:
        """The timeline line, and the Slack side: the lane message edited and a thread line
        (never a new post), and the roll-up the alert is shown in."""
        self.uow.flush()  # version check: a concurrent change raises ConcurrentChange here
        self.uow.timeline.append(
            row, at=self.now, actor=actor, kind=kind, text=text, detail=dict(detail or {})
        )
        if link.own_post or row.lane_ts is not None:
            self.uow.outbox.add(slack_team_id=self.team, kind="lane_message", escalation_id=row.id)
            self.uow.outbox.add(
                slack_team_id=self.team,
                kind="thread_note",
                escalation_id=row.id,
                payload={"text": text},
            )
        if link.rollup_id is not None:
            rollup = self.uow.alerts.rollup(link.rollup_id)
            if rollup is not None:
                self._touch_rollup(rollup, grew=False)
        if row.owner:  # the requester is the monitor: only a person's App Home is refreshed
            self.uow.outbox.home_refresh(self.team, row.owner, escalation_id=row.id)

    # ------------------------------------------------------------------ storms

    def _storm_for_new_alert(self) -> AlertRollup | None:
        """The roll-up a new alert in this lane's channel joins, or None (its own post)."""
        channel, since = self.lane.channel, self.now - STORM_WINDOW
        rollup = self.uow.alerts.open_rollup(self.team, channel, since)
        if rollup is not None:
            return rollup
        recent = self.uow.alerts.created_since(self.team, channel, since)
        if len(recent) + 1 < STORM_THRESHOLD:
            return None
        # A second roll-up of the same storm fails here (unique seq): the request runs again.
        rollup = self.uow.alerts.add_rollup(
            slack_team_id=self.team,
            channel=channel,
            lane=self.lane.key,
            seq=self.uow.alerts.next_rollup_seq(self.team, channel),
            started_at=min([r.created_at for r in recent] + [self.now]),
            last_at=self.now,
            alerts=len(recent),
            rev=0,
        )
        for earlier in recent:  # the storm's first alerts keep their own posts, listed too
            earlier.rollup_id = rollup.id
        return rollup

    def _touch_rollup(self, rollup: AlertRollup, *, grew: bool = True) -> None:
        if grew:
            rollup.alerts += 1
            rollup.last_at = self.now
        self.uow.alerts.store_counts(rollup)
        if rollup.id in self.rollups:
            return
        self.rollups.add(rollup.id)
        # Read under the row lock just taken: a delivery that bumped ``rev`` has committed, so
        # an update queued under the old one is already being sent and this change needs its own.
        rev = self.uow.alerts.rollup_rev(rollup.id)
        anchor = self.uow.alerts.rollup_anchor(rollup.id)
        first = rollup.ts is None and rev == 0
        self.uow.outbox.add(
            slack_team_id=self.team,
            kind=ROLLUP_KIND,
            escalation_id=anchor,
            payload={"rollup_id": rollup.id},
            dedupe_key=f"alert-rollup:{rollup.id}:{rev}",
            not_before=None if first else datetime.now(UTC) + ROLLUP_COALESCE,
        )


def _cap(text: str, cap: int) -> str:
    text = " ".join(text.split()) if cap <= MAX_SUMMARY else text.strip()
    return text if len(text) <= cap else text[: cap - 1].rstrip() + "…"
