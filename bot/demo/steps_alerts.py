"""A monitoring alert: Alertmanager posts a client's file server down to
``/hooks/alerts/alertmanager``; it becomes an escalation in the alert lane with its own lane
message; the same notification again changes nothing; the monitor clears it and the escalation
resolves itself, the definition of done recorded as met by the monitor."""

from __future__ import annotations

from typing import Final

import httpx

from ..testing import alert_payloads as ap
from .context import DemoContext

#: The demo's Alertmanager token (``LANEKEEPER_ALERT_TOKEN_ALERTMANAGER`` of the demo bot).
ALERT_TOKEN: Final = "demo-alertmanager-token-7f3c"


def _post(ctx: DemoContext, notification: dict[str, object]) -> httpx.Response:
    url = ctx.slack.app_url.replace("/slack/events", "/hooks/alerts/alertmanager")
    headers, _query = ap.request_parts(ALERT_TOKEN)
    return httpx.post(url, content=ap.alertmanager_body(notification), headers=headers, timeout=30)


def alert_clears_itself(ctx: DemoContext) -> None:
    lane_key = ctx.config.alert_lane
    if lane_key is None:
        ctx.note("This lanes file has no alert lane: alert intake is off, the scene is skipped.")
        return
    lane = ctx.config.lanes[lane_key]
    instance = "acme-fs01:9100"
    firing = ap.node_down_notification(instance=instance, client="Acme Dental")
    before = ctx.escalation_count()
    ctx.transcript.add(
        "webhook",
        f"Alertmanager → POST /hooks/alerts/alertmanager: HostDown firing for {instance} "
        "(Acme Dental), Authorization: Bearer …",
    )
    answer = _post(ctx, firing)
    ctx.check(
        answer.status_code == 200,
        "the bot answers 200 once the alert is stored",
        otherwise=answer.text,
    )
    ctx.settle()
    ctx.show_new_calls()
    esc = ctx.newest_escalation()
    ctx.check(
        esc is not None and ctx.escalation_count() == before + 1 and esc.lane == lane.key,
        f"{esc.ref if esc else 'ESC-?'} is open in {lane.name} ({esc.severity if esc else '?'}), "
        "raised by Alertmanager, with the device and a link back to the alert",
        otherwise="no escalation was opened",
    )
    assert esc is not None

    _post(ctx, firing)  # Alertmanager repeats a firing notification every repeat_interval
    ctx.settle()
    ctx.show_new_calls()
    ctx.check(
        ctx.escalation_count() == before + 1,
        "the same notification again changes nothing",
        otherwise="a repeat opened another escalation",
    )

    cleared = ap.node_down_notification(instance=instance, client="Acme Dental", status="resolved")
    ctx.transcript.add(
        "webhook",
        f"Alertmanager → POST /hooks/alerts/alertmanager: HostDown resolved for {instance}",
    )
    answer = _post(ctx, cleared)
    ctx.settle()
    ctx.show_new_calls()
    done = ctx.escalation(esc.number)
    ctx.check(
        answer.status_code == 200
        and done.status == "resolved"
        and done.resolved_by == "alertmanager"
        and list(done.done_checked) == list(lane.done),
        f"{esc.ref} resolved itself when the monitor cleared: its definition of done recorded "
        "as met by the monitor, the lane message edited, a line in its thread",
        otherwise=f"{esc.ref} is {done.status}",
    )
