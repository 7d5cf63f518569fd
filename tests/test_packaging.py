"""The installed package is ``lanekeeper``: the wheel must name every subpackage of ``bot/`` and
no module may import itself as ``bot``, or an install would break outside the checkout."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE = ROOT / "bot"


def test_the_wheel_lists_every_subpackage_under_its_installed_name() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    assert setuptools["package-dir"] == {"lanekeeper": "bot"}
    on_disk = {
        ".".join(("lanekeeper", *init.parent.relative_to(CODE).parts))
        for init in CODE.rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk


def test_no_module_imports_the_package_by_its_repository_name() -> None:
    offenders = []
    for path in CODE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}:{node.lineno} {name}"  # type: ignore[attr-defined]
                for name in names
                if name == "bot" or name.startswith("bot.")
            ]
    assert offenders == []
