"""Questions and what hangs off an answer: POST /api/ask (JSON or server-sent events), the cited unit's full text,
votes, and the session and health checks."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from angui.answer.service import AnswerService
from angui.answer.topic import INDUSTRIES
from angui.web.access import Reader
from angui.web.errors import ApiError
from angui.web.events import SSE, event
from angui.web.schemas import AskBody, FeedbackBody
from angui.web.state import web

router = APIRouter()
logger = logging.getLogger(__name__)
TOO_LONG = "问题过长：{n} 字，上限 {limit} 字（ANGUI_MAX_QUESTION_CHARS）。"
NO_UNIT = "没有这个单元：{id}（可能已被新版本取代，请重新提问）。"
FAILED = "回答失败，已记入日志。"


def _stream(service: AnswerService, question: str, k: int, llm: bool | None) -> Iterator[str]:
    """Server-sent events: `token` ({"text"}) as the model writes, then `answer` (the answer JSON) or `error`."""
    events: queue.Queue[str | None] = queue.Queue()

    def work() -> None:
        try:
            answer = service.ask(question, k, llm=llm, on_token=lambda piece: events.put(event("token", {"text": piece})))
            events.put(event("answer", answer.to_dict()))
        except Exception as exc:  # the stream has begun: the failure is reported in it
            logger.error("streamed answer failed: %s: %s", type(exc).__name__, str(exc)[:200])
            events.put(event("error", {"error": FAILED, "code": "internal"}))
        finally:
            events.put(None)

    threading.Thread(target=work, name="angui-sse", daemon=True).start()
    while (item := events.get()) is not None:
        yield item


@router.post("/api/ask", summary="提问：带出处的答案（与 angui ask --json 相同的 JSON）")
def ask(body: AskBody, request: Request, _: Reader):
    state = web(request)
    limit = state.settings.max_question_chars
    if len(body.question) > limit:
        raise ApiError(422, TOO_LONG.format(n=len(body.question), limit=limit), "question_too_long")
    k = body.k or state.settings.answer_k
    if body.stream:
        return StreamingResponse(_stream(state.service, body.question, k, body.llm), media_type=SSE,
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    return state.service.ask(body.question, k, llm=body.llm).to_dict()


@router.get("/api/units/{unit_id:path}", summary="一个引用单元的全文（标题、版本、状态、条款位置）")
def unit(unit_id: str, request: Request, _: Reader) -> dict:
    found = web(request).service.kb.store.get([unit_id])
    if not found:
        raise ApiError(404, NO_UNIT.format(id=unit_id[:120]), "no_unit")
    u, m = found[0], found[0].meta
    return {"id": u.id, "doc": m["title"], "edition": m["edition"], "status": m["status"], "loc": m["loc"],
            "text": u.text, "path": m["path"], "kind": m["kind"], "doc_no": m["doc_no"], "issuer": m["issuer"],
            "file": Path(m["source"]).name, "page": m["page"] if m.get("page", -1) >= 0 else None, "doc_key": m["doc_key"]}


@router.post("/api/feedback", summary="对答案的评价（👍 up / 👎 down）")
def feedback(body: FeedbackBody, request: Request, caller: Reader) -> dict:
    row = web(request).feedback.record(body.question, [c.model_dump() for c in body.citations], caller.user, body.vote,
                                       channel="web")
    return {"ok": True, "time": row["time"]}


@router.get("/api/session", summary="当前口令的权限与服务设置（网页用它校验口令）")
def session(request: Request, caller: Reader) -> dict:
    settings = web(request).settings
    return {"admin": caller.admin, "rate_limit": settings.api_rate_limit, "mode": settings.answer_mode,
            "k": settings.answer_k, "max_question_chars": settings.max_question_chars, "industries": list(INDUSTRIES)}


@router.get("/healthz", summary="健康检查（无需口令，不含知识库内容）")
def healthz(request: Request) -> dict:
    service = web(request).service
    return {"status": "ok", "documents": len(service.documents()), "generation": service.kb.store.generation()}
