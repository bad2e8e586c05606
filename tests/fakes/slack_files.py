"""Slack's file upload flow (files.uploadV2) added to the fake Slack Web API, for the digest tests.

Like Slack, the bytes go to a separate upload host (here a second aiohttp server on port 0,
as files.slack.com is to slack.com): files.getUploadURLExternal hands out a URL there,
the client POSTs the bytes, and files.completeUploadExternal shares the file into a channel
or thread. The fake checks what Slack checks (the declared length matches the bytes, the file
was uploaded, the thread exists) and keeps every file with its bytes for the test to inspect.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

from aiohttp import web

from tests.fakes.slack_api import FakeSlackApi


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    alt_txt: str = ""
    content: bytes | None = None
    title: str = ""
    channel: str = ""
    thread_ts: str = ""
    initial_comment: str = ""


class FakeSlackWithFiles(FakeSlackApi):
    def __init__(self, token: str = "xoxb-test-token"):
        super().__init__(token)
        self.files: dict[str, UploadedFile] = {}
        self._file_ids = itertools.count(1)
        self._upload_runner: web.AppRunner | None = None
        self.upload_base = ""

    async def start(self) -> FakeSlackWithFiles:
        await super().start()
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_post("/upload/v1/{file_id}", self._upload)
        self._upload_runner = web.AppRunner(app)
        await self._upload_runner.setup()
        site = web.TCPSite(self._upload_runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.upload_base = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._upload_runner is not None:
            await self._upload_runner.cleanup()
        await super().close()

    def shared_files(self) -> list[UploadedFile]:
        return [f for f in self.files.values() if f.channel]

    async def _upload(self, request: web.Request) -> web.Response:
        file = self.files.get(request.match_info["file_id"])
        if file is None:
            return web.Response(status=404, text="no such upload")
        file.content = await request.read()
        self._record("upload", request, {"file_id": file.id, "bytes": len(file.content)})
        return web.Response(text=f"OK - {len(file.content)}")

    def _files_getUploadURLExternal(self, body: dict) -> dict:
        filename, length = body.get("filename"), body.get("length")
        if not filename or length in (None, ""):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._file_ids):08d}"
        self.files[file_id] = UploadedFile(file_id, str(filename), int(length), str(body.get("alt_txt") or ""))
        return {"ok": True, "upload_url": f"{self.upload_base}/upload/v1/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, body: dict) -> dict:
        entries = body.get("files")
        if isinstance(entries, str):
            entries = json.loads(entries)
        if not entries:
            return {"ok": False, "error": "invalid_arguments"}
        channel, thread_ts = str(body.get("channel_id") or ""), str(body.get("thread_ts") or "")
        if thread_ts and (channel, thread_ts) not in self.messages:
            return {"ok": False, "error": "invalid_thread_ts"}
        shared = []
        for entry in entries:
            file = self.files.get(entry.get("id", ""))
            if file is None or file.content is None:
                return {"ok": False, "error": "file_not_found"}
            if len(file.content) != file.length:
                return {"ok": False, "error": "file_upload_size_mismatch"}
            file.title = entry.get("title") or file.filename
            file.channel, file.thread_ts = channel, thread_ts
            file.initial_comment = str(body.get("initial_comment") or "")
            shared.append({"id": file.id, "name": file.filename, "title": file.title, "mimetype": "image/png"})
        return {"ok": True, "files": shared}
