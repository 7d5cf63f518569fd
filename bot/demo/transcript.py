"""The transcript: the story as data (steps, each a list of events) and as it is printed, one
line per thing a person did or saw, cut to the terminal's width."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

BOT_NAME = "Lanekeeper"
INDENT = " " * 12
WIDTH = 100  # the readable transcript's lines are cut to this (the JSON keeps them whole)


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
