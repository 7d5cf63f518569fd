"""The persistence boundary (issue 13, item 3): SQLAlchemy and the ORM models live in
``bot/adapters``. The layers above reach the database only through the unit of work's
repositories, are given frozen views to render, and see the database's errors as
``ConcurrentChange`` / ``StoreUnavailable`` (``bot.adapters.uow``).

Scanned: every module under ``bot/services``, ``bot/slack``, ``bot/jobs`` and ``bot/domain``,
by its syntax tree (relative imports resolved), so an import inside a function or under
``if TYPE_CHECKING:`` counts too. The one exception in the rule itself: a service may *name*
a row type under ``if TYPE_CHECKING:`` (the rows it changes under the optimistic lock come
from the repositories; it never builds or queries one).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bot"
LAYERS = ("services", "slack", "jobs", "domain")
ORM_MODELS = "bot.adapters.models"

# Modules still importing what the boundary forbids, each owned by another change of issue 13
# that had not landed when the boundary was drawn; remove a line when its module is moved onto
# repositories (the test then fails until the line goes, so the list only shrinks). Empty since
# App Home, its Level-10 section and interception read through repositories (issue 13).
ALLOWED: dict[str, set[str]] = {}


def _modules() -> Iterator[Path]:
    for layer in LAYERS:
        yield from sorted((PACKAGE / layer).rglob("*.py"))


def _absolute(path: Path, node: ast.ImportFrom, root: Path) -> str:
    """The absolute module name of a ``from … import``, as if the package were ``bot``."""
    if not node.level:
        return node.module or ""
    parts = [*path.relative_to(root).with_suffix("").parts]
    base = parts[: len(parts) - node.level]  # a module's own name is the first level
    return ".".join([*base, *([node.module] if node.module else [])])


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def forbidden_imports(path: Path, root: Path = ROOT) -> set[str]:
    """What ``path`` (under ``root``/bot) imports that the boundary forbids: ``sqlalchemy``,
    ``bot.adapters.models``."""
    rel = path.relative_to(root).as_posix()
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
    typing_only = _type_checking_lines(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _absolute(path, node, root)
            names = [module] + [f"{module}.{alias.name}" for alias in node.names]
        for name in names:
            if name == "sqlalchemy" or name.startswith("sqlalchemy."):
                found.add("sqlalchemy")
            elif name == ORM_MODELS or name.startswith(ORM_MODELS + "."):
                service_type = rel.startswith("bot/services/") and node.lineno in typing_only
                if not service_type:
                    found.add(ORM_MODELS)
    return found


def test_no_layer_above_the_adapters_imports_sqlalchemy_or_the_orm_models() -> None:
    offenders: dict[str, set[str]] = {}
    for path in _modules():
        rel = path.relative_to(ROOT).as_posix()
        extra = forbidden_imports(path) - ALLOWED.get(rel, set())
        if extra:
            offenders[rel] = extra
    assert not offenders, (
        "only bot/adapters may import these (use a repository on the unit of work, a view from "
        f"bot.services.views, the errors of bot.adapters.uow): {offenders}"
    )


def test_the_allowlist_only_shrinks() -> None:
    """A module moved onto repositories must leave the list (else it could slip back)."""
    stale = {
        rel: allowed - forbidden_imports(ROOT / rel)
        for rel, allowed in ALLOWED.items()
        if not (ROOT / rel).exists() or allowed - forbidden_imports(ROOT / rel)
    }
    assert not stale, f"no longer imported, remove from ALLOWED: {stale}"


# ``uow.session`` is the unit of work's own: a query on it outside bot/adapters is a query the
# repositories do not have yet.
SESSION_ALLOWED: set[str] = set()  # empty: see ALLOWED


def session_uses(path: Path, root: Path = ROOT) -> list[int]:
    """Lines where ``path`` reaches through a unit of work to its session (``uow.session``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path.relative_to(root)))
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "session"
        and ast.unparse(node.value).split(".")[-1] == "uow"
    )


def test_no_layer_above_the_adapters_uses_the_session_of_a_unit_of_work() -> None:
    found = {
        rel: lines
        for path in _modules()
        if (rel := path.relative_to(ROOT).as_posix()) not in SESSION_ALLOWED
        and (lines := session_uses(path))
    }
    assert not found, f"query through a repository on the unit of work instead: {found}"
    stale = {rel for rel in SESSION_ALLOWED if not session_uses(ROOT / rel)}
    assert not stale, f"no longer uses uow.session, remove from SESSION_ALLOWED: {stale}"


def test_the_session_scan_sees_a_session_reached_through_a_unit_of_work(tmp_path: Path) -> None:
    module = tmp_path / "bot" / "services" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "def f(uow, self):\n    uow.session.scalar(1)\n    self.uow.session.add(2)\n"
        "    uow.escalations.get(3)\n    session.get(4)\n",
        encoding="utf-8",
    )
    assert session_uses(module, tmp_path) == [2, 3]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sqlalchemy import select\n", {"sqlalchemy"}),
        ("import sqlalchemy.orm\n", {"sqlalchemy"}),
        ("def f():\n    from sqlalchemy.orm import Session\n", {"sqlalchemy"}),
        ("from ..adapters.models import Escalation\n", {ORM_MODELS}),
        ("from ..adapters import models\n", {ORM_MODELS}),
        ("from bot.adapters.models import Escalation\n", {ORM_MODELS}),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from sqlalchemy.orm import Session\n",
            {"sqlalchemy"},
        ),
        ("from ..adapters.uow import UnitOfWork\n", set()),
        ("from ..adapters.repository import escalation_view\n", set()),
    ],
)
def test_the_scan_sees_every_form_of_import(
    source: str, expected: set[str], tmp_path: Path
) -> None:
    module = tmp_path / "bot" / "slack" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(source, encoding="utf-8")
    assert forbidden_imports(module, tmp_path) == expected


def test_a_service_may_name_a_row_type_only_for_the_type_checker(tmp_path: Path) -> None:
    module = tmp_path / "bot" / "services" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from ..adapters.models import Escalation\n",
        encoding="utf-8",
    )
    assert forbidden_imports(module, tmp_path) == set()
    module.write_text("from ..adapters.models import Escalation\n", encoding="utf-8")
    assert forbidden_imports(module, tmp_path) == {ORM_MODELS}
