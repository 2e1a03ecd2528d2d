"""The bot's reply to an admin upload (the upload itself is `angui.ingest.uploads`)."""

from __future__ import annotations

from pathlib import Path


def upload_reply(report: dict, documents: int, stored: bool = False) -> str:
    """The message that ends an upload: summary, what was stored, what was skipped and why."""
    if "error" in report:
        outcome = "但文档已入库" if stored else "知识库未改变"
        return f"导入未正常结束：{report['error']}\n{outcome}，现有 {documents} 个文档。"
    files = report["files"]
    lines = [report["summary"]]
    lines += [f"已入库《{f['title']}》：{f['units']} 个单元" for f in files if f["status"] == "ok"]
    lines += [f"未变化：{Path(f['path']).name}（已是最新版本）" for f in files if f["status"] == "unchanged"]
    lines += [f"未导入 {Path(f['path']).name}：{f['reason']}" for f in files if f["status"] == "skipped"]
    if report.get("index_problem"):
        lines.append(report["index_problem"])
    lines.append(f"知识库现有 {documents} 个文档。")
    return "\n".join(lines)
