"""Reporting problems: each pydantic error worded for the person editing the file (with a
"did you mean" for a mistyped key), its place written in the file's own shape
(``lanes[2].severities.P1``), and problems sorted in the order their places appear in the file."""

from __future__ import annotations

import difflib
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from ._models import Loc, _Config
from ._values import _show


def _path(loc: Loc) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part != "[key]":
            out += f".{part}" if out else part
    return out


_TYPE_MESSAGES = {
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping (key: value)",
    "model_type": "must be a mapping (key: value)",
    "model_attributes_type": "must be a mapping (key: value)",
}


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown_key(tuple(err["loc"]))
    if kind in _TYPE_MESSAGES:
        return f"{_TYPE_MESSAGES[kind]} (got {_show(err['input'])})"
    if kind == "too_short":
        return "must not be empty"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')} (got {_show(err['input'])})"
    return str(err["msg"])


def _unknown_key(loc: Loc) -> str:
    known = _known_keys(loc[:-1])
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if guess:
        return f'unknown key (did you mean "{guess[0]}"?)'
    return f"unknown key (known keys: {', '.join(known)})" if known else "unknown key"


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model at ``loc`` accepts, found by walking the models' annotations."""
    shape: Any = _Config
    for part in loc:
        shape = _unwrap(shape)
        if isinstance(shape, type) and issubclass(shape, BaseModel):
            field = shape.model_fields.get(str(part))
            if field is None:
                return []
            shape = field.annotation
        elif get_origin(shape) in (list, dict):
            shape = get_args(shape)[-1]
        else:
            return []
    shape = _unwrap(shape)
    if isinstance(shape, type) and issubclass(shape, BaseModel):
        return list(shape.model_fields)
    return []


def _unwrap(shape: Any) -> Any:
    if get_origin(shape) is Annotated:
        return _unwrap(get_args(shape)[0])
    if get_origin(shape) in (Union, types.UnionType):
        members = [arg for arg in get_args(shape) if arg is not type(None)]
        return _unwrap(members[0]) if len(members) == 1 else shape
    return shape


def _document_order(data: object, loc: Loc) -> tuple[int, ...]:
    """Sort key putting problems in the order their places appear in the file."""
    order: list[int] = []
    node: Any = data
    for part in loc:
        if isinstance(node, dict):
            keys = list(node)
            order.append(keys.index(part) if part in keys else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            order.append(part)
            node = node[part] if 0 <= part < len(node) else None
        else:
            order.append(0)
            node = None
    return tuple(order)
