"""Exports for desk work: Markdown and DOCX of a checklist, a quiz (with its answer key), a course outline or an
edition comparison, each with a title, the date and its sources."""

from __future__ import annotations

import re
import time
from pathlib import Path

from angui.answer.checklist import RESULTS, Checklist
from angui.answer.diff import ADDED, CHANGED, REMOVED, EditionDiff
from angui.answer.outline import Outline
from angui.answer.quiz import Question, Quiz

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


def _cell(text: str) -> str:
    """Text for one Markdown table cell (no pipes or line breaks)."""
    return text.replace("|", "｜").replace("\n", "<br>")


def checklist_markdown(checklist: Checklist) -> str:
    """The checklist as a Markdown table to fill in on site: 检查结果 (符合/不符合/不适用) and 备注 per line."""
    title = f"{checklist.industry}行业" if checklist.industry else ""
    lines = [f"# {title}{checklist.topic}检查表", "", f"生成日期：{time.strftime('%Y-%m-%d')}    共 {len(checklist.items)} 项", "",
             f"| 序号 | 检查内容 | 要求 / 方法 | 依据 | 检查结果（{'/'.join(RESULTS)}） | 备注 |", "|---|---|---|---|---|---|"]
    group = None
    for n, i in enumerate(checklist.items, start=1):
        if i.group != group:
            group = i.group
            lines.append(f"| | **{_cell(group)}** | | | | |")
        c = i.citation
        lines.append(f"| {n} | {_cell(i.item)} | {_cell(i.how)} | 《{c['doc']}》{c['loc']} | □符合 □不符合 □不适用 | |")
    lines += ["", "检查人：__________    被检查单位：__________    日期：__________", "", "## 来源", ""]
    lines += [f"- 《{c['doc']}》{_edition(c)}" for c in checklist.sources()]
    return "\n".join(lines) + "\n"


def checklist_docx(checklist: Checklist, out: Path) -> Path:
    """The checklist as a Word table with 检查结果 and 备注 columns, then the sources."""
    import docx

    document = docx.Document()
    title = f"{checklist.industry}行业" if checklist.industry else ""
    document.add_heading(f"{title}{checklist.topic}检查表", level=1)
    document.add_paragraph(f"生成日期：{time.strftime('%Y-%m-%d')}    共 {len(checklist.items)} 项")
    table = document.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("序号", "检查内容", "要求 / 方法", "依据", "检查结果", "备注")):
        cell.text = text
    group = None
    for n, i in enumerate(checklist.items, start=1):
        if i.group != group:
            group = i.group
            header = table.add_row().cells
            header[0].merge(header[-1]).text = group
        row = table.add_row().cells
        values = (str(n), i.item, i.how, f"《{i.citation['doc']}》{i.citation['loc']}", "□符合 □不符合 □不适用", "")
        for cell, text in zip(row, values):
            cell.text = text
    document.add_paragraph("检查人：__________    被检查单位：__________    日期：__________")
    document.add_heading("来源", level=2)
    for c in checklist.sources():
        document.add_paragraph(f"《{c['doc']}》{_edition(c)}", style="List Bullet")
    document.save(out)
    return out


def _options(question: Question) -> list[str]:
    return [f"{letter}. {option}" for letter, option in zip("ABCD", question.options)]


def _answer(question: Question) -> str:
    if question.options:
        return f"{'ABCD'[question.options.index(question.answer)]}. {question.answer}"
    return question.answer


def quiz_markdown(quiz: Quiz) -> str:
    """The questions, then an answer key on its own page: answer, explanation and the clause."""
    lines = [f"# {quiz.topic} 练习题", "", f"生成日期：{time.strftime('%Y-%m-%d')}    共 {len(quiz.questions)} 题", ""]
    for n, q in enumerate(quiz.questions, start=1):
        lines += [f"{n}. （{q.type}）{q.question}", ""] + [f"   {o}" for o in _options(q)] + ([""] if q.options else [])
    lines += ['<div style="page-break-before: always"></div>', "", "## 答案与依据", ""]
    for n, q in enumerate(quiz.questions, start=1):
        c = q.citation
        lines += [f"{n}. {_answer(q)}", f"   依据：{q.explanation}（{c['edition']}，{c['status']}）", ""]
    return "\n".join(lines) + "\n"


def quiz_docx(quiz: Quiz, out: Path) -> Path:
    """The questions, a page break, then the answer key with each answer's clause."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    document.add_heading(f"{quiz.topic} 练习题", level=1)
    document.add_paragraph(f"生成日期：{time.strftime('%Y-%m-%d')}    共 {len(quiz.questions)} 题")
    for n, q in enumerate(quiz.questions, start=1):
        document.add_paragraph(f"{n}. （{q.type}）{q.question}")
        for option in _options(q):
            document.add_paragraph(option)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading("答案与依据", level=2)
    for n, q in enumerate(quiz.questions, start=1):
        c = q.citation
        document.add_paragraph(f"{n}. {_answer(q)}")
        document.add_paragraph(f"依据：{q.explanation}（{c['edition']}，{c['status']}）")
    document.save(out)
    return out


def outline_markdown(outline: Outline) -> str:
    """The outline: a section per teaching step, each key provision quoted with its clause."""
    lines = [f"# {outline.topic} 课程大纲", "", f"生成日期：{time.strftime('%Y-%m-%d')}", ""]
    for section, entries in outline.sections.items():
        if not entries:
            continue
        lines += [f"## {section}", ""]
        for e in entries:
            note = f"（易发生：{e.note}）" if e.note else ""
            lines.append(f"- {e.quote}{note} ——《{e.citation['doc']}》{e.citation['loc']}")
        lines.append("")
    sources = {(e.citation["doc"], e.citation["edition"], e.citation["status"]) for e in outline.lines}
    lines += ["## 来源", ""] + [f"- 《{d}》{ed}（{st}）" for d, ed, st in sorted(sources)]
    return "\n".join(lines) + "\n"


def outline_docx(outline: Outline, out: Path) -> Path:
    """The outline as a Word file: headings per section, a bullet per provision with its clause."""
    import docx

    document = docx.Document()
    document.add_heading(f"{outline.topic} 课程大纲", level=1)
    document.add_paragraph(f"生成日期：{time.strftime('%Y-%m-%d')}")
    for section, entries in outline.sections.items():
        if entries:
            document.add_heading(section, level=2)
            for e in entries:
                note = f"（易发生：{e.note}）" if e.note else ""
                document.add_paragraph(f"{e.quote}{note} ——《{e.citation['doc']}》{e.citation['loc']}", style="List Bullet")
    document.save(out)
    return out
