"""A DingTalk outgoing robot (企业内部机器人, HTTP 回调) over the HTTP API: `angui dingtalk`.

DingTalk POSTs each message that @-mentions the robot, with headers `timestamp` (ms) and `sign` =
Base64(HMAC-SHA256(key=AppSecret, msg=timestamp + "\\n" + AppSecret)); the reply in the response body is markdown.
The adapter checks the signature and its age, asks `POST /api/ask` with its own token, and renders the answer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from angui.answer.model import BASIS_HEADING, provision_label
from angui.settings import Settings
from angui.web import errors

MAX_AGE_MS = 3_600_000  # DingTalk: a request older than one hour is not to be trusted
API_TIMEOUT_S = 60.0
TITLE = "安规助手"
BAD_SIGN = "签名校验失败。"
STALE = "请求时间戳无效或已超过 1 小时。"
EMPTY = "请 @我 并写上问题，例如：有限空间作业前要做什么检测？"
UNREACHABLE = "暂时无法连接安规助手服务，请稍后再试。"
MAX_QUOTE = 120


def signature(timestamp: str, secret: str) -> str:
    """The `sign` header DingTalk sends with `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def check(timestamp: str, sign: str, secret: str, now_ms: int | None = None) -> str | None:
    """Why a request is refused (Chinese), or None when its signature is right and at most an hour old."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    if not timestamp.isdigit() or abs(now_ms - int(timestamp)) > MAX_AGE_MS:
        return STALE
    if not hmac.compare_digest(signature(timestamp, secret).encode(), sign.encode()):
        return BAD_SIGN
    return None


def markdown_reply(answer: dict) -> str:
    """The answer as DingTalk markdown: its body, then each source with the quoted words."""
    lines = answer["answer"].split(f"\n\n{BASIS_HEADING}\n")[0].split("\n")
    if answer.get("warnings"):
        lines += ["", "**注意**：" + "；".join(answer["warnings"])]
    if answer.get("citations"):
        lines += ["", "**依据**"]
        for c in answer["citations"]:
            lines.append(f"- [{c['n']}] {provision_label(c['doc'], c['edition'], c['loc'], c['status'])}")
            if c.get("quote"):
                lines.append(f"> {c['quote'].splitlines()[0][:MAX_QUOTE]}")
    return "\n\n".join(line for line in lines if line.strip())  # DingTalk's markdown breaks lines on blank lines


def reply(text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": TITLE, "text": text}}


def create_dingtalk_app(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    """The robot's callback app (POST /dingtalk), asking the API at ANGUI_DINGTALK_API_URL."""
    app = FastAPI(title="安规助手 · 钉钉机器人", docs_url=None, redoc_url=None, openapi_url=None)
    secret, api = settings.dingtalk_secret, settings.dingtalk_api_url.rstrip("/")
    headers = {"Authorization": f"Bearer {settings.dingtalk_api_token}"}
    errors.install(app)

    @app.post("/dingtalk")
    async def message(request: Request) -> JSONResponse:
        if why := check(request.headers.get("timestamp", ""), request.headers.get("sign", ""), secret):
            return JSONResponse({"error": why, "code": "bad_signature"}, 401)
        try:
            payload = await request.json()
            question = str(payload.get("text", {}).get("content", "")).strip()
        except (ValueError, AttributeError):
            return JSONResponse({"error": "请求体不是钉钉消息 JSON。", "code": "invalid_request"}, 422)
        if not question:
            return JSONResponse(reply(EMPTY))
        try:
            async with httpx.AsyncClient(transport=transport, timeout=API_TIMEOUT_S) as client:
                response = await client.post(f"{api}/api/ask", json={"question": question}, headers=headers)
        except httpx.HTTPError:
            return JSONResponse(reply(UNREACHABLE))
        data = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
        if response.status_code != 200 or "answer" not in data:
            return JSONResponse(reply(data.get("error") or UNREACHABLE))
        return JSONResponse(reply(markdown_reply(data)))

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    return app
