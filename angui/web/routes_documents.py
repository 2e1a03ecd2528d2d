"""The document list (GET /api/documents) and an admin's upload (POST /api/documents): the file is checked,
ingested in a child `angui ingest` process and reported; a refused file changes nothing stored."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import StreamingResponse

from angui.ingest.uploads import MB, UPLOADS, Progress, ingest_in_place, upload_dir, upload_problem
from angui.settings import Settings
from angui.web.access import Admin, Reader
from angui.web.errors import ApiError, error_body
from angui.web.events import SSE, event
from angui.web.state import WebState, web

router = APIRouter()
logger = logging.getLogger(__name__)
FAILED = "导入失败，已记入日志；请在“文档”页查看知识库现状。"
CHUNK = 1024 * 1024
INCOMING = ".incoming"  # partial uploads (a dot folder: ingest never reads it)
UPLOADED, BUNDLED, INGESTED = "上传", "随附", "导入"
STREAM_HELP = "true：以 server-sent events 返回：`progress`（{line}）逐行进度，最后 `report`（导入报告）或 `error`"


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def origin(source: str, settings: Settings) -> str:
    """Where a document came from: an upload, the bundled knowledge/ folder, or an ingest from the command line."""
    if _inside(source, settings.index_dir / UPLOADS):
        return UPLOADED
    return BUNDLED if _inside(source, settings.catalog.parent) else INGESTED


@router.get("/api/documents", summary="已入库文档：标题、版本、状态、单元数、来源")
def documents(request: Request, _: Reader) -> dict:
    state = web(request)
    docs = [{"doc_key": m["doc_key"], "title": m["title"], "edition": m["edition"], "status": m["status"],
             "doc_no": m["doc_no"], "issuer": m["issuer"], "family": m["family"], "units": m["units"],
             "ingested_at": m["ingested_at"], "file": Path(m["source"]).name, "origin": origin(m["source"], state.settings)}
            for m in state.service.documents().values()]
    docs.sort(key=lambda d: (d["origin"] != BUNDLED, d["family"], d["status"] != "现行", d["title"]))
    return {"count": len(docs), "units": sum(int(d["units"]) for d in docs), "documents": docs}


async def _receive(upload: UploadFile, settings: Settings) -> Path:
    """The upload written to a hidden partial file, refused (and removed) once it passes ANGUI_MAX_FILE_MB."""
    incoming = upload_dir(settings) / INCOMING
    incoming.mkdir(exist_ok=True)
    part = incoming / f"{os.getpid()}-{id(upload)}.part"
    size = 0
    try:
        with part.open("wb") as fh:
            while chunk := await upload.read(CHUNK):
                size += len(chunk)
                if size > settings.max_file_mb * MB:
                    raise ApiError(413, upload_problem(upload.filename or "", size, settings.max_file_mb) or "文件过大。",
                                   "too_large")
                fh.write(chunk)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    if size == 0:
        part.unlink(missing_ok=True)
        raise ApiError(422, f"上传的文件是空的：{upload.filename}。", "empty_file")
    return part


@router.post("/api/documents", summary="管理员上传文档并导入（PDF、DOCX、XLSX、TXT、CSV、MD；stream=true 时以事件流报告进度）")
async def upload(request: Request, file: Annotated[UploadFile, File(description="要导入的文件")], _: Admin,
                 stream: Annotated[bool, Query(description=STREAM_HELP)] = False):
    state = web(request)
    name = Path(file.filename or "").name
    if problem := upload_problem(name, file.size, state.settings.max_file_mb):
        wrong_type = "类型" in problem
        raise ApiError(415 if wrong_type else 413, problem, "bad_upload" if wrong_type else "too_large")
    part = await _receive(file, state.settings)
    if stream:
        return StreamingResponse(_events(state, part, name), media_type=SSE, headers={"Cache-Control": "no-cache"})
    return await _ingest(state, part, name, _ignore)


async def _ingest(state: WebState, part: Path, name: str, progress: Progress) -> dict:
    """Ingest the received file in a child process and keep or undo it; the ingest report with the document count,
    or an ApiError saying why (and whether the knowledge base changed)."""

    async def put(path: Path) -> None:
        os.replace(part, path)

    try:
        report, stored = await ingest_in_place(state.settings, name, put, progress, state.service.documents)
    finally:
        part.unlink(missing_ok=True)  # still there only when the upload never got its turn
    count = await asyncio.to_thread(state.service.refresh)
    if "error" in report:
        outcome = "但文档已入库" if stored else "知识库未改变"
        raise ApiError(503, f"导入未正常结束：{report['error']}。{outcome}。", "ingest_failed", documents=count)
    if skipped := [f for f in report["files"] if f["status"] == "skipped"]:
        raise ApiError(422, f"未导入 {name}：{skipped[0]['reason']}。知识库未改变。", "not_ingested", report=report,
                       documents=count)
    return {**report, "documents": count}


async def _events(state: WebState, part: Path, name: str) -> AsyncIterator[str]:
    """The ingest as server-sent events: `progress` ({"line"}) while the child works, then `report` or `error`."""
    lines: asyncio.Queue[str] = asyncio.Queue()
    job = asyncio.ensure_future(_ingest(state, part, name, lines.put))
    while not job.done():
        waiter = asyncio.ensure_future(lines.get())
        await asyncio.wait({job, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if waiter.done():
            yield event("progress", {"line": waiter.result()})
        else:
            waiter.cancel()
    while not lines.empty():
        yield event("progress", {"line": lines.get_nowait()})
    try:
        yield event("report", job.result())
    except ApiError as exc:
        yield event("error", error_body(exc.message, exc.code, **exc.extra))
    except Exception as exc:  # the stream has begun: a failure is its last event, never a silent end
        logger.error("upload of %s failed: %s: %s", name, type(exc).__name__, str(exc)[:200])
        yield event("error", error_body(FAILED, "internal"))


async def _ignore(_: str) -> None:
    """Without stream=true the child's progress lines are not relayed."""
