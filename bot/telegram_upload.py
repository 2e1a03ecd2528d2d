"""Admin uploads: which files the bot accepts, and ingesting one into the service's knowledge base."""

from __future__ import annotations

from pathlib import Path

from angui.answer.service import AnswerService
from angui.ingest.pipeline import ingest_paths
from angui.settings import Settings

UPLOAD_SUFFIXES = (".pdf", ".docx", ".xlsx", ".txt", ".csv", ".md")
UPLOADS = "uploads"
MB = 1024 * 1024


def upload_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (under the index dir), so each document's source stays readable."""
    folder = settings.index_dir / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_problem(name: str, size: int | None, max_mb: float) -> str | None:
    """Why an uploaded file is refused (in Chinese), or None when it may be ingested."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        shown = suffix or "无扩展名"
        return f"不支持的文件类型（{shown}）。可上传 PDF、DOCX、XLSX、TXT、CSV、MD 文件。"
    if size and size > max_mb * MB:
        return f"文件过大：{size / MB:.1f} MB，超过上限 {max_mb:g} MB（ANGUI_MAX_FILE_MB）。"
    return None


def ingest_upload(service: AnswerService, path: Path) -> str:
    """Ingest one downloaded file, refresh the answer service, and return the reply: summary plus reasons."""
    report = ingest_paths(service.kb, [path], echo=lambda _: None, show_progress=False)
    count = service.refresh()
    lines = [report.summary()]
    lines += [f"已入库《{f.title}》：{f.units} 个单元" for f in report.files if f.status == "ok"]
    lines += [f"未变化：{f.path.name}（已是最新版本）" for f in report.files if f.status == "unchanged"]
    lines += [f"未导入 {f.path.name}：{f.reason}" for f in report.skipped]
    lines.append(f"知识库现有 {count} 个文档。")
    return "\n".join(lines)
