"""Exports for desk work: Markdown and DOCX of an edition comparison, each with a title, the date and its sources."""

from __future__ import annotations

import re
import time
from pathlib import Path

from angui.answer.diff import ADDED, CHANGED, REMOVED, EditionDiff

_MARK = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.S)


def _edition(meta: dict) -> str:
    return f"{meta['edition']}（{meta['status']}）"


def _quote(text: str) -> str:
    """A verbatim text as a Markdown block quote (every line quoted)."""
    return "\n".join(f"> {line}" for line in text.splitlines())


def diff_markdown(diff: EditionDiff) -> str:
    """The comparison as Markdown: summary, then each changed, added and removed provision (删去 ~~…~~, 新增 **…**)."""
    lines = [f"# 《{diff.title}》版本对比：{_edition(diff.old)} → {_edition(diff.current)}", "",
             f"生成日期：{time.strftime('%Y-%m-%d')}", "",
             f"修改 {len(diff.of_kind(CHANGED))} 条，新增 {len(diff.of_kind(ADDED))} 条，删去 {len(diff.of_kind(REMOVED))} 条，"
             f"未变 {diff.unchanged} 条。", ""]
    for kind in (CHANGED, ADDED, REMOVED):
        changes = diff.of_kind(kind)
        if not changes:
            continue
        lines += [f"## {kind}", ""]
        for c in changes:
            where = c.new_loc if c.old_loc in ("", c.new_loc) else f"{c.old_loc} → {c.new_loc}" if c.new_loc else c.old_loc
            lines += [f"### {where}", "", _MARK.sub(lambda m: f"~~{m[1]}~~" if m[1] is not None else f"**{m[2]}**", c.marked), ""]
            if kind == CHANGED:
                lines += [_quote(f"原文（{diff.old['edition']}）：{c.old_text}"), ">",
                          _quote(f"现行（{diff.current['edition']}）：{c.new_text}"), ""]
    lines += ["## 来源", ""] + [f"- 《{m['title']}》{_edition(m)}，{m.get('doc_no') or '文号未注明'}，{m['source']}"
                                  for m in (diff.current, diff.old)]
    return "\n".join(lines) + "\n"


def diff_docx(diff: EditionDiff, out: Path) -> Path:
    """The comparison as a Word file: a table per kind (条款 / 内容), 删去 struck through, 新增 underlined."""
    import docx

    document = docx.Document()
    document.add_heading(f"《{diff.title}》版本对比", level=1)
    document.add_paragraph(f"{_edition(diff.old)} → {_edition(diff.current)}    生成日期：{time.strftime('%Y-%m-%d')}")
    for kind in (CHANGED, ADDED, REMOVED):
        changes = diff.of_kind(kind)
        if not changes:
            continue
        document.add_heading(f"{kind}（{len(changes)} 条）", level=2)
        table = document.add_table(rows=1, cols=2)
        table.style = "Table Grid"
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "条款", "内容（删去：删除线；新增：下划线）"
        for c in changes:
            row = table.add_row().cells
            row[0].text = c.new_loc or c.old_loc
            paragraph = row[1].paragraphs[0]
            for piece in re.split(r"(\[-.*?-\]|\{\+.*?\+\})", c.marked, flags=re.S):
                if piece.startswith("[-") and piece.endswith("-]"):
                    paragraph.add_run(piece[2:-2]).font.strike = True
                elif piece.startswith("{+") and piece.endswith("+}"):
                    paragraph.add_run(piece[2:-2]).font.underline = True
                elif piece:
                    paragraph.add_run(piece)
    document.add_heading("来源", level=2)
    for m in (diff.current, diff.old):
        document.add_paragraph(f"《{m['title']}》{_edition(m)}，{m.get('doc_no') or '文号未注明'}，{m['source']}",
                               style="List Bullet")
    document.save(out)
    return out
