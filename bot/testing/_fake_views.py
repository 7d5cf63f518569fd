"""The fake's views: trigger ids, ``views.*`` (modals, their stack, the Home tab) and what the
client simulator does to a modal (submitting it applies the app's ``response_action``, closing
it drops it)."""

from __future__ import annotations

import copy
import string
import time
from typing import Any

from ._blockkit import check_view
from ._fake_state import FakeState, _Identity, _Trigger
from ._slack_methods import JsonDict, RecordedCall, SlackError


class ViewMethods(FakeState):
    """Trigger ids, ``views.*`` and the view lifecycle driven by the client simulator."""

    # -- trigger ids ----------------------------------------------------------------------------

    def new_trigger_id(self, *, user: str | None = None, view_id: str | None = None) -> str:
        """Issue a trigger id (valid 3 seconds, for one views.open / views.push)."""
        with self._lock:
            self._counter += 1
            token = "".join(self._rng.choices(string.hexdigits.lower()[:16], k=24))
            trigger_id = f"{int(self._clock())}.{self._counter}.{token}"
            self._triggers[trigger_id] = _Trigger(time.monotonic(), user, view_id)
            return trigger_id

    # -- view lifecycle driven by the client simulator ----------------------------------------

    def close_view(self, view_id: str, *, clear: bool = False) -> None:
        """The user closed a modal (``clear=True``: the whole stack)."""
        with self._lock:
            view = self._views.get(view_id)
            if view is None:
                return
            root = view.get("root_view_id") or view_id
            doomed = [
                vid
                for vid, v in self._views.items()
                if vid == view_id or (clear and v.get("root_view_id") == root)
            ]
            for vid in doomed:
                self._closed_views[vid] = self._views.pop(vid)

    def apply_view_response(self, view_id: str, body: JsonDict | None) -> JsonDict:
        """Apply an app's answer to a ``view_submission`` as Slack would, recorded as a
        ``response_action`` call. Returns ``{"ok": ...}`` (``ok: false`` for a bad view, or
        ``not_found`` when the view was already closed: a duplicate submission changes nothing).
        """
        action = (body or {}).get("response_action")
        result: JsonDict = {"ok": True}
        with self._lock:
            try:
                if view_id not in self._views:
                    raise SlackError("not_found")
                if action in (None, ""):
                    self.close_view(view_id)
                elif action == "clear":
                    self.close_view(view_id, clear=True)
                elif action == "errors":
                    errors = (body or {}).get("errors")
                    if not isinstance(errors, dict) or not errors:
                        raise SlackError("invalid_arguments", ["errors must be a non-empty object"])
                elif action in ("update", "push"):
                    new_view = (body or {}).get("view")
                    if not isinstance(new_view, dict):
                        raise SlackError("invalid_arguments", ["view is required"])
                    replacing = view_id if action == "update" else None
                    self._check_view(new_view, types=("modal",), replacing=replacing)
                    if action == "update":
                        self._replace_view(view_id, new_view)
                    else:
                        old = self._views.get(view_id) or {}
                        self._create_view(
                            new_view,
                            user=self._view_users.get(view_id),
                            root=old.get("root_view_id") or view_id,
                            previous=view_id,
                        )
                else:
                    raise SlackError("invalid_arguments", [f"unknown response_action {action!r}"])
            except SlackError as exc:
                result = exc.body()
            self._record(
                RecordedCall(
                    method="response_action",
                    args=copy.deepcopy(body or {}),
                    headers={},
                    http_method="POST",
                    token=None,
                    at=time.time(),
                    response=result,
                    path=f"views/{view_id}",
                )
            )
        return result

    # -- internals: views ---------------------------------------------------------------------

    def _check_view(
        self, view: Any, *, types: tuple[str, ...], replacing: str | None = None
    ) -> JsonDict:
        problems = check_view(view)
        if problems:
            raise SlackError("invalid_arguments", problems)
        assert isinstance(view, dict)
        if view["type"] not in types:
            raise SlackError(
                "invalid_arguments",
                [f"[ERROR] type must be {' or '.join(types)} [json-pointer:/view/type]"],
            )
        external_id = view.get("external_id")
        if external_id:
            for other_id, other in self._views.items():
                if other_id != replacing and other.get("external_id") == external_id:
                    raise SlackError("duplicate_external_id")
        return view

    def _new_hash(self) -> str:
        return f"{int(time.time())}.{self._random_id(8)}"

    def _create_view(
        self, spec: JsonDict, *, user: str | None, root: str | None, previous: str | None
    ) -> JsonDict:
        self._counter += 1
        view_id = f"V{self._counter:04d}{self._random_id(4).upper()}"
        view = self._view_object(spec, view_id=view_id, root=root or view_id, previous=previous)
        self._views[view_id] = view
        self._view_users[view_id] = user
        return view

    def _view_object(
        self, spec: JsonDict, *, view_id: str, root: str, previous: str | None
    ) -> JsonDict:
        blocks = copy.deepcopy(spec.get("blocks") or [])
        self._assign_ids(blocks)
        view: JsonDict = {
            "id": view_id,
            "team_id": self.team_id,
            "type": spec["type"],
            "blocks": blocks,
            "private_metadata": spec.get("private_metadata", ""),
            "callback_id": spec.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(spec.get("clear_on_close", False)),
            "notify_on_close": bool(spec.get("notify_on_close", False)),
            "root_view_id": root,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "external_id": spec.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if spec.get(key) is not None:
                view[key] = copy.deepcopy(spec[key])
        return view

    def _replace_view(self, view_id: str, spec: JsonDict) -> JsonDict:
        old = self._views.get(view_id)
        if old is None:
            raise SlackError("not_found")
        external_id = spec.get("external_id")
        if external_id and old.get("external_id") not in ("", external_id):
            raise SlackError("invalid_arguments", ["external_id cannot change"])
        view = self._view_object(
            spec, view_id=view_id, root=old["root_view_id"], previous=old.get("previous_view_id")
        )
        if not external_id:
            view["external_id"] = old.get("external_id", "")
        self._views[view_id] = view
        return view

    def _take_trigger(self, args: JsonDict) -> _Trigger:
        trigger_id = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger_id:
            raise SlackError(
                "invalid_arguments", ["[ERROR] missing required field: trigger_id [json-pointer:/]"]
            )
        trigger = self._triggers.get(str(trigger_id))
        if trigger is None:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if time.monotonic() - trigger.issued_at > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    # -- method handlers ----------------------------------------------------------------------

    def _views_open(self, args: JsonDict, who: _Identity) -> JsonDict:
        trigger = self._take_trigger(args)
        spec = self._check_view(args["view"], types=("modal",))
        view = self._create_view(spec, user=trigger.user, root=None, previous=None)
        return {"view": copy.deepcopy(view)}

    def _views_push(self, args: JsonDict, who: _Identity) -> JsonDict:
        trigger = self._take_trigger(args)
        spec = self._check_view(args["view"], types=("modal",))
        parent = self._views.get(trigger.view_id or "")
        if parent is None:
            raise SlackError("not_found", ["views.push needs a trigger from an open modal"])
        stack = [v for v in self._views.values() if v["root_view_id"] == parent["root_view_id"]]
        if len(stack) >= 3:
            raise SlackError("push_limit_reached")
        view = self._create_view(
            spec, user=trigger.user, root=parent["root_view_id"], previous=parent["id"]
        )
        return {"view": copy.deepcopy(view)}

    def _views_update(self, args: JsonDict, who: _Identity) -> JsonDict:
        view_id = args.get("view_id")
        external_id = args.get("external_id")
        if not view_id and not external_id:
            raise SlackError(
                "invalid_arguments", ["[ERROR] view_id or external_id is required [json-pointer:/]"]
            )
        if not view_id:
            view_id = next(
                (vid for vid, v in self._views.items() if v.get("external_id") == external_id),
                None,
            )
        old = self._views.get(str(view_id)) if view_id else None
        if old is None:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != old["hash"]:
            raise SlackError("hash_conflict")
        spec = args["view"]
        problems = check_view(spec)
        if problems:
            raise SlackError("invalid_arguments", problems)
        view = self._replace_view(old["id"], spec)
        return {"view": copy.deepcopy(view)}

    def _views_publish(self, args: JsonDict, who: _Identity) -> JsonDict:
        user = str(args["user_id"])
        if user not in self._users:
            raise SlackError("user_not_found")
        spec = args["view"]
        problems = check_view(spec)
        if problems:
            raise SlackError("invalid_arguments", problems)
        if spec["type"] != "home":
            raise SlackError(
                "invalid_arguments", ["[ERROR] type must be home [json-pointer:/view/type]"]
            )
        view_id = self._homes.get(user)
        if view_id is not None and view_id in self._views:
            if args.get("hash") and args["hash"] != self._views[view_id]["hash"]:
                raise SlackError("hash_conflict")
            view = self._replace_view(view_id, spec)
        else:
            view = self._create_view(spec, user=user, root=None, previous=None)
            self._homes[user] = view["id"]
        return {"view": copy.deepcopy(view)}
