"""``lanekeeper demo``: an MSP's day played through the real bot, with no Slack workspace.

The demo starts the same HTTP app ``lanekeeper serve`` runs (waitress, Bolt, the signature
check, the outbox deliverer) on a loopback port, with SQLite migrated by Alembic in a temporary
folder, against :class:`~bot.testing.fake_slack.FakeSlack` (the local stand-in for Slack's Web
API the test suite uses). Then it plays a scripted day as signed Slack requests sent by
:class:`~bot.testing.requests.SlackClientSimulator`: pings to protected technicians, lane
buttons, modals, approvals, App Home. It prints who said what and what each person saw, each
Slack message rendered from its Block Kit (:mod:`bot.demo.render`), checks after every step that
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

Where things live: the cast in :mod:`bot.demo.cast`, the transcript in :mod:`bot.demo.transcript`,
:class:`DemoContext` in :mod:`bot.demo.context` (waiting and showing in :mod:`bot.demo.showing`),
:class:`Step` and ``STEPS`` in :mod:`bot.demo.steps` (the steps in ``steps_escalation``,
``steps_intake``, ``steps_approval`` and ``steps_morning``), running in :mod:`bot.demo.runner` and
the command line in :mod:`bot.demo.cli`.
"""

from __future__ import annotations

from .cast import LANE_CHANNEL_NAMES as LANE_CHANNEL_NAMES
from .cast import LEAD_NAMES as LEAD_NAMES
from .cast import MANAGER_NAMES as MANAGER_NAMES
from .cast import TECH_NAMES as TECH_NAMES
from .cast import Cast, DemoFailure, Person, cast_for
from .cli import add_parser, main
from .cli import cmd_demo as cmd_demo
from .context import TEAM_ID as TEAM_ID
from .context import DemoContext
from .runner import default_config_path, run_demo
from .showing import OOPS as OOPS
from .showing import SETTLE_SECONDS as SETTLE_SECONDS
from .showing import Tally as Tally
from .steps import STEPS, Step
from .steps_approval import approval_request as approval_request
from .steps_approval import approve as approve
from .steps_approval import approver_home as approver_home
from .steps_approval import refused_non_approver as refused_non_approver
from .steps_escalation import ping_routed as ping_routed
from .steps_escalation import resolve as resolve
from .steps_escalation import resolve_refused as resolve_refused
from .steps_escalation import route_ping as route_ping
from .steps_escalation import take as take
from .steps_escalation import wait_and_resume as wait_and_resume
from .steps_intake import COMMAND_SEVERITY as COMMAND_SEVERITY
from .steps_intake import focus_ping as focus_ping
from .steps_intake import message_shortcut as message_shortcut
from .steps_intake import not_a_request as not_a_request
from .steps_intake import slash_escalate as slash_escalate
from .steps_intake import thanks_left_alone as thanks_left_alone
from .steps_morning import standup as standup
from .transcript import BOT_NAME as BOT_NAME
from .transcript import INDENT as INDENT
from .transcript import WIDTH as WIDTH
from .transcript import Event as Event
from .transcript import StepRecord as StepRecord
from .transcript import Transcript as Transcript

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
