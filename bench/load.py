"""Speed under load: Lanekeeper's acks and ephemeral replies against a bare Bolt app, same run.

Run from the repository root::

    .venv/bin/python bench/load.py [--rates 50,100,200] [--seconds 15] [--mix message]
                                   [--workers N] [--delivery-threads N]
                                   [--db postgres|sqlite] [--profile [--profile-rate HZ]]

One fake Slack (``FakeSlack(latency=0.1)``: every Web API call answers after 100 ms) serves
the apps in turn, each in its own process:

1. ``bare-64``: ``slack_bolt.App`` with ``listener_executor=ThreadPoolExecutor(64)`` under
   waitress (``--web-threads``), the fair baseline. ``/escalate`` acks then calls
   ``views.open``; a click on ``esc_wait`` / ``esc_resume`` acks then calls ``chat.update``; a
   message event posts ``chat.postEphemeral``;
2. ``lanekeeper``: ``lanekeeper serve`` exactly as an operator starts it (``python -m lanekeeper
   serve``, configured only by the environment: ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``,
   ``SLACK_API_URL``, ``DATABASE_URL``, ``LANEKEEPER_CONFIG`` = ``tests/fixtures/lanes.yaml``,
   ``PORT``, and ``WEB_CONCURRENCY`` with ``--workers``), ready once ``/healthz`` answers 200,
   stopped with SIGTERM. Its clicks are ``esc_wait`` / ``esc_resume`` on the lane messages of
   ``--escalations`` escalations created (and taken) first, so every click is a transaction
   plus four outbox rows; its messages are pings to a protected person in ``C01GENERAL``;
3. ``bare-default`` (on request, ``--variants bare-default,bare-64,lanekeeper``): the bare app
   on Bolt's default pool of 5 threads, the PITFALLS baseline (slow: it drains for minutes).
4. ``lanekeeper-separate`` (on request, ``--variants bare-64,lanekeeper,lanekeeper-separate``
   for inline vs separate in one window): ``lanekeeper serve`` with
   ``LANEKEEPER_DELIVERY=separate`` (it stores posts, sends none) and ``lanekeeper deliver``
   beside it as a second process (started once serve is healthy, stopped with SIGTERM after
   it); its CPU is reported apart ("deliver" in the notes), the app's column is serve's alone.
5. ``lanekeeper-worker`` (on request): ``lanekeeper serve`` with ``LANEKEEPER_DELIVERY=worker``
   (it checks, stores and acks Slack's events, clicks and commands, and handles none) and
   ``lanekeeper deliver`` beside it, which handles them through the Bolt app and sends the posts;
   reported like ``lanekeeper-separate`` (the deliver process's CPU apart).

Every message comes from its own sender (``U9…``, added to the channel in the fake) with its
own text: the labelled set's requests to a protected person (``interception_messages.tsv``),
each with a distinct reference appended, the way a busy workspace looks (one sender repeating
one text hides what per-sender and per-text work costs). Lanekeeper answers the messages its
rules intercept; the few the rules miss get no reply and are counted in a note, not as late.

A load generator in its own process sends the mix (slash command, click, message event, in
turn) open-loop: on a fixed schedule at the rate, never waiting for an answer before sending
the next (a new keep-alive connection is opened whenever none is free). Bodies are built and
signed before the clock starts. A few requests of each kind warm every app up first and are
not counted. ``--rates`` runs the apps at each rate in turn.

What is printed, per rate, app and kind: the ack (HTTP response) time p50 / p95 / p99 / max,
non-200 answers, timeouts (``--timeout``; a timeout counts as its elapsed time in the
percentiles) and answers slower than Slack's 3 s; for message events, the time from sending
the event to the fake Slack receiving the ``chat.postEphemeral`` for it ("never": not within
``--drain``); for ``/escalate``, the time to ``views.open`` (a trigger id lives 3 s; the fake is
told to accept older ones so that the delay is measured instead); the CPU each process used
while the load ran (the app with all its worker processes, its PostgreSQL backends, the fake
Slack, the generator, the whole machine, and the whole machine in the second before the app
started: other work on the box skews every figure), the app's CPU per request, and the
generator's send lag; for Lanekeeper, the outbox rows still pending after the drain and the
outbox's Slack calls (``views.publish``: App Home renders; ``chat.update`` /
``chat.postMessage``: lane messages and notes); the ratio of Lanekeeper's ack p99 to the bare
app's (``--delivery-threads N`` sets the outbox's threads, ``LANEKEEPER_DELIVERY_THREADS``;
``--deliver-threads N`` those of the deliver process alone, in ``lanekeeper-separate``).
At the end, one table for the README: rate, kind, Lanekeeper ack p50 / p99, bare Bolt ack p99,
ratio, reply p99, requests not answered 200. It measures and always exits 0. Everything is on loopback,
bounded in count (``rate x seconds``) and time (``--timeout``, ``--drain``).

Diagnostics: ``--mix message`` (or any subset of ``command,click,message``) sends only those
kinds; ``--rounds N`` runs the apps in turn N times and pools the samples; ``--profile`` runs
``py-spy record --gil --subprocesses`` over the serve process while the load runs (only the
thread holding the GIL is sampled: where the one core a process can use goes) and leaves
``lanekeeper.prof`` (collapsed stacks) and ``lanekeeper.txt`` (own and inclusive shares)
beside the logs (``--profile-rate``: samples per second, 100 by default); the bare apps are profiled with cProfile in every thread. py-spy:
``.venv/bin/pip install py-spy``.

Everything shares the machine's cores (app, PostgreSQL, fake Slack, generator): the figures
are only comparable within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import math
import os
import pickle
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
TEAM = "T0LANE"
LANES_FILE = ROOT / "tests" / "fixtures" / "lanes.yaml"
USERS = ["U01TECH1", "U01TECH2", "U01TECH3", "U01LEAD", "U01SM", "U01ADMIN", "U01REQ", "U02OTHER"]
CHANNELS = ("C01DESK", "C01NOC", "C01ESC", "C01GENERAL")
KINDS = ("command", "click", "message")
VARIANTS = ("bare-64", "lanekeeper")
# On request only: Bolt on its default pool of 5 threads (the PITFALLS baseline; slow to drain).
# lanekeeper-separate: serve with LANEKEEPER_DELIVERY=separate beside ``lanekeeper deliver``.
# lanekeeper-worker: serve with LANEKEEPER_DELIVERY=worker (it stores Slack's requests and acks
# them) beside ``lanekeeper deliver``, which handles them and sends the posts.
EXTRA_VARIANTS = ("bare-default", "lanekeeper-separate", "lanekeeper-worker")
DB_NAME = "lanekeeper_loadbench"
SENDER = "U01REQ"  # runs the slash commands; not a lead, so never exempt
CLICKER = "U01TECH3"  # NOC member: may work the alert lane's escalations
TEXTS_FILE = ROOT / "bench" / "interception_messages.tsv"
# The lanes file protects U01TECH1 and U01TECH2; the labelled set also protects U01TECH3.
PROTECTED_IN_LANES = ("U01TECH1", "U01TECH2")
BARE_CHANNEL = "C01DESK"  # where the bare apps' clickable messages live
EVENT_CHANNEL = "C01GENERAL"
SLACK_ACK_LIMIT = 3.0
WARMUP_EACH = 5


# ---------------------------------------------------------------------------------------------
# The apps under test (run in a child process: ``load.py --_serve SPEC``)


def _bare_app(api_url: str, pooled: bool) -> Any:
    """The PITFALLS baseline: a plain Bolt app whose listeners ack, then call Slack."""
    from concurrent.futures import ThreadPoolExecutor

    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    kwargs: dict[str, Any] = {}
    if pooled:
        kwargs["listener_executor"] = ThreadPoolExecutor(max_workers=64)
    app = App(client=WebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET, **kwargs)
    modal = {
        "type": "modal",
        "callback_id": "escalate",
        "title": {"type": "plain_text", "text": "Escalate"},
        "submit": {"type": "plain_text", "text": "Escalate"},
        "blocks": [
            {
                "type": "input",
                "block_id": "summary",
                "label": {"type": "plain_text", "text": "Summary"},
                "element": {"type": "plain_text_input", "action_id": "summary"},
            }
        ],
    }

    @app.command("/escalate")
    def escalate(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.action(re.compile(r"^esc_(wait|resume)$"))
    def click(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        action = body["actions"][0]
        waiting = action["action_id"] == "esc_wait"
        container = body["container"]
        text, blocks = bare_message(int(action.get("value") or 0), waiting=waiting)
        client.chat_update(
            channel=container["channel_id"], ts=container["message_ts"], text=text, blocks=blocks
        )

    @app.event("message")
    def message(event: dict[str, Any], client: Any) -> None:
        client.chat_postEphemeral(
            channel=event["channel"], user=event["user"], text=f"bench {event['ts']}"
        )

    return SlackRequestHandler(app)


def bare_message(number: int, *, waiting: bool) -> tuple[str, list[dict[str, Any]]]:
    """The bare apps' stand-in for a lane message: one section and a wait / resume button."""
    state = "waiting on client" if waiting else "acknowledged"
    button = {
        "type": "button",
        "action_id": "esc_resume" if waiting else "esc_wait",
        "text": {"type": "plain_text", "text": "Resume" if waiting else "Waiting on client"},
        "value": str(number),
    }
    return f"ESC-{number} is {state}", [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*ESC-{number}* · {state}"}},
        {"type": "actions", "block_id": "esc_actions", "elements": [button]},
    ]


class _ThreadProfiles:
    """cProfile in every thread started after ``install`` (cProfile sees one thread only),
    timing each thread's CPU: where the process spends the one core its GIL allows."""

    def __init__(self) -> None:
        self.profiles: list[Any] = []
        self._lock = threading.Lock()

    def install(self) -> None:
        import cProfile

        def start(frame: Any, event: str, arg: Any) -> None:
            sys.setprofile(None)
            profile = cProfile.Profile(time.thread_time)  # CPU, not waits for the GIL or I/O
            with self._lock:
                self.profiles.append(profile)
            profile.enable()

        threading.setprofile(start)

    def dump(self, path: str) -> None:
        import io
        import pstats

        with self._lock:
            profiles = list(self.profiles)
        if not profiles:
            return
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(path)
        out = io.StringIO()
        shown = pstats.Stats(path, stream=out)
        shown.sort_stats("tottime").print_stats(35)
        shown.sort_stats("cumulative").print_stats(60)
        Path(path).with_suffix(".txt").write_text(out.getvalue())


def serve_main(spec: dict[str, Any]) -> None:
    """Serve a bare Bolt app on a free loopback port; print ``PORT n``; stop when stdin closes."""
    import logging

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    profiles = _ThreadProfiles() if spec.get("profile") else None
    if profiles is not None:
        profiles.install()
    from waitress.server import create_server

    wsgi = _bare_app(spec["api_url"], pooled=spec["variant"] == "bare-64")
    server = create_server(wsgi, host="127.0.0.1", port=0, threads=spec["web_threads"])
    port = server.effective_port  # type: ignore[union-attr]
    threading.Thread(target=server.run, name="waitress", daemon=True).start()
    print(f"PORT {port}", flush=True)
    for _line in sys.stdin:  # the parent closes our stdin to stop us
        pass
    if profiles is not None:
        profiles.dump(spec["profile"])
    sys.stderr.flush()
    os._exit(0)


# ---------------------------------------------------------------------------------------------
# The load generator (run in a child process: ``load.py --_drive PLAN OUT``)

# One planned request: seconds after the start, kind, matching key, the raw HTTP request.
Planned = tuple[float, str, str, bytes]
# One result: wall-clock send time, send lag (s), ack time (s), HTTP status (0: none), error.
Outcome = tuple[float, float, float, int, str]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, status = lines[0].split(" ", 2)[:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    keep = version == "HTTP/1.1" and headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass
                break
            await reader.readexactly(size + 2)
    else:
        await reader.read()
        keep = False
    return int(status), keep


async def _drive(
    host: str, port: int, plan: list[Planned], *, timeout: float, preopen: int, max_conns: int
) -> tuple[list[Outcome | None], dict[str, int]]:
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    results: list[Outcome | None] = [None] * len(plan)
    counts = {"connections": 0, "most_open": 0, "retried": 0}
    open_now = 0
    slots = asyncio.Semaphore(max_conns)

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        nonlocal open_now
        conn = await asyncio.open_connection(host, port)
        counts["connections"] += 1
        open_now += 1
        counts["most_open"] = max(counts["most_open"], open_now)
        return conn

    def close(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        nonlocal open_now
        open_now -= 1
        conn[1].close()

    for _ in range(preopen):
        idle.append(await connect())

    async def one(index: int, due: float, raw: bytes) -> None:
        t0 = time.monotonic()
        wall = time.time()
        status, error = 0, ""
        async with slots:
            for attempt in (0, 1):
                reused = bool(idle)
                conn = idle.pop() if reused else None
                try:
                    if conn is None:
                        conn = await asyncio.wait_for(connect(), timeout)
                    conn[1].write(raw)
                    left = max(0.001, timeout - (time.monotonic() - t0))
                    status, keep = await asyncio.wait_for(_read_response(conn[0]), left)
                    if keep:
                        idle.append(conn)
                    else:
                        close(conn)
                    error = ""
                    break
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    if conn is not None:
                        close(conn)
                    error = type(exc).__name__
                    if reused and attempt == 0:  # the server closed an idle connection
                        counts["retried"] += 1
                        continue
                    break
                except TimeoutError:
                    if conn is not None:
                        close(conn)
                    error = "timeout"
                    break
                except OSError as exc:
                    if conn is not None:
                        close(conn)
                    error = type(exc).__name__
                    break
        results[index] = (wall, t0 - due, time.monotonic() - t0, status, error)

    tasks = []
    start = time.monotonic() + 0.2
    for index, (offset, _kind, _key, raw) in enumerate(plan):
        due = start + offset
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index, due, raw)))
    if tasks:
        await asyncio.wait(tasks, timeout=timeout + 5)
    for conn in idle:
        conn[1].close()
    return results, counts


def drive_main(plan_path: str, out_path: str) -> None:
    with open(plan_path, "rb") as fh:
        job = pickle.load(fh)
    results, counts = asyncio.run(
        _drive(
            job["host"],
            job["port"],
            job["plan"],
            timeout=job["timeout"],
            preopen=job["preopen"],
            max_conns=job["max_conns"],
        )
    )
    usage = os.times()
    with open(out_path, "wb") as fh:
        pickle.dump({"results": results, "counts": counts, "cpu": usage.user + usage.system}, fh)


# ---------------------------------------------------------------------------------------------
# Building Slack's requests (in the parent, before the clock starts)


def sender_id(n: int) -> str:
    """A distinct Slack user id per message (``U`` and upper-case base 36, as Slack's are)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            break
    return "U9" + out.rjust(7, "0")


def request_texts() -> list[str]:
    """The labelled set's requests to a protected person (``request`` rows that mention one),
    with U01TECH3 (protected in the labelled set, not in the bench's lanes file) read as
    U01TECH2, so that each of them is a request to someone the app protects."""
    texts = []
    for line in TEXTS_FILE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        label, _category, text = line.split("\t", 2)
        text = text.replace("<@U01TECH3>", "<@U01TECH2>")
        if label == "request" and any(f"<@{u}>" in text for u in PROTECTED_IN_LANES):
            texts.append(text)
    return texts


@dataclass
class Builder:
    """Signed Slack requests, with trigger ids and response URLs issued by the fake."""

    fake: Any
    host_port: str
    seq: int = 0
    texts: list[str] = field(default_factory=list)

    def _next(self) -> int:
        self.seq += 1
        return self.seq

    def raw(self, body: bytes, content_type: str) -> bytes:
        from bot.testing.requests import signed_headers

        signed = signed_headers(SECRET, body)
        head = (
            "POST /slack/events HTTP/1.1\r\n"
            f"Host: {self.host_port}\r\n"
            "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
            f"Content-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"X-Slack-Request-Timestamp: {signed['X-Slack-Request-Timestamp']}\r\n"
            f"X-Slack-Signature: {signed['X-Slack-Signature']}\r\n\r\n"
        )
        return head.encode("latin-1") + body

    def command(self) -> tuple[str, bytes]:
        n = self._next()
        trigger = self.fake.new_trigger_id(user=SENDER)
        fields = {
            "token": "fake-verification-token",
            "team_id": TEAM,
            "team_domain": "msp",
            "channel_id": EVENT_CHANNEL,
            "channel_name": EVENT_CHANNEL.lower(),
            "user_id": SENDER,
            "user_name": SENDER.lower(),
            "command": "/escalate",
            "text": f"alert P2 Backups failed at site {n}",
            "api_app_id": self.fake.app_id,
            "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(channel=EVENT_CHANNEL, user=SENDER),
            "trigger_id": trigger,
        }
        body = urlencode(fields).encode()
        return trigger, self.raw(body, "application/x-www-form-urlencoded")

    def message(self) -> tuple[str, bytes]:
        from bot.testing.requests import rich_text_blocks

        n = self._next()
        ts = f"{int(time.time())}.{n:06d}"
        # Each message from its own sender, with its own text: a busy workspace, not one
        # person repeating themselves (per-sender and per-text caches see nothing twice).
        texts = self.texts or request_texts()
        text = f"{texts[n % len(texts)]} (ref {n})"
        sender = sender_id(n)
        self.fake.add_members(EVENT_CHANNEL, sender)  # or Slack refuses the ephemeral
        event = {
            "type": "message",
            "channel": EVENT_CHANNEL,
            "user": sender,
            "text": text,
            "client_msg_id": f"bench-{n}",
            "team": TEAM,
            "blocks": rich_text_blocks(text),
            "ts": ts,
            "event_ts": ts,
            "channel_type": "channel",
        }
        payload = {
            "token": "fake-verification-token",
            "team_id": TEAM,
            "context_team_id": TEAM,
            "context_enterprise_id": None,
            "api_app_id": self.fake.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": f"EvBENCH{n:08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-bench-{n}",
        }
        return ts, self.raw(json.dumps(payload).encode(), "application/json")

    def click(self, sim: Any, target: dict[str, Any], action_id: str) -> tuple[str, bytes]:
        """A click on ``target`` (a stored message) showing ``esc_wait``, sent as ``action_id``."""
        n = self._next()
        payload = sim.build_click(target, "esc_wait", user=CLICKER)
        action = payload["actions"][0]
        action["action_id"] = action_id
        action["action_ts"] = f"{int(time.time())}.{n:06d}"  # one delivery, one request key
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return action["action_ts"], self.raw(body, "application/x-www-form-urlencoded")


def build_plan(
    builder: Builder,
    sim: Any,
    targets: list[dict[str, Any]],
    *,
    rate: float,
    seconds: float,
    mix: tuple[str, ...] = KINDS,
) -> list[Planned]:
    """``rate x seconds`` requests, evenly spaced, the kinds in turn; clicks go round the
    targets, each alternating ``esc_wait`` and ``esc_resume``."""
    plan: list[Planned] = []
    clicks = 0
    for i in range(int(rate * seconds)):
        kind = mix[i % len(mix)]
        if kind == "command":
            key, raw = builder.command()
        elif kind == "message":
            key, raw = builder.message()
        else:
            target = targets[clicks % len(targets)]
            action = "esc_wait" if (clicks // len(targets)) % 2 == 0 else "esc_resume"
            key, raw = builder.click(sim, target, action)
            clicks += 1
        plan.append((i / rate, kind, key, raw))
    return plan


# ---------------------------------------------------------------------------------------------
# Setting up each app's clickable messages


def wait_until(check: Any, timeout: float, what: str, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout:.0f}s")
        time.sleep(step)


def has_button(message: dict[str, Any] | None, action_id: str) -> bool:
    for block in (message or {}).get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return True
    return False


def setup_bare(fake: Any, count: int) -> list[dict[str, Any]]:
    from slack_sdk import WebClient

    client = WebClient(token=TOKEN, base_url=fake.api_url)
    targets = []
    for number in range(1, count + 1):
        text, blocks = bare_message(number, waiting=False)
        sent = client.chat_postMessage(channel=BARE_CHANNEL, text=text, blocks=blocks)
        targets.append(fake.message(BARE_CHANNEL, str(sent["ts"])))
    return targets


def setup_lanekeeper(fake: Any, sim: Any, engine: Any, count: int) -> list[dict[str, Any]]:
    """``count`` escalations in the alert lane, created through the app and taken by the NOC."""
    from sqlalchemy import select

    from bot.adapters.models import Escalation

    for number in range(1, count + 1):
        before = len(fake.calls_to("views.open"))
        sim.slash_command(
            "/escalate",
            text=f"alert P2 Bench backups failed {number}",
            user=SENDER,
            channel=EVENT_CHANNEL,
        )
        opened = fake.wait_for("views.open", count=before + 1, timeout=10)[-1]
        sim.submit_view(opened.response["view"]["id"], user=SENDER, values={"client": "Acme"})

    def lane_messages() -> list[tuple[str, str]] | None:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Escalation.lane_channel, Escalation.lane_ts).order_by(Escalation.number)
            ).all()
        if len(rows) < count or any(ts is None for _, ts in rows):
            return None
        return [(str(ch), str(ts)) for ch, ts in rows[:count]]

    where = wait_until(lane_messages, 30, "the lane messages")
    for channel, ts in where:
        sim.click((channel, ts), "esc_take", user=CLICKER)
    wait_until(
        lambda: all(has_button(fake.message(ch, ts), "esc_wait") for ch, ts in where),
        30,
        "the lane messages to show Waiting on client",
    )
    return [fake.message(ch, ts) for ch, ts in where]


# ---------------------------------------------------------------------------------------------
# Measuring


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "never"
    value *= 1000
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def db_cpu() -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving the bench database."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if DB_NAME.encode() in title and title.startswith(b"postgres"):
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot."""
    parts = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    return sum(parts) - idle, sum(parts)


@dataclass
class KindFigures:
    sent: int = 0
    acks: list[float] = field(default_factory=list)  # every request; a timeout counts as sent
    non_200: int = 0
    timeouts: int = 0
    errors: int = 0
    over_3s: int = 0


@dataclass
class VariantResult:
    name: str
    kinds: dict[str, KindFigures]
    ephemeral: list[float]  # seconds from sending the event to chat.postEphemeral; inf: never
    views_open: list[float]  # seconds from sending /escalate to views.open; inf: never
    lag_p99: float
    lag_max: float
    counts: dict[str, int]
    cpu: dict[str, float]
    notes: list[str]
    statuses: dict[int, int]


def ephemeral_key(call: Any, interceptions: dict[int, str]) -> str | None:
    """The message ts an ephemeral answers: the bare apps name it; Lanekeeper's route buttons
    carry the interception id, whose message ts is in its database."""
    text = str(call.args.get("text") or "")
    if text.startswith("bench "):
        return text[len("bench ") :]
    for block in call.args.get("blocks") or []:
        if isinstance(block, dict) and block.get("block_id") == "route":
            value = (block.get("elements") or [{}])[0].get("value")
            if value and str(value).isdigit():
                return interceptions.get(int(value))
    return None


# ---------------------------------------------------------------------------------------------
# Running one app


@dataclass
class Options:
    rate: float
    seconds: float
    timeout: float
    drain: float
    escalations: int
    web_threads: int
    listener_threads: int
    max_conns: int
    profile: bool
    workdir: Path
    mix: tuple[str, ...] = KINDS
    rounds: int = 1
    workers: int = 0  # WEB_CONCURRENCY for lanekeeper serve; 0: unset
    profile_rate: int = 100  # py-spy samples per second
    delivery_threads: int = 0  # LANEKEEPER_DELIVERY_THREADS (outbox threads); 0: unset
    deliver_threads: int = 0  # the same, for `lanekeeper deliver` alone (lanekeeper-separate)
    deliver_nice: int | None = None  # LANEKEEPER_DELIVER_NICE of `lanekeeper deliver`; None: unset
    deliver_processes: int = 1  # how many `lanekeeper deliver` processes (separate, worker)
    profile_deliver: bool = False  # --profile samples the deliver process, not serve


class Server:
    """A bare Bolt app under test in its own process (``load.py --_serve``)."""

    def __init__(self, spec: dict[str, Any], log_path: Path) -> None:
        self.log = log_path.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--_serve", json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=str(ROOT),
            text=True,
        )
        line: list[str] = []
        reader = threading.Thread(
            target=lambda: line.append(self.proc.stdout.readline() if self.proc.stdout else ""),
            daemon=True,
        )
        reader.start()
        reader.join(60)
        if not line or not line[0].startswith("PORT "):
            self.stop()
            raise RuntimeError(f"the app did not start; see {log_path}")
        self.port = int(line[0].split()[1])

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin:
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    """``lanekeeper serve`` as an operator starts it: its own process, configured only by the
    environment (the variables ``tests/test_cli.py`` uses), ready once ``/healthz`` answers
    200, stopped with SIGTERM as a host stops it."""

    def __init__(self, spec: dict[str, Any], log_path: Path) -> None:
        import httpx

        self.log = log_path.open("w")
        self.port = free_port()
        self.delivers: list[subprocess.Popen[bytes]] = []
        self.deliver_log = log_path.with_name(log_path.stem + "-deliver.log")
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DATABASE_URL", "LANEKEEPER_", "WEB_CONCURRENCY"))
        }
        env.update(
            {
                "SLACK_BOT_TOKEN": TOKEN,
                "SLACK_SIGNING_SECRET": SECRET,
                "SLACK_API_URL": spec["api_url"],
                "DATABASE_URL": spec["db_url"],
                "LANEKEEPER_CONFIG": str(LANES_FILE),
                "PORT": str(self.port),
            }
        )
        for key, var in (
            ("web_threads", "LANEKEEPER_WEB_THREADS"),
            ("listener_threads", "LANEKEEPER_LISTENER_THREADS"),
            ("delivery_threads", "LANEKEEPER_DELIVERY_THREADS"),
            ("workers", "WEB_CONCURRENCY"),
        ):
            if spec.get(key):
                env[var] = str(spec[key])
        if spec.get("delivery") in ("separate", "worker"):
            env["LANEKEEPER_DELIVERY"] = spec["delivery"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lanekeeper", "serve", "--host", "127.0.0.1"],
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=str(ROOT),
            env=env,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"lanekeeper serve did not start; see {log_path}")
            time.sleep(0.2)
        if spec.get("delivery") in ("separate", "worker"):
            if spec.get("deliver_threads"):
                env = {**env, "LANEKEEPER_DELIVERY_THREADS": str(spec["deliver_threads"])}
            if spec.get("deliver_nice") is not None:
                env = {**env, "LANEKEEPER_DELIVER_NICE": str(spec["deliver_nice"])}
            with self.deliver_log.open("w") as out:
                # --deliver-processes: the host's `worker` process type scaled to N.
                for _ in range(max(1, int(spec.get("deliver_processes") or 1))):
                    self.delivers.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "lanekeeper", "deliver"],
                            stdin=subprocess.DEVNULL,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                            cwd=str(ROOT),
                            env=env,
                        )
                    )

    def deliver_cpu(self) -> float:
        return sum(tree_cpu(p.pid) for p in self.delivers)

    def stop(self) -> None:
        for proc in (self.proc, *self.delivers):
            if proc is None:
                continue
            if proc.poll() is None:
                proc.terminate()  # SIGTERM, as a host stops it
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        self.log.close()


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and every process below it (a server's worker processes)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat[1])
    tree, frontier = {pid}, [pid]
    while frontier:
        here = frontier.pop()
        for child, parent in parents.items():
            if parent == here and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(v for v in (cpu_seconds(p) for p in tree) if not math.isnan(v))


class PySpy:
    """``py-spy record`` over the serve process and its workers while the load runs: where the
    time goes, GIL waits included (``--idle`` off: threads waiting on the network don't count)."""

    def __init__(self, pid: int, out: Path, seconds: float, rate: int = 100) -> None:
        import shutil

        exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        self.out = out
        self.proc: subprocess.Popen[bytes] | None = None
        if not Path(exe).exists():
            print("  (--profile needs py-spy: .venv/bin/pip install py-spy)")
            return
        self.proc = subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--subprocesses", "--gil", "--rate", str(rate), "--duration",
             str(int(seconds)), "--format", "raw", "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def finish(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return
        if self.out.exists():
            summary = summarise_stacks(self.out.read_text(errors="replace"))
            self.out.with_suffix(".txt").write_text(summary)


def summarise_stacks(raw: str, top: int = 40) -> str:
    """From py-spy's collapsed stacks: the share of samples per own frame, and per frame
    anywhere on the stack (inclusive), the biggest first."""
    own: dict[str, int] = {}
    anywhere: dict[str, int] = {}
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] = own.get(frames[-1], 0) + n
        for frame in set(frames):
            anywhere[frame] = anywhere.get(frame, 0) + n
    out = [f"{total} samples", "", "own time:"]
    for frame, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{100 * n / max(1, total):6.1f}%  {frame}")
    out += ["", "inclusive:"]
    for frame, n in sorted(anywhere.items(), key=lambda kv: -kv[1])[: top * 2]:
        out.append(f"{100 * n / max(1, total):6.1f}%  {frame}")
    return "\n".join(out) + "\n"


def run_variant(
    name: str, fake: Any, db_url: str, opts: Options, background: float = math.nan
) -> VariantResult:
    from bot.testing.requests import SlackClientSimulator

    engine = None
    served = name.startswith("lanekeeper")
    profile_path = opts.workdir / f"{name}.prof" if opts.profile else None
    spec = {
        "variant": name,
        "api_url": fake.api_url,
        "db_url": db_url,
        "web_threads": opts.web_threads,
        "listener_threads": opts.listener_threads,
        "workers": opts.workers,
        "delivery_threads": opts.delivery_threads,
        "delivery": {"lanekeeper-separate": "separate", "lanekeeper-worker": "worker"}.get(
            name, "inline"
        ),
        "deliver_threads": opts.deliver_threads,
        "deliver_nice": opts.deliver_nice,
        "deliver_processes": opts.deliver_processes,
        "profile": str(profile_path) if profile_path and not served else None,
    }
    log_path = opts.workdir / f"{name}.log"
    notes: list[str] = []
    server: Server | ServeProcess = (
        ServeProcess(spec, log_path) if served else Server(spec, log_path)
    )
    spy: PySpy | None = None
    url = f"http://127.0.0.1:{server.port}/slack/events"
    sim = SlackClientSimulator(url, SECRET, fake, team_id=TEAM, timeout=opts.timeout)
    try:
        if name.startswith("lanekeeper"):
            from sqlalchemy import create_engine

            engine = create_engine(db_url, pool_size=2)
            targets = setup_lanekeeper(fake, sim, engine, opts.escalations)
        else:
            targets = setup_bare(fake, opts.escalations)
        builder = Builder(fake, f"127.0.0.1:{server.port}")

        # Warm-up, not counted: a few of each kind, one at a time; clicks wait then resume.
        for i in range(WARMUP_EACH):
            for raw in (builder.command()[1], builder.message()[1]):
                sim.raw(raw.split(b"\r\n\r\n", 1)[1], _headers(raw), sign=False)
            for action in ("esc_wait", "esc_resume"):
                raw = builder.click(sim, targets[i % len(targets)], action)[1]
                sim.raw(raw.split(b"\r\n\r\n", 1)[1], _headers(raw), sign=False)
                time.sleep(0.3)
        time.sleep(2.0)

        plan = build_plan(builder, sim, targets, rate=opts.rate, seconds=opts.seconds, mix=opts.mix)
        plan_path = opts.workdir / f"{name}.plan"
        out_path = opts.workdir / f"{name}.out"
        with plan_path.open("wb") as fh:
            pickle.dump(
                {
                    "host": "127.0.0.1",
                    "port": server.port,
                    "plan": plan,
                    "timeout": opts.timeout,
                    "preopen": min(32, opts.max_conns),
                    "max_conns": opts.max_conns,
                },
                fh,
            )
        first_call = len(fake.calls)
        app_cpu0, fake_cpu0, busy0 = tree_cpu(server.proc.pid), _own_cpu(), machine_busy()
        deliver_cpu0 = server.deliver_cpu() if isinstance(server, ServeProcess) else 0.0
        db0 = db_cpu()
        if served and profile_path is not None:
            # --profile-deliver: the (first) deliver process instead of serve.
            delivers = server.delivers if isinstance(server, ServeProcess) else []
            pid = delivers[0].pid if opts.profile_deliver and delivers else server.proc.pid
            spy = PySpy(pid, profile_path, opts.seconds + 2, opts.profile_rate)
        began = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--_drive",
                str(plan_path),
                str(out_path),
            ],
            cwd=str(ROOT),
            timeout=opts.seconds + opts.timeout + 120,
            check=True,
        )
        elapsed = time.monotonic() - began
        app_cpu1, fake_cpu1, busy1 = tree_cpu(server.proc.pid), _own_cpu(), machine_busy()
        deliver_cpu1 = server.deliver_cpu() if isinstance(server, ServeProcess) else 0.0
        if spy is not None:
            spy.finish()
        db1 = db_cpu()
        with out_path.open("rb") as fh:
            driven = pickle.load(fh)

        sent_at: dict[str, float] = {}
        kinds = {kind: KindFigures() for kind in opts.mix}
        lags: list[float] = []
        statuses: dict[int, int] = {}
        for (_offset, kind, key, _raw), outcome in zip(plan, driven["results"], strict=True):
            figures = kinds[kind]
            figures.sent += 1
            if outcome is None:
                figures.errors += 1
                figures.acks.append(math.inf)
                continue
            wall, lag, took, status, error = outcome
            sent_at[key] = wall
            lags.append(lag)
            figures.acks.append(took)
            statuses[status] = statuses.get(status, 0) + 1
            if error == "timeout":
                figures.timeouts += 1
            elif error:
                figures.errors += 1
            elif status != 200:
                figures.non_200 += 1
            if took > SLACK_ACK_LIMIT:
                figures.over_3s += 1

        messages = {key for _o, kind, key, _r in plan if kind == "message"}
        commands = {key for _o, kind, key, _r in plan if kind == "command"}
        deadline = time.monotonic() + opts.drain
        interceptions: dict[int, str] = {}
        expected = messages  # the bare apps answer every message
        stable_since, seen = time.monotonic(), -1
        while True:
            if engine is not None:
                interceptions = _interceptions(engine)
                # Lanekeeper answers the messages its rules intercept (a rule's miss is no
                # reply, and not a late one): wait for those, once no new one is being stored.
                expected = messages & set(interceptions.values())
                if len(interceptions) != seen:
                    stable_since, seen = time.monotonic(), len(interceptions)
            calls = fake.calls[first_call:]
            answered = {
                key: c.at
                for c in calls
                if c.method == "chat.postEphemeral"
                and (key := ephemeral_key(c, interceptions)) in messages
            }
            opened = {
                str(c.args.get("trigger_id")): c.at
                for c in calls
                if c.method == "views.open" and c.args.get("trigger_id") in commands
            }
            settled = engine is None or time.monotonic() - stable_since > 2.0
            if (
                settled and expected <= answered.keys() and len(opened) == len(commands)
            ) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if engine is not None and len(expected) < len(messages):
            notes.append(
                f"{len(messages) - len(expected)} of {len(messages)} messages not intercepted "
                "(the rules' misses on the labelled requests: no reply expected)"
            )
        ephemeral = [answered[k] - sent_at[k] if k in answered else math.inf for k in expected]
        views_open = [opened[k] - sent_at[k] if k in opened else math.inf for k in commands]
        refused = [
            c for c in calls if c.method in ("chat.postEphemeral", "views.open") and not c.ok
        ]
        if refused:
            errors = sorted({str(c.response.get("error")) for c in refused})
            notes.append(f"{len(refused)} Slack calls refused by the fake: {', '.join(errors)}")
        if engine is not None:
            notes.append(f"outbox rows still pending after the drain: {_pending_outbox(engine)}")
            # What the outbox sent meanwhile; views.publish is App Home renders (coalesced per
            # person, issue 19), chat.update and chat.postMessage the lane messages and notes.
            sent: dict[str, int] = {}
            for c in calls:
                if c.method in ("views.publish", "chat.update", "chat.postMessage"):
                    sent[c.method] = sent.get(c.method, 0) + 1
            if sent:
                notes.append(
                    "Slack calls by the outbox: "
                    + ", ".join(f"{method} {n}" for method, n in sorted(sent.items()))
                )
        cores = os.cpu_count() or 1
        cpu = {
            "app": (app_cpu1 - app_cpu0) / elapsed,
            "fake": (fake_cpu1 - fake_cpu0) / elapsed,
            "generator": driven["cpu"] / elapsed,
            "db": sum(v - db0.get(pid, 0.0) for pid, v in db1.items()) / elapsed,
            "machine": (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]) * cores,
            "background": background,
            "app_ms_per_request": (app_cpu1 - app_cpu0) * 1000 / max(1, len(plan)),
            "deliver": (deliver_cpu1 - deliver_cpu0) / elapsed,
        }
        if isinstance(server, ServeProcess) and server.delivers:
            notes.append(
                f"deliver process(es): {cpu['deliver']:.2f} cores while the load ran "
                "(not in the app column)"
            )
        return VariantResult(
            name=name,
            kinds=kinds,
            ephemeral=ephemeral,
            views_open=views_open,
            lag_p99=percentile(lags, 99),
            lag_max=max(lags, default=math.nan),
            counts=driven["counts"],
            cpu=cpu,
            notes=notes,
            statuses=statuses,
        )
    finally:
        sim.close()
        server.stop()
        if engine is not None:
            engine.dispose()
        for scratch in (f"{name}.plan", f"{name}.out"):  # megabytes of pre-built requests
            with contextlib.suppress(OSError):
                (opts.workdir / scratch).unlink()
        with contextlib.suppress(OSError):
            problems = [
                line
                for line in log_path.read_text(errors="replace").splitlines()
                if " ERROR " in line or " WARNING " in line
            ]
            if problems:
                print(
                    f"  [{name}] {len(problems)} warning/error log lines in {log_path}; "
                    f"first: {problems[0][:160]}"
                )
        if profile_path is not None and profile_path.with_suffix(".txt").exists():
            print(
                f"  [{name}] profile: {profile_path} (top functions: {profile_path.with_suffix('.txt')})"
            )


def _headers(raw: bytes) -> dict[str, str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    found = dict(line.split(": ", 1) for line in head)
    found.pop("Host", None)
    found.pop("Content-Length", None)
    return found


def _own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def _interceptions(engine: Any) -> dict[int, str]:
    from sqlalchemy import select

    from bot.adapters.models import Interception

    with engine.connect() as conn:
        return {
            int(i): str(ts)
            for i, ts in conn.execute(select(Interception.id, Interception.message_ts)).all()
        }


def _pending_outbox(engine: Any) -> int:
    from sqlalchemy import func, select

    from bot.adapters.models import OutboxMessage

    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.delivered_at.is_(None), OutboxMessage.failed_at.is_(None)
                )
            )
            or 0
        )


# ---------------------------------------------------------------------------------------------
# The database


@contextlib.contextmanager
def database(kind: str, pg_url: str, workdir: Path) -> Any:
    """A fresh, migrated database for Lanekeeper, removed afterwards."""
    from bot.adapters.db import upgrade

    if kind == "sqlite":
        path = workdir / "loadbench.db"
        for stale in workdir.glob("loadbench.db*"):
            stale.unlink()
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url
        return
    import psycopg

    base = pg_url.rstrip("/")
    admin = base.replace("postgresql+psycopg://", "postgresql://", 1) + "/postgres"

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql)

    run(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    run(f"CREATE DATABASE {DB_NAME}")
    url = f"{base}/{DB_NAME}"
    try:
        upgrade(url)
        yield url
    finally:
        run(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


# ---------------------------------------------------------------------------------------------
# Report


def merge(results: list[VariantResult]) -> list[VariantResult]:
    """One result per app: the rounds' samples pooled, CPU averaged."""
    merged: dict[str, VariantResult] = {}
    rounds: dict[str, int] = {}
    for r in results:
        into = merged.get(r.name)
        rounds[r.name] = rounds.get(r.name, 0) + 1
        if into is None:
            merged[r.name] = copy.deepcopy(r)
            continue
        for kind, figures in r.kinds.items():
            mine = into.kinds[kind]
            mine.sent += figures.sent
            mine.acks += figures.acks
            mine.non_200 += figures.non_200
            mine.timeouts += figures.timeouts
            mine.errors += figures.errors
            mine.over_3s += figures.over_3s
        into.ephemeral += r.ephemeral
        into.views_open += r.views_open
        into.lag_p99 = max(into.lag_p99, r.lag_p99)
        into.lag_max = max(into.lag_max, r.lag_max)
        for key, value in r.counts.items():
            into.counts[key] = into.counts.get(key, 0) + value
        for key, value in r.cpu.items():
            into.cpu[key] += value
        for status, n in r.statuses.items():
            into.statuses[status] = into.statuses.get(status, 0) + n
        into.notes += r.notes
    for name, r in merged.items():
        r.notes = list(dict.fromkeys(r.notes))
        for key in r.cpu:
            r.cpu[key] /= rounds[name]
    return list(merged.values())


def report(results: list[VariantResult], opts: Options, db: str) -> None:
    results = merge(results)
    each = opts.rate / len(opts.mix)
    print()
    print(
        f"Load: {opts.rate:g} req/s for {opts.seconds:g} s x {opts.rounds} round(s) "
        f"({', '.join(opts.mix)} in turn: {each:.1f}/s each); fake Slack latency 100 ms; "
        f"waitress threads {opts.web_threads}; Lanekeeper on {db}, listener threads "
        f"{opts.listener_threads}; {os.cpu_count()} cores shared by everything."
    )
    print()
    header = f"{'app':<20} {'kind':<8} {'sent':>5} {'non200':>6} {'t/o':>4} {'err':>4} {'>3s':>5}"
    header += f" {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}   ack ms"
    print(header)
    print("-" * len(header))
    for r in results:
        for kind, f in r.kinds.items():
            print(
                f"{r.name:<20} {kind:<8} {f.sent:>5} {f.non_200:>6} {f.timeouts:>4} {f.errors:>4}"
                f" {f.over_3s:>5} {ms(percentile(f.acks, 50)):>8} {ms(percentile(f.acks, 95)):>8}"
                f" {ms(percentile(f.acks, 99)):>8} {ms(max(f.acks, default=math.nan)):>8}"
            )
    print()
    print(
        f"{'app':<20} {'from -> to':<34} {'n':>5} {'never':>6} {'p50':>8} {'p99':>8} {'max':>8}  ms"
    )
    for r in results:
        for what, values in (
            ("message sent -> chat.postEphemeral", r.ephemeral),
            ("/escalate sent -> views.open", r.views_open),
        ):
            if not values:
                continue
            never = sum(1 for v in values if math.isinf(v))
            print(
                f"{r.name:<20} {what:<34} {len(values):>5} {never:>6} "
                f"{ms(percentile(values, 50)):>8} {ms(percentile(values, 99)):>8} "
                f"{ms(max(values, default=math.nan)):>8}"
            )
    print()
    print(
        f"{'app':<20} {'app':>6} {'ms/req':>6} {'db':>5} {'fake':>5} {'gen':>5} {'machine':>7}"
        f" {'before':>6} {'lag p99':>7} {'lag max':>7} {'conns':>5}"
    )
    for r in results:
        c = r.cpu
        print(
            f"{r.name:<20} {c['app']:>6.2f} {c['app_ms_per_request']:>6.2f} {c['db']:>5.2f}"
            f" {c['fake']:>5.2f} {c['generator']:>5.2f} {c['machine']:>7.2f}"
            f" {c['background']:>6.2f} {ms(r.lag_p99):>7} {ms(r.lag_max):>7}"
            f" {r.counts.get('connections', 0):>5}"
        )
    print(
        "  (CPU in cores while the load ran: the app process (ms/req: its CPU per request), "
        "its PostgreSQL backends, the fake Slack, the generator, the whole machine, and the "
        "whole machine in the second before the app started; send lag of the generator in ms)"
    )
    for r in results:
        statuses = ", ".join(f"{s or 'none'}: {n}" for s, n in sorted(r.statuses.items()))
        print(f"  {r.name}: HTTP statuses {statuses}")
        for note in r.notes:
            print(f"  {r.name}: {note}")
    by_name = {r.name: r for r in results}
    for lk in results:
        if not lk.name.startswith("lanekeeper"):
            continue
        print()
        print(f"{lk.name} ack p99 / bare Bolt ack p99 (target: <= 1.1 against bare-64):")
        for base_name in ("bare-64", "bare-default"):
            base = by_name.get(base_name)
            if base is None:
                continue
            parts = []
            for kind, figures in lk.kinds.items():
                ours = percentile(figures.acks, 99)
                theirs = percentile(base.kinds[kind].acks, 99)
                ratio = ours / theirs if theirs and not math.isinf(theirs) else math.nan
                parts.append(f"{kind} {ratio:.2f}")
            print(f"  vs {base_name:<13} " + "   ".join(parts))
        if lk.ephemeral:
            eph = percentile(lk.ephemeral, 99)
            verdict = "within" if eph <= 1.0 else "over"
            print(f"{lk.name} ephemeral delivery p99 {ms(eph)} ms ({verdict} the 1 s target)")


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--_serve"]:
        serve_main(json.loads(argv[1]))
        return 0
    if argv[:1] == ["--_drive"]:
        drive_main(argv[1], argv[2])
        return 0
    from bot.settings import Settings

    defaults = Settings.model_fields
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (all kinds)")
    parser.add_argument(
        "--rates", default="", help="comma-separated rates run one after the other (50,100,200)"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="WEB_CONCURRENCY for lanekeeper serve (0: unset)"
    )
    parser.add_argument("--seconds", type=float, default=15.0, help="how long to send")
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432",
        help=f"PostgreSQL server; the bench creates and drops the database {DB_NAME}",
    )
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset")
    parser.add_argument(
        "--timeout", type=float, default=10.0, help="seconds before a request is given up"
    )
    parser.add_argument(
        "--drain", type=float, default=30.0, help="seconds to wait for late replies"
    )
    parser.add_argument("--escalations", type=int, default=20, help="lane messages clicked on")
    parser.add_argument(
        "--web-threads", type=int, default=int(defaults["lanekeeper_web_threads"].default)
    )
    parser.add_argument(
        "--listener-threads",
        type=int,
        default=int(defaults["lanekeeper_listener_threads"].default),
    )
    parser.add_argument("--max-conns", type=int, default=1000, help="generator connection cap")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile every thread of each app (CPU time)"
    )
    parser.add_argument(
        "--delivery-threads",
        type=int,
        default=0,
        help="LANEKEEPER_DELIVERY_THREADS for lanekeeper serve (0: unset, its default of 4)",
    )
    parser.add_argument(
        "--profile-rate", type=int, default=100, help="py-spy samples per second (--profile)"
    )
    parser.add_argument(
        "--profile-deliver",
        action="store_true",
        help="with --profile: sample the (first) lanekeeper deliver process instead of serve",
    )
    parser.add_argument(
        "--mix", default=",".join(KINDS), help="request kinds sent in turn (diagnostic subsets)"
    )
    parser.add_argument(
        "--deliver-threads",
        type=int,
        default=0,
        help="LANEKEEPER_DELIVERY_THREADS of the `lanekeeper deliver` process alone "
        "(lanekeeper-separate; default: as --delivery-threads)",
    )
    parser.add_argument(
        "--deliver-nice",
        type=int,
        default=None,
        help="LANEKEEPER_DELIVER_NICE of the `lanekeeper deliver` process (default: unset, "
        "its default of 10)",
    )
    parser.add_argument(
        "--deliver-processes",
        type=int,
        default=1,
        help="how many `lanekeeper deliver` processes run beside serve (lanekeeper-separate, "
        "lanekeeper-worker): the host's worker process type scaled to N",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat the apps in turn, pooling the samples"
    )
    args = parser.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS + EXTRA_VARIANTS]
    if unknown:
        parser.error(
            f"unknown variants {unknown}; choose from {', '.join(VARIANTS + EXTRA_VARIANTS)}"
        )
    mix = tuple(k.strip() for k in args.mix.split(",") if k.strip())
    if not mix or any(k not in KINDS for k in mix):
        parser.error(f"--mix takes kinds among {', '.join(KINDS)}")
    rates = [float(r) for r in args.rates.split(",") if r.strip()] or [args.rate]
    rates = [max(1.0, min(r, 2000.0)) for r in rates]
    seconds = max(1.0, min(args.seconds, 600.0))

    from bot.testing.fake_slack import FakeSlack

    workdir = Path(tempfile.mkdtemp(prefix="lanekeeper-load-"))
    base = Options(
        rate=rates[0],
        seconds=seconds,
        timeout=max(1.0, min(args.timeout, 60.0)),
        drain=max(1.0, min(args.drain, 300.0)),
        escalations=max(1, min(args.escalations, 200)),
        web_threads=args.web_threads,
        listener_threads=args.listener_threads,
        max_conns=max(1, min(args.max_conns, 5000)),
        profile=args.profile,
        workdir=workdir,
        mix=mix,
        rounds=max(1, min(args.rounds, 10)),
        workers=max(0, min(args.workers, 64)),
        profile_rate=max(10, min(args.profile_rate, 1000)),
        profile_deliver=args.profile_deliver,
        delivery_threads=max(0, min(args.delivery_threads, 256)),
        deliver_threads=max(0, min(args.deliver_threads, 256)),
        deliver_nice=None if args.deliver_nice is None else max(0, min(args.deliver_nice, 19)),
        deliver_processes=max(1, min(args.deliver_processes, 16)),
    )
    # Trigger ids are issued when the bodies are built, before the clock starts: the fake
    # accepts old ones, and the report gives the real delay to views.open instead.
    fake = FakeSlack(bot_token=TOKEN, team_id=TEAM, latency=0.1, trigger_ttl=3600.0)
    fake.start()
    # A client that gave up (an app stopped mid-call) makes the fake's HTTP server print a
    # traceback; count those instead of printing them between the figures.
    dropped = [0]

    def _count_dropped(request: Any, client_address: Any) -> None:
        dropped[0] += 1

    with contextlib.suppress(AttributeError):
        fake._server.handle_error = _count_dropped
    for uid in USERS:
        fake.add_user(uid, name=uid.lower(), real_name=uid.title())
    fake.add_usergroup("S01MANAGERS", users=["U01SM", "U01LEAD"])
    for channel in CHANNELS:
        fake.add_channel(channel, name=channel.lower(), members=USERS)
    by_rate: list[tuple[float, list[VariantResult]]] = []
    try:
        for rate in rates:
            opts = copy.copy(base)
            opts.rate = rate
            opts.workdir = workdir / f"{rate:g}"
            opts.workdir.mkdir(exist_ok=True)
            results: list[VariantResult] = []
            by_rate.append((rate, results))
            for name in [v for _ in range(opts.rounds) for v in variants]:
                before = machine_busy()
                time.sleep(1.0)
                after = machine_busy()
                idle_busy = (after[0] - before[0]) / max(1, after[1] - before[1])
                print(
                    f"running {name} at {rate:g} req/s for {seconds:g} s (machine busy "
                    f"{idle_busy * (os.cpu_count() or 1):.2f} cores before it starts) ...",
                    flush=True,
                )
                try:
                    busy = idle_busy * (os.cpu_count() or 1)
                    if name.startswith("lanekeeper"):
                        with database(args.db, args.pg_url, workdir) as db_url:  # fresh each time
                            results.append(run_variant(name, fake, db_url, opts, busy))
                    else:
                        results.append(run_variant(name, fake, "", opts, busy))
                except Exception as exc:  # a benchmark reports, it does not fail
                    print(f"  {name} could not be measured: {exc!r}")
            report(results, opts, args.db)
    except Exception as exc:
        print(f"benchmark aborted: {exc!r}")
    finally:
        fake.stop()
    summary(by_rate, base)
    if dropped[0]:
        print(f"fake Slack: {dropped[0]} calls whose client hung up before the answer")
    print(f"\nlogs of each app: {workdir}")
    return 0


def summary(by_rate: list[tuple[float, list[VariantResult]]], opts: Options) -> None:
    """One table for the README: per rate and kind, Lanekeeper's ack p50 / p99, bare Bolt's
    (pool of 64) ack p99 in the same run, their ratio, the ephemeral reply p99, non-200s."""
    workers = opts.workers or "unset"
    print()
    print(
        f"Summary ({', '.join(opts.mix)} in turn; {opts.seconds:g} s per rate; "
        f"WEB_CONCURRENCY={workers}; ms; target: ratio <= 1.1, reply p99 <= 1000, non-200 0)"
    )
    print(
        "| rate | kind | Lanekeeper ack p50 | p99 | bare Bolt ack p99 | ratio | reply p99 | non-200 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for rate, results in by_rate:
        merged = {r.name: r for r in merge(results)}
        bare = merged.get("bare-64")
        for lk_name, label in (
            ("lanekeeper", ""),
            ("lanekeeper-separate", " separate"),
            ("lanekeeper-worker", " worker"),
        ):
            lk = merged.get(lk_name)
            if lk is None:
                continue
            for kind, figures in lk.kinds.items():
                ours = percentile(figures.acks, 99)
                theirs = percentile(bare.kinds[kind].acks, 99) if bare else math.nan
                ratio = ours / theirs if theirs and not math.isinf(theirs) else math.nan
                reply = ms(percentile(lk.ephemeral, 99)) if kind == "message" else "-"
                bad = figures.non_200 + figures.timeouts + figures.errors
                print(
                    f"| {rate:g}/s{label} | {kind} | {ms(percentile(figures.acks, 50))} | "
                    f"{ms(ours)} | {ms(theirs)} | {ratio:.2f} | {reply} | {bad} |"
                )


if __name__ == "__main__":
    raise SystemExit(main())
