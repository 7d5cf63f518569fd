"""Running the demo: start the fake Slack, the database and the bot, play the steps, print the
summary (and write the transcript as JSON when asked), stop everything."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from ..domain.lanes import LanekeeperConfig
from .cast import Cast, DemoFailure, cast_for
from .context import TEAM_ID, DemoContext
from .steps import STEPS, Step
from .steps_alerts import ALERT_TOKEN
from .transcript import INDENT, Transcript


def default_config_path() -> Path:
    """The packaged demo lanes (``bot/demo_lanes.yaml``)."""
    return Path(str(resources.files(__name__.partition(".")[0]).joinpath("demo_lanes.yaml")))


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
    loggers = [
        logging.getLogger(name)
        for name in (__name__.partition(".")[0], "slack_bolt", "slack_sdk", "waitress")
    ]
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

    from ..adapters.models import Escalation, Interception, TimelineEntry

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
    from ..config.loader import ConfigError, load_config

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

    from ..adapters.db import upgrade
    from ..bootstrap import build
    from ..settings import Settings
    from ..testing.fake_slack import FakeSlack
    from ..testing.requests import SlackClientSimulator

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
        lanekeeper_alert_token_alertmanager=ALERT_TOKEN,
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
