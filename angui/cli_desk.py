"""Desk-work commands of the `angui` CLI: checklists, quizzes, course outlines and edition comparisons."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from angui.cli import IndexOpt, _kb, _service, app, to_json

JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON")]
MdOpt = Annotated[bool, typer.Option("--md", help="输出 Markdown")]
DocxOpt = Annotated[Path | None, typer.Option("--docx", help="写入 Word 文件")]


PAGE_BREAK = '<div style="page-break-before: always"></div>\n'


def _deliver(result, count: str, missing: str, docx_out: Path | None, to_docx: Callable, as_json: bool,
             text: Callable[[], str]) -> None:
    """How every desk command ends: nothing found → the reason and exit 2; else a Word file, JSON or text."""
    if not count:
        typer.echo(missing, err=True)
        raise typer.Exit(2)
    if docx_out:
        typer.echo(f"已写入 {to_docx(result, docx_out)}（{count}）")
    elif as_json:
        typer.echo(to_json(result.to_dict(), indent=2))
    else:
        typer.echo(text())


@app.command()
def checklist(
    topic: Annotated[str, typer.Argument(help="检查主题，如 粉尘涉爆、有限空间、动火作业、应急预案")],
    industry: Annotated[str, typer.Option("--industry", help="行业：冶金、有色、建材、机械、轻工、纺织（筛选手册条目）")] = "",
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    md: MdOpt = False,
    docx_out: DocxOpt = None,
) -> None:
    """自查检查表：每项写明查什么、要求或方法、依据条款（原文摘录，只用现行文本）。"""
    from angui.answer.checklist import build
    from angui.export import checklist_docx, checklist_markdown

    service, _ = _service(index, None)
    result = service.desk(build, topic, industry)

    def text() -> str:
        if md:
            return checklist_markdown(result)
        return "\n".join(f"{n}. {i.item}\n   要求：{i.how or '—'}\n   依据：《{i.citation['doc']}》{i.citation['loc']}"
                         for n, i in enumerate(result.items, start=1))

    _deliver(result, f"{len(result.items)} 项" if result.items else "", f"知识库中没有找到“{topic}”的检查依据。",
             docx_out, checklist_docx, as_json, text)


@app.command()
def quiz(
    topic: Annotated[str, typer.Argument(help="主题，如 有限空间、应急预案")],
    n: Annotated[int, typer.Option("--n", min=1, max=50, help="题数")] = 10,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    md: MdOpt = False,
    docx_out: DocxOpt = None,
) -> None:
    """出题：填空与单选题，答案均为所引条文原文，附依据。"""
    from angui.answer.quiz import build
    from angui.export import quiz_docx, quiz_markdown

    service, _ = _service(index, None)
    result = service.desk(build, topic, n)
    markdown = quiz_markdown(result)
    _deliver(result, f"{len(result.questions)} 题" if result.questions else "", f"知识库中没有找到可用于“{topic}”出题的条文。",
             docx_out, quiz_docx, as_json, lambda: markdown if md else markdown.replace(PAGE_BREAK, ""))


@app.command()
def diff(
    document: Annotated[str, typer.Argument(help="文件名称，如 应急预案管理办法")],
    index: IndexOpt = None,
    md: MdOpt = False,
    docx_out: DocxOpt = None,
) -> None:
    """版本对比：现行文本与被其取代的版本逐条比较（修改、新增、删去，标出改动的字词）。"""
    from angui.answer.diff import DiffError, compare
    from angui.export import diff_docx, diff_markdown

    try:
        result = compare(_kb(index).store, document)
    except DiffError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if docx_out:
        typer.echo(f"已写入 {diff_docx(result, docx_out)}")
        return
    typer.echo(diff_markdown(result) if md else render_diff(result))


def render_diff(result) -> str:
    """Plain text for the terminal: one line per changed provision, the marked text under it."""
    from angui.answer.diff import ADDED, CHANGED, REMOVED

    lines = [f"《{result.title}》{result.old['edition']}（{result.old['status']}）→ {result.current['edition']}（现行）：",
             f"修改 {len(result.of_kind(CHANGED))} 条，新增 {len(result.of_kind(ADDED))} 条，删去 {len(result.of_kind(REMOVED))} 条，"
             f"未变 {result.unchanged} 条。（[-删去-] {{+新增+}}）"]
    for c in result.changes:
        lines += ["", f"{c.kind} {c.new_loc or c.old_loc}" + (f"（原{c.old_loc}）" if c.old_loc and c.new_loc
                                                                and c.old_loc != c.new_loc else ""), c.marked]
    return "\n".join(lines)


@app.command()
def outline(
    topic: Annotated[str, typer.Argument(help="课程主题，如 粉尘涉爆、应急预案")],
    index: IndexOpt = None,
    md: MdOpt = False,
    docx_out: DocxOpt = None,
) -> None:
    """课程大纲：职责 → 要求 → 检查要点 → 罚则 → 典型事故，每条注明出处。"""
    from angui.answer.outline import build
    from angui.export import outline_docx, outline_markdown

    service, _ = _service(index, None)
    result = service.desk(build, topic)
    if not result.lines:
        typer.echo(f"知识库中没有找到“{topic}”的相关条文。", err=True)
        raise typer.Exit(2)
    if docx_out:
        typer.echo(f"已写入 {outline_docx(result, docx_out)}")
    else:
        typer.echo(outline_markdown(result))
