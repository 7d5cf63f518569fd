"""Many workspaces: the registry of installed workspaces, their lanes files, and the workspace
whose work is in progress.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` (and no ``SLACK_BOT_TOKEN``) every workspace
that installed the app through OAuth is a :class:`~bot.workspaces.Workspace`: its bot token from
the installation store (rotated when due, see :mod:`bot.adapters.slack_install`) and its lanes
from ``<LANEKEEPER_CONFIG>/<TEAM_ID>.yaml``. :class:`InstalledWorkspaces` is the registry behind
the same interface as single-workspace mode's: ``get`` refuses a workspace that is not installed
(:class:`~bot.workspaces.UnknownWorkspace`) and one without a lanes file (:class:`NotConfigured`,
whose message says how to set it up); ``all`` lists the configured ones, for the clock.

The workspace in scope. Code written for one workspace reads ``deps.lanes`` (and the outbox
handlers their ``lanes``) without naming one; in multi-workspace mode that object is
:class:`RoutedLanes`, which reads the lanes of the workspace whose work is in progress — set once
where each unit of work starts: a Slack request (after its workspace is resolved, see
:mod:`bot.slack.installs`), an outbox delivery (the row's workspace) and a job run (the workspace
it runs for). Listener and reply pools carry it into their threads. Outside any scope it raises
:class:`NoWorkspaceInScope` instead of guessing, so nothing is ever read from another workspace.
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from slack_sdk import WebClient

from .adapters.slack_install import Installations
from .config.loader import ConfigError, load_config
from .domain.errors import NotFound
from .domain.lanes import LanekeeperConfig
from .services.context import Lanes
from .workspaces import UnknownWorkspace, Workspace, Workspaces

log = logging.getLogger(__name__)

_TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,31}")


def is_team_id(text: str) -> bool:
    """Whether ``text`` has the shape of a Slack team (or Enterprise Grid org) id."""
    return _TEAM_ID.fullmatch(text) is not None


_current: contextvars.ContextVar[Workspace | None] = contextvars.ContextVar(
    "lanekeeper_workspace", default=None
)


class NotConfigured(NotFound):
    """An installed workspace without a lanes file: nothing happens there but this message."""

    def __init__(self, team_id: str, *, broken: bool = False) -> None:
        self.team_id = team_id
        what = (
            f"its lanes file `{team_id}.yaml` has problems"
            if broken
            else "it has no lanes file yet"
        )
        super().__init__(
            f"Lanekeeper is installed in this workspace but not set up: {what}. "
            f"An admin of your Lanekeeper deployment adds `{team_id}.yaml` to its configuration "
            "folder (`LANEKEEPER_CONFIG`), written from `lanekeeper init` and checked with "
            "`lanekeeper config check`. Until then Lanekeeper does nothing here: no "
            "interceptions, escalations, digests or Level-10 prompts."
        )


class NoWorkspaceInScope(RuntimeError):
    """Workspace data was read where no workspace's work is in progress."""


# -- the workspace in scope ---------------------------------------------------------------------


def current_workspace() -> Workspace:
    ws = _current.get()
    if ws is None:
        raise NoWorkspaceInScope(
            "no workspace in scope: a request, delivery or job must name its workspace first"
        )
    return ws


def enter_workspace(ws: Workspace | None) -> None:
    """The rest of this request works for ``ws`` (the request's own context is discarded at its
    end, see :func:`fresh_context`)."""
    _current.set(ws)


@contextmanager
def in_workspace(ws: Workspace) -> Iterator[Workspace]:
    token = _current.set(ws)
    try:
        yield ws
    finally:
        _current.reset(token)


def carry_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run in (a copy of) the caller's context: for work handed to another thread."""
    ctx = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> Any:
        return ctx.run(fn, *args, **kwargs)

    return run


def fresh_context(app: Callable[..., Any]) -> Callable[..., Any]:
    """A WSGI app run in a context of its own, so that the workspace one request entered never
    outlives it on the server's thread."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return contextvars.Context().run(app, environ, start_response)

    return wsgi


class _RoutedConfig:
    """The lanes file of the workspace in scope, attribute by attribute."""

    def __getattr__(self, name: str) -> Any:
        return getattr(current_workspace().lanes.config, name)


class RoutedLanes:
    """A :class:`~bot.services.context.Lanes` that is always the workspace in scope's: every
    attribute, and ``config`` even when held on to (``cfg = deps.lanes.config`` at start-up)."""

    _config = _RoutedConfig()

    @property
    def config(self) -> LanekeeperConfig:
        return cast(LanekeeperConfig, self._config)

    def __getattr__(self, name: str) -> Any:
        return getattr(current_workspace().lanes, name)

    @classmethod
    def as_lanes(cls) -> Lanes:
        return cast(Lanes, cls())


# -- the lanes files ----------------------------------------------------------------------------


class ConfigFolder:
    """``<folder>/<TEAM_ID>.yaml``, one lanes file per workspace, read when first needed and
    again when changed; a file that turns bad keeps the last good one (and says so in the log),
    never half a file."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._cache: dict[str, tuple[int, Lanes]] = {}
        self._lock = threading.Lock()

    def check(self) -> list[str]:
        """Read every lanes file in the folder (at start: a bad one is refused with its
        problems, :class:`ConfigError`); returns the workspace ids found."""
        if not self.path.is_dir():
            raise ConfigError(
                [f"{self.path}: not a folder of <TEAM_ID>.yaml files (multi-workspace mode)"],
                path=str(self.path),
            )
        found: list[str] = []
        problems: list[str] = []
        for file in sorted(self.path.iterdir()):
            if file.suffix not in (".yaml", ".yml"):
                continue
            if file.suffix != ".yaml" or not _TEAM_ID.fullmatch(file.stem):
                log.warning(
                    "%s is not read: lanes files are named <TEAM_ID>.yaml (e.g. T0123ABCD.yaml)",
                    file,
                )
                continue
            try:
                lanes = Lanes(load_config(file))
            except ConfigError as exc:  # every bad file is named, not only the first
                problems += [f"{file.name}: {problem}" for problem in exc.problems]
                continue
            self._cache[file.stem] = (file.stat().st_mtime_ns, lanes)
            found.append(file.stem)
        if problems:
            raise ConfigError(problems, path=str(self.path))
        return found

    def lanes(self, team_id: str) -> Lanes:
        """The workspace's lanes; :class:`NotConfigured` when it has no (good) file."""
        if not _TEAM_ID.fullmatch(team_id):
            raise NotConfigured(team_id)
        file = self.path / f"{team_id}.yaml"
        try:
            mtime = file.stat().st_mtime_ns
        except OSError:
            raise NotConfigured(team_id) from None
        with self._lock:
            cached = self._cache.get(team_id)
            if cached is not None and cached[0] == mtime:
                return cached[1]
            try:
                lanes = Lanes(load_config(file))
            except ConfigError as exc:
                log.error("lanes file of workspace %s refused: %s", team_id, exc)
                if cached is not None:
                    return cached[1]
                raise NotConfigured(team_id, broken=True) from None
            self._cache[team_id] = (mtime, lanes)
            return lanes


# -- the registry -------------------------------------------------------------------------------


class InstalledWorkspaces(Workspaces):
    """The registry in multi-workspace mode: one workspace per installation."""

    def __init__(self, *, installations: Installations, configs: ConfigFolder, api_url: str):
        self.installations = installations
        self.configs = configs
        self.api_url = api_url
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def client(self, token: str) -> WebClient:
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = WebClient(token=token, base_url=self.api_url)
            return client

    def installed(self, workspace_id: str) -> WebClient:
        """The client of an installed workspace, configured or not."""
        bot = self.installations.bot_for(workspace_id) if workspace_id else None
        if bot is None or not bot.bot_token:
            raise UnknownWorkspace(
                "Lanekeeper is not installed in this Slack workspace. Ask an admin to install it."
            )
        return self.client(bot.bot_token)

    def get(self, workspace_id: str) -> Workspace:
        scoped = _current.get()
        if scoped is not None and scoped.id == workspace_id:
            return scoped
        client = self.installed(workspace_id)
        return Workspace(workspace_id, self.configs.lanes(workspace_id), client)

    def all(self) -> list[Workspace]:
        """Every installed workspace with a lanes file (the others get no job)."""
        found = []
        for team_id in self.installations.team_ids():
            try:
                found.append(self.get(team_id))
            except (NotConfigured, UnknownWorkspace):
                continue
        return found

    def single(self) -> Workspace:
        found = self.all()
        if len(found) != 1:
            raise UnknownWorkspace(
                f"{len(found)} configured workspaces are installed: name the workspace"
            )
        return found[0]
