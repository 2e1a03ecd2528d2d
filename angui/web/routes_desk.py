"""Desk tools over HTTP: checklists, quizzes, course outlines and edition comparisons, as JSON or as a download
(Markdown or Word) — the same builders and exports as `angui checklist/quiz/outline/diff`."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from angui import export
from angui.answer import checklist, outline, quiz
from angui.answer.diff import DiffError, compare
from angui.web.access import reader
from angui.web.errors import ApiError
from angui.web.schemas import ChecklistBody, Format, OutlineBody, QuizBody, Topic
from angui.web.state import web

router = APIRouter(dependencies=[Depends(reader)])
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MARKDOWN = "text/markdown; charset=utf-8"


def attachment(data: bytes, name: str, media_type: str) -> Response:
    """A file download; the Chinese name is sent RFC 5987-encoded beside an ASCII fallback."""
    ascii_name = "angui" + Path(name).suffix
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


def deliver(result, fmt: str, name: str, to_markdown: Callable, to_docx: Callable) -> Response | dict:
    """JSON (the CLI's --json contract), or the Markdown or Word export as a download named `name`."""
    if fmt == "md":
        return attachment(to_markdown(result).encode("utf-8"), f"{name}.md", MARKDOWN)
    if fmt == "docx":
        with tempfile.TemporaryDirectory(prefix="angui-export-") as tmp:
            return attachment(to_docx(result, Path(tmp) / "out.docx").read_bytes(), f"{name}.docx", DOCX)
    return result.to_dict()


def nothing(message: str) -> ApiError:
    return ApiError(404, message, "nothing_found")


@router.post("/api/checklist", summary="自查检查表（format=json|md|docx）")
def make_checklist(body: ChecklistBody, request: Request):
    result = web(request).service.desk(checklist.build, body.topic, body.industry)
    if not result.items:
        raise nothing(f"知识库中没有找到“{body.topic}”的检查依据。")
    name = f"检查表-{body.topic}" + (f"-{body.industry}" if body.industry else "")
    return deliver(result, body.format, name, export.checklist_markdown, export.checklist_docx)


@router.post("/api/quiz", summary="出题：填空与单选，答案为条文原文（format=json|md|docx）")
def make_quiz(body: QuizBody, request: Request):
    result = web(request).service.desk(quiz.build, body.topic, body.n)
    if not result.questions:
        raise nothing(f"知识库中没有找到可用于“{body.topic}”出题的条文。")
    return deliver(result, body.format, f"试题-{body.topic}", export.quiz_markdown, export.quiz_docx)


@router.post("/api/outline", summary="课程大纲：职责 → 要求 → 检查要点 → 罚则 → 典型事故（format=json|md|docx）")
def make_outline(body: OutlineBody, request: Request):
    result = web(request).service.desk(outline.build, body.topic)
    if not result.lines:
        raise nothing(f"知识库中没有找到“{body.topic}”的相关条文。")
    return deliver(result, body.format, f"课程大纲-{body.topic}", export.outline_markdown, export.outline_docx)


@router.get("/api/diff", summary="版本对比：现行文本与被取代版本逐条比较（format=json|md|docx）")
def make_diff(request: Request, document: Annotated[Topic, Query(description="文件名称")], format: Format = "json"):
    try:
        result = compare(web(request).service.kb.store, document)  # the store alone: no index read to serialise
    except DiffError as exc:
        raise ApiError(404, str(exc), "no_editions") from exc
    return deliver(result, format, f"版本对比-{result.title}", export.diff_markdown, export.diff_docx)
