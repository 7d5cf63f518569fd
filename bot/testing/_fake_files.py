"""Slack's external file upload, as Slack documents it, for :class:`FakeSlack`.

1. ``files.getUploadURLExternal`` (``filename``, ``length`` in bytes) answers an ``upload_url``
   on the fake's own server and a ``file_id``.
2. The client POSTs the file's bytes to that URL (raw, or as a multipart ``file`` field); the
   fake answers ``200 OK - <length>``. Unknown or already used URLs get 404.
3. ``files.completeUploadExternal`` (``files``: ``[{"id", "title"}]``, optional ``channel_id``)
   finishes it: a file id the fake never issued, one whose bytes never arrived, or whose bytes
   differ in length from the declared ``length`` is refused (``file_not_found`` /
   ``invalid_arguments``); otherwise the file is shared in the channel.

``refuse_uploads()`` makes the upload URL answer 500 (a storage outage) until lifted.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ._slack_methods import JsonDict, RecordedCall, SlackError

if TYPE_CHECKING:
    from ._fake_state import _Identity

UPLOAD_PATH = "/upload/v1/"


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    token: str
    data: bytes | None = None
    title: str | None = None
    channel: str | None = None
    completed: bool = False
    shared_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class FileMethods:
    """Mixed into :class:`~bot.testing.fake_slack.FakeSlack`."""

    _lock: Any

    @cached_property
    def _files(self) -> dict[str, UploadedFile]:
        return {}

    @cached_property
    def _upload_state(self) -> dict[str, bool]:
        return {"refused": False}

    def refuse_uploads(self, refused: bool = True) -> None:
        with self._lock:
            self._upload_state["refused"] = refused

    def uploaded_files(self) -> list[UploadedFile]:
        """Every file an upload URL was issued for, in order."""
        with self._lock:
            return list(self._files.values())

    def _files_get_upload_url_external(self, args: JsonDict, who: _Identity) -> JsonDict:
        try:
            length = int(str(args.get("length")))
        except ValueError:
            raise SlackError("invalid_arguments") from None
        if length <= 0:
            raise SlackError("invalid_arguments")
        file_id = "F" + self._random_id(10)  # type: ignore[attr-defined]
        token = self._random_id(24)  # type: ignore[attr-defined]
        self._files[file_id] = UploadedFile(file_id, str(args["filename"]), length, token)
        base = self.base_url  # type: ignore[attr-defined]
        return {"upload_url": f"{base}{UPLOAD_PATH.lstrip('/')}{token}", "file_id": file_id}

    def _files_complete_upload_external(self, args: JsonDict, who: _Identity) -> JsonDict:
        files = args.get("files")
        if isinstance(files, str):
            try:
                files = json.loads(files)
            except ValueError:
                raise SlackError("invalid_arguments") from None
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        channel = args.get("channel_id")
        if channel:
            self._channel_for_write(channel, who)  # type: ignore[attr-defined]
        found: list[UploadedFile] = []
        for entry in files:
            if not isinstance(entry, dict) or not entry.get("id"):
                raise SlackError("invalid_arguments")
            f = self._files.get(str(entry["id"]))
            if f is None or f.data is None or f.completed:
                raise SlackError("file_not_found")
            if len(f.data) != f.length:
                raise SlackError("invalid_arguments", [f"length mismatch for {f.id}"])
            found.append(f)
        for f, entry in zip(found, files, strict=True):
            f.completed = True
            f.title = str(entry.get("title") or f.filename)
            f.channel = str(channel) if channel else None
            f.shared_at = time.time()
        return {"files": [{"id": f.id, "title": f.title, "name": f.filename} for f in found]}

    def _handle_upload(
        self, path: str, verb: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], JsonDict]:
        token = path[len(UPLOAD_PATH) :]
        with self._lock:
            f = next((x for x in self._files.values() if x.token == token), None)
            if verb != "POST":
                status, answer = 405, {"ok": False, "error": "method_not_allowed"}
            elif f is None or f.data is not None:
                status, answer = 404, {"ok": False, "error": "not_found"}
            elif self._upload_state["refused"]:
                status, answer = 500, {"ok": False, "error": "upload_failed"}
            else:
                f.data = _file_bytes(headers, body)
                status, answer = 200, {"ok": True, "text": f"OK - {len(f.data)}"}
            self._record(  # type: ignore[attr-defined]
                RecordedCall(
                    method="upload",
                    args={"file_id": f.id if f else None, "length": len(body)},
                    headers=headers,
                    http_method=verb,
                    token=None,
                    at=time.time(),
                    response=answer,
                    status=status,
                    path=path,
                )
            )
        return status, {}, answer


def _file_bytes(headers: dict[str, str], body: bytes) -> bytes:
    """The raw body, or the ``file`` (else the first) part of a multipart body."""
    content_type = headers.get("Content-Type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    parts = list(message.iter_parts())
    for part in parts:
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    payload = parts[0].get_payload(decode=True) if parts else b""
    return payload if isinstance(payload, bytes) else b""
