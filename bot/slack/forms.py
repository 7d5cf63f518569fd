"""Which clicks open a form: a modal opened with the click's trigger id, which Slack honours for
3 seconds. With LANEKEEPER_DELIVERY=worker these are handled ahead of other clicks when the
worker is behind (bot/adapters/inbox.py), so the form still opens."""

from __future__ import annotations

from .approvals import REJECT
from .blocks import ACTION_IDS
from .interception import ROUTE, START

FORM_ACTIONS = frozenset({ACTION_IDS["resolve"], ACTION_IDS["reassign"], REJECT})


def opens_a_form(action_id: object) -> bool:
    """Whether a click on ``action_id`` opens a modal (Resolve, Reassign, Reject, an offer's
    lane button, the how-to's lane buttons)."""
    if not isinstance(action_id, str):
        return False
    return action_id in FORM_ACTIONS or bool(ROUTE.match(action_id) or START.match(action_id))
