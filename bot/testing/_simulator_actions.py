"""The simulator's clicks and submissions: ``block_actions`` on a message, an ephemeral or a view
(found in the fake, as the person sees it), and ``view_submission`` / ``view_closed`` with the
app's answer applied to the fake's views."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ._payloads import (
    STATE_KEYS,
    JsonDict,
    _pick_option,
    build_state_values,
    state_entry,
)
from ._simulator_base import SimulatorBase, _now_ts


class SurfaceActions(SimulatorBase):
    """Clicks (``block_actions``) and view submissions and closes."""

    # -- block actions ------------------------------------------------------------------------

    def _surface(self, target: Any) -> JsonDict:
        """Resolve what was clicked into ``{"kind", "channel", "message"|"view"}``, fresh."""
        fake = self._need_fake()
        if isinstance(target, tuple):
            channel, ts = target
            message = fake.message(channel, ts)
            if message is None:
                raise LookupError(f"no message {ts} in {channel} in the fake")
            return {"kind": "message", "channel": self._channel_id(channel), "message": message}
        if isinstance(target, str):
            if target.startswith("V"):
                view = fake.view(target)
                if view is None:
                    raise LookupError(f"no open view {target} in the fake")
                return {"kind": "view", "view": view}
            found = fake.find_message(target)
            if found is None:
                raise LookupError(f"no message with ts {target} in the fake")
            return {"kind": "message", "channel": found[0], "message": found[1]}
        if not isinstance(target, Mapping):
            raise TypeError(f"cannot click on {type(target).__name__}")
        if target.get("is_ephemeral"):
            channel = str(target["channel"])
            for ephemeral in fake.ephemerals(channel):
                if ephemeral["ts"] == target["ts"]:
                    return {"kind": "ephemeral", "channel": channel, "message": ephemeral}
            raise LookupError(f"ephemeral {target['ts']} is gone from the fake")
        if target.get("type") in ("modal", "home") and "id" in target:
            return self._surface(str(target["id"]))
        if "ts" in target:
            if target.get("channel"):
                current = self._surface((str(target["channel"]), str(target["ts"])))
            else:
                current = self._surface(str(target["ts"]))
            if "blocks" in target:  # a message as the person sees it, perhaps not updated yet
                current["message"] = copy.deepcopy(
                    {k: v for k, v in target.items() if k != "channel"}
                )
            return current
        raise TypeError("click on a stored message, an ephemeral, a view or a view id")

    @staticmethod
    def _find_element(
        blocks: Iterable[Mapping[str, Any]], action_id: str, value: str | None
    ) -> tuple[str, JsonDict]:
        candidates: list[tuple[str, JsonDict]] = []
        seen: list[str] = []
        for block in blocks:
            kind = block.get("type")
            if kind == "actions":
                elements = list(block.get("elements") or [])
            elif kind == "section" and block.get("accessory"):
                elements = [block["accessory"]]
            elif kind == "input" and block.get("element"):
                elements = [block["element"]]
            else:
                continue
            for element in elements:
                if not isinstance(element, Mapping) or "action_id" not in element:
                    continue
                seen.append(str(element["action_id"]))
                if element["action_id"] == action_id:
                    candidates.append((str(block["block_id"]), dict(element)))
        if not candidates:
            raise LookupError(f"no element with action_id {action_id!r}; there are {seen}")
        if value is not None:
            for block_id, element in candidates:
                if element.get("type") == "button" and element.get("value") == value:
                    return block_id, element
        return candidates[0]

    @staticmethod
    def _action(block_id: str, element: Mapping[str, Any], value: Any) -> JsonDict:
        kind = str(element.get("type"))
        action: JsonDict = {"type": kind, "action_id": element["action_id"], "block_id": block_id}
        if kind == "button":
            action["text"] = copy.deepcopy(element.get("text"))
            if value is not None:
                action["value"] = str(value)
            elif "value" in element:
                action["value"] = element["value"]
            if "style" in element:
                action["style"] = element["style"]
        elif kind == "overflow":
            action["selected_option"] = _pick_option(element, value, strict=True)
        elif kind in STATE_KEYS:
            entry = state_entry(element, value, strict=True)
            entry.pop("type")
            action.update(entry)
            if "placeholder" in element:
                action["placeholder"] = copy.deepcopy(element["placeholder"])
        action["action_ts"] = _now_ts()
        return action

    def click(
        self,
        target: Any,
        action_id: str,
        *,
        user: str,
        value: Any = None,
        values: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """``block_actions`` for the element ``action_id`` in a message, ephemeral or view.

        ``target`` is a message stored in the fake (as returned by ``fake.messages``), a
        ``chat.postMessage`` response, ``{"channel", "ts"}``, ``(channel, ts)``, a ts, an
        ephemeral from ``fake.ephemerals``, a view or a view id. A message given with its
        ``blocks`` is clicked as given, as a person whose client has not refreshed yet would (so
        clicking one snapshot twice is a double click); the other forms read the message as it
        is now in the fake. ``value`` picks the button carrying that value when several share
        ``action_id`` (a value no button carries is sent as a forged value on the first one), or
        is the choice for a select / overflow / picker. ``values`` fills other inputs first (see
        :func:`build_state_values`).
        """
        payload = self.build_click(target, action_id, user=user, value=value, values=values)
        return self.send_interaction(payload)

    def build_click(
        self,
        target: Any,
        action_id: str,
        *,
        user: str,
        value: Any = None,
        values: Mapping[str, Any] | None = None,
    ) -> JsonDict:
        """The ``block_actions`` payload :meth:`click` sends, to send (or replay) yourself."""
        surface = self._surface(target)
        payload = self._interaction_base("block_actions", user)
        if surface["kind"] == "view":
            view: JsonDict = surface["view"]
            block_id, element = self._find_element(view["blocks"], action_id, value)
            view["state"] = {"values": build_state_values(view["blocks"], values, strict=False)}
            payload.update(
                {
                    "container": {"type": "view", "view_id": view["id"]},
                    "trigger_id": self._trigger_id(user=user, view_id=view["id"]),
                    "view": view,
                }
            )
        else:
            message: JsonDict = surface["message"]
            channel: str = surface["channel"]
            blocks = message.get("blocks") or []
            block_id, element = self._find_element(blocks, action_id, value)
            ephemeral = surface["kind"] == "ephemeral"
            container: JsonDict = {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": ephemeral,
            }
            if message.get("thread_ts"):
                container["thread_ts"] = message["thread_ts"]
            payload.update(
                {
                    "container": container,
                    "trigger_id": self._trigger_id(user=user),
                    "channel": {"id": channel, "name": self._channel_name(channel)},
                    "state": {"values": build_state_values(blocks, values, strict=False)},
                    "response_url": self._response_url(
                        channel=channel, message_ts=message["ts"], user=user, ephemeral=ephemeral
                    ),
                }
            )
            if not ephemeral:  # Slack leaves the message out for ephemeral sources
                payload["message"] = message
        payload["actions"] = [self._action(block_id, element, value)]
        return payload

    # -- views --------------------------------------------------------------------------------

    def _known_view(
        self, view_id: str, user: str | None, *, include_closed: bool = False
    ) -> tuple[JsonDict, str]:
        fake = self._need_fake()
        view = fake.view(view_id, include_closed=include_closed)
        if view is None:
            raise LookupError(f"no open view {view_id} in the fake")
        who = user or fake.view_user(view_id)
        if who is None:
            raise ValueError(f"say which user acts on view {view_id}")
        return view, who

    def submit_view(
        self,
        view_id: str,
        *,
        user: str | None = None,
        values: Mapping[str, Any] | None = None,
        strict: bool = True,
    ) -> httpx.Response:
        """``view_submission`` of a modal stored in the fake, filled with ``values``.

        ``values`` maps block_id (or action_id) to what was entered (see
        :func:`build_state_values`). The app's answer is then applied to the fake: no
        ``response_action`` closes the view, ``clear`` the stack, ``update`` / ``push`` change
        it, ``errors`` keeps it open. Submitting a view already closed sends a duplicate
        delivery (as a double-click or a slow ack can) and changes nothing in the fake.
        """
        fake = self._need_fake()
        payload = self.build_view_submission(view_id, user=user, values=values, strict=strict)
        response = self.send_interaction(payload)
        if response.status_code == 200:
            answer: JsonDict | None = None
            if response.content.strip():
                try:
                    parsed = response.json()
                except ValueError:
                    parsed = None
                answer = parsed if isinstance(parsed, dict) else None
            fake.apply_view_response(view_id, answer)
        return response

    def build_view_submission(
        self,
        view_id: str,
        *,
        user: str | None = None,
        values: Mapping[str, Any] | None = None,
        strict: bool = True,
    ) -> JsonDict:
        """The ``view_submission`` payload :meth:`submit_view` sends."""
        view, who = self._known_view(view_id, user, include_closed=True)
        view["state"] = {"values": build_state_values(view["blocks"], values, strict=strict)}
        payload = self._interaction_base("view_submission", who)
        payload.update(
            {
                "trigger_id": self._trigger_id(user=who, view_id=view_id),
                "view": view,
                "response_urls": [],
            }
        )
        return payload

    def close_view(
        self, view_id: str, *, user: str | None = None, is_cleared: bool = False
    ) -> httpx.Response:
        """The person closes a modal: the fake drops it and ``view_closed`` is sent.

        (Slack sends ``view_closed`` only for views opened with ``notify_on_close``; this sends
        it regardless.)
        """
        fake = self._need_fake()
        view, who = self._known_view(view_id, user)
        fake.close_view(view_id, clear=is_cleared)
        payload = self._interaction_base("view_closed", who)
        payload.update({"view": view, "is_cleared": is_cleared})
        return self.send_interaction(payload)
