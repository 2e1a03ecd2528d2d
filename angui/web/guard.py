"""The outermost layer of the app, before a request's body is read: an /api/ request without a valid token is
refused (401, or 403 for a reader's upload), a body past its size cap is refused (413, whether it is announced
by Content-Length or sent in chunks), and a crash anywhere inside becomes a JSON 500 with one log line."""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from angui.ingest.uploads import MB
from angui.web.access import CALLER, NOT_ADMIN, Gatekeeper
from angui.web.errors import ApiError, error_body

logger = logging.getLogger(__name__)
BODY_LIMIT = 1 * MB  # every request but an upload carries a little JSON
MULTIPART_SLACK = 1 * MB  # form framing around an uploaded file
UPLOAD_PATH = "/api/documents"
CRASHED = "服务器内部错误，已记入日志。"


class BodyTooLarge(HTTPException):
    """Raised while the body arrives; an HTTPException so that FastAPI's body parsing passes it on unchanged."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"请求过大：超过 {limit / MB:g} MB 的上限。")


async def _reply(send: Send, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": data})


class Guard:
    """ASGI middleware: token and size checks up front, and the last catch of an unhandled exception."""

    def __init__(self, app: ASGIApp, gate: Gatekeeper, max_upload_bytes: int) -> None:
        self.app, self.gate, self.max_upload = app, gate, max_upload_bytes + MULTIPART_SLACK

    def _refusal(self, scope: Scope, headers: dict[str, str], limit: int) -> ApiError | None:
        """Why an /api request is refused before its body is read, or None; an accepted caller is kept in the
        request's state for the routes' `Reader` dependency."""
        if not scope["path"].startswith("/api/") or scope["method"] == "OPTIONS":
            return None
        try:
            caller = self.gate.caller(headers.get("authorization", ""))
        except ApiError as exc:
            return exc
        scope.setdefault("state", {})[CALLER] = caller
        if scope["path"] == UPLOAD_PATH and scope["method"] == "POST" and not caller.admin:
            return ApiError(403, NOT_ADMIN, "not_admin")
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return ApiError(413, BodyTooLarge(limit).detail, "too_large")
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = self.max_upload if scope["path"] == UPLOAD_PATH else BODY_LIMIT
        if refusal := self._refusal(scope, headers, limit):
            return await _reply(send, refusal.status, error_body(refusal.message, refusal.code), refusal.headers)
        started, received = False, 0

        async def receiving() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        except BodyTooLarge as exc:
            if not started:
                await _reply(send, 413, error_body(exc.detail, "too_large"))
        except Exception as exc:  # the route's own handlers did not deal with it
            logger.error("%s %s failed: %s: %s", scope["method"], scope["path"], type(exc).__name__, str(exc)[:200])
            if not started:
                await _reply(send, 500, error_body(CRASHED, "internal"))
