"""Delivering a Level-10 post from the outbox: the chart through Slack's external upload flow,
then the prompt; the prompt carries the 8-week figures as a text table when the upload fails.

The upload is Slack's documented three steps: ``files.getUploadURLExternal`` (filename and
length in bytes) gives an ``upload_url`` and a ``file_id``; the bytes are POSTed to that URL;
``files.completeUploadExternal`` with the file id and ``channel_id`` shares it. Progress is kept
on the outbox row, so a retry after the upload never uploads twice, and an upload that fails,
for whatever reason, never holds the prompt back: it goes out with the table instead.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from ..adapters.deliveries import Delivery, handler
from ..adapters.outbox import OutboxDeliverer

log = logging.getLogger(__name__)

KIND = "level10"


class UploadFailed(Exception):
    pass


def upload_png(client: WebClient, *, channel: str, data: bytes, filename: str, title: str) -> str:
    """The three-step external upload; the shared file's id."""
    got = client.files_getUploadURLExternal(filename=filename, length=len(data))
    url, file_id = str(got["upload_url"]), str(got["file_id"])
    try:
        resp = httpx.post(
            url, content=data, headers={"Content-Type": "image/png"}, timeout=client.timeout
        )
    except httpx.HTTPError as exc:
        raise UploadFailed(f"upload: {type(exc).__name__}") from exc
    if resp.status_code != 200:
        raise UploadFailed(f"upload: HTTP {resp.status_code}")
    client.files_completeUploadExternal(files=[{"id": file_id, "title": title}], channel_id=channel)
    return file_id


def deliver(d: Delivery, client: WebClient) -> dict[str, Any] | None:
    payload = dict(d.payload)
    d.release()
    chart = payload.get("chart_png")
    if chart and not payload.get("file_id") and not payload.get("chart_failed"):
        try:
            payload["file_id"] = upload_png(
                client,
                channel=str(payload["channel"]),
                data=base64.b64decode(chart),
                filename=str(payload.get("filename") or "level10.png"),
                title=str(payload.get("title") or "Level-10"),
            )
        except (SlackApiError, UploadFailed, OSError) as exc:
            reason = str(exc.response.get("error")) if isinstance(exc, SlackApiError) else str(exc)
            log.warning("level10 chart not uploaded (%s): the post carries a table", reason)
            payload["chart_failed"] = reason
        d.keep_payload(payload)  # kept even if the post below must be retried
    with_chart = bool(payload.get("file_id"))
    blocks = payload["blocks"] if with_chart else payload["table_blocks"]
    resp = d.post(
        client,
        channel=payload["channel"],
        text=payload["text"],
        blocks=blocks,
        unfurl_links=False,
    )
    data = resp if isinstance(resp, dict) else resp.data
    data = data if isinstance(data, dict) else {}
    return {
        "ts": data.get("ts"),
        "channel": data.get("channel"),
        "file_id": payload.get("file_id"),
        "chart_failed": payload.get("chart_failed"),
    }


def register(deliverer: OutboxDeliverer) -> None:
    deliverer.register(KIND, handler(deliver))
