"""Every error the HTTP API returns is JSON with one Chinese sentence: {"error": "…", "code": "…"}, never a traceback
(a crash no handler here deals with is caught by `angui.web.guard`)."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

FIELDS = {"question": "问题", "k": "引用条数 k", "stream": "stream", "llm": "llm", "topic": "主题", "industry": "行业",
          "n": "题数 n", "format": "格式 format", "document": "文件名称 document", "vote": "评价 vote",
          "citations": "引用 citations", "file": "上传文件 file", "doc": "文件名 doc", "loc": "条款 loc"}
HTTP_TEXTS = {404: "没有这个地址", 405: "该地址不支持这种请求方法"}


class ApiError(Exception):
    """A refusal the client can act on: HTTP status, Chinese message, a stable code, optional extra JSON fields."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None,
                 **extra: object) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.headers, self.extra = status, message, code, headers, extra


def error_body(message: str, code: str, **extra: object) -> dict:
    return {"error": message, "code": code, **extra}


def _field(loc: tuple) -> str:
    names = [str(part) for part in loc if part not in ("body", "query", "path") and not isinstance(part, int)]
    return "、".join(FIELDS.get(n, n) for n in names[-1:]) or "请求体"


def describe(error: dict) -> str:
    """One pydantic validation error in Chinese."""
    name, kind, ctx = _field(tuple(error.get("loc", ()))), error.get("type", ""), error.get("ctx") or {}
    value = error.get("input")
    if name == FIELDS["file"]:
        return "缺少上传文件 file（multipart 表单字段）"
    if kind == "missing":
        return f"缺少{name}"
    if kind == "string_too_short":
        return f"{name}不能为空"
    if kind == "string_too_long":
        size = len(value) if isinstance(value, str) else "?"
        return f"{name}过长：{size} 字，上限 {ctx.get('max_length')} 字"
    if kind in ("string_type", "string_unicode"):
        return f"{name}应为文字"
    if kind.startswith("int_"):
        return f"{name}应为整数"
    if kind.startswith("bool_"):
        return f"{name}应为 true 或 false"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{name}不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{name}不能大于 {ctx.get('le', ctx.get('lt'))}"
    if kind == "literal_error":
        choices = [c or "空" for c in re.findall(r"'([^']*)'", str(ctx.get("expected", "")))]
        return f"{name}应为 {'、'.join(choices)} 之一"
    if kind == "json_invalid":
        return "请求体不是有效的 JSON"
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return f"{'请求体' if name == '请求体' else name}应为 JSON 对象"
    if kind == "list_type":
        return f"{name}应为列表"
    if kind == "too_long":
        return f"{name}条目过多（上限 {ctx.get('max_length')}）"
    if kind == "extra_forbidden":
        return f"不认识的字段 {name}"
    if kind == "value_error":
        return f"{name}：{ctx.get('error', error.get('msg', ''))}"
    return f"{name}取值无效"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.code, **exc.extra), exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = list(dict.fromkeys(describe(e) for e in exc.errors()))
        return JSONResponse(error_body("请求有误：" + "；".join(problems) + "。", "invalid_request"), 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 413:  # the guard's BodyTooLarge, raised while the body was read
            return JSONResponse(error_body(str(exc.detail), "too_large"), 413)
        text = HTTP_TEXTS.get(exc.status_code, "请求无法处理")
        return JSONResponse(error_body(f"{text}：{request.method} {request.url.path}", f"http_{exc.status_code}"),
                            exc.status_code, headers=getattr(exc, "headers", None))
