"""The HTTP front: one WSGI app that routes to Slack's endpoint, ``/healthz`` and the other
mounts (alert webhooks, OAuth, metrics). Nothing here knows a Slack surface or a use case."""

from .app import Request, Response, Route, WebApp

__all__ = ["Request", "Response", "Route", "WebApp"]
