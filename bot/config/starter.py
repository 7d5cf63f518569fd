"""The commented starter file that ``lanekeeper init`` writes, with the seven default lanes."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path


def starter_yaml() -> str:
    """The starter configuration, comments included (``bot/config/starter.yaml``)."""
    return resources.files(__package__).joinpath("starter.yaml").read_text("utf-8")


def write_starter(path: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Write the starter file to ``path`` and return it.

    Refuses to replace an existing file (:class:`FileExistsError`) unless ``force``.
    """
    target = Path(path)
    if target.exists() and not force:
        raise FileExistsError(f"{target} already exists; use --force to overwrite it")
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w" if force else "x", encoding="utf-8") as out:
        out.write(starter_yaml())
    return target
