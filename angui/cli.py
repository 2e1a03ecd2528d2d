"""The `angui` command line: thin commands over the ingest and answer modules."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

import typer

from angui.answer.model import Answer
from angui.settings import DEFAULT_K, Settings, load_settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="安规助手：带出处的安全生产法规问答。出错时只显示一行原因；加 --debug 显示完整的错误堆栈。")
DEBUG_FLAG = "--debug"
DEBUG = False  # set by main() when --debug is on the command line
VERIFIED = "—— 核验后的答案（未通过核验的句子已删去）——"
DAMAGED = re.compile(r"not a database|malformed|encrypted")  # SQLite's words for a file that cannot be the unit store

IndexOpt = Annotated[Path | None, typer.Option("--index", help="索引目录（默认 ANGUI_INDEX_DIR 或 ./data/index）")]
KOpt = Annotated[int | None, typer.Option("-k", help=f"引用条数（默认 ANGUI_ANSWER_K 或 {DEFAULT_K}）")]


def _settings(index: Path | None) -> Settings:
    """The settings for a command; a bad ANGUI_*/TELEGRAM_* value ends it with the variable named."""
    from pydantic import ValidationError

    try:
        return load_settings(index_dir=index)
    except ValidationError as exc:
        from angui.settings import Settings as Fields
        from angui.settings import env_name

        def where(loc: tuple) -> str:
            name = str(loc[0]) if loc else ""
            return env_name(name) if name in Fields.model_fields else name

        problems = "；".join(f"{where(e['loc'])}：{e['msg']}" for e in exc.errors())
        typer.echo(f"设置有误（环境变量或 .env）：{problems}", err=True)
        raise typer.Exit(1) from exc


def _kb(index: Path | None):
    """Open the knowledge base for a command."""
    from angui.kb import KnowledgeBase

    return KnowledgeBase(_settings(index))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="文件或文件夹（递归）")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="最后输出一个 JSON 报告（逐文件结果写到标准错误）")] = False,
) -> None:
    """导入文档：逐条/逐行切分为可引用单元并写入索引（同一索引同时只有一个导入在写）。"""
    from angui.ingest.pipeline import ingest_paths
    from angui.writelock import WriterBusy

    echo = (lambda s: typer.echo(s, err=True)) if as_json else typer.echo
    try:
        report = ingest_paths(_kb(index), paths, echo=echo)
    except WriterBusy as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    except Exception as exc:  # fatal: store unreachable, bad catalog, …
        typer.echo(f"导入失败：{exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(to_json(report.to_dict()))
    if report.skipped:
        typer.echo("以下文件未导入：", err=True)
        for f in report.skipped:
            typer.echo(f"  {f.path}：{f.reason}", err=True)
        raise typer.Exit(2)
    if report.index_problem:
        raise typer.Exit(1)


@app.command("bundle-vectors")
def bundle_vectors(
    folder: Annotated[Path, typer.Argument(help="随附知识库文件夹（默认 knowledge）")] = Path("knowledge"),
    index: IndexOpt = None,
) -> None:
    """为文件夹中全部单元生成随附向量文件 vectors-<模型>.npz（文件有变动后运行；导入时先装入嵌入缓存）。"""
    from angui.ingest.bundled import bundle

    bundle(_kb(index), folder, echo=typer.echo)


@app.command()
def remove(doc: Annotated[str, typer.Argument(help="文档键（见 angui stats）、文件名或文档标题")], index: IndexOpt = None) -> None:
    """从索引中删除一个文档。"""
    from angui.text import nfkc
    from angui.writelock import write_lock

    kb = _kb(index)
    docs = kb.store.documents()
    hits = [k for k in docs if k == nfkc(doc)] or [k for k, m in docs.items()
                                                   if Path(k).name == nfkc(Path(doc).name) or m["title"] == doc]
    if len(hits) != 1:
        names = "、".join(hits) if hits else "无"
        typer.echo(f"无法确定要删除的文档“{doc}”（匹配：{names}）。请用 angui stats 查看文档键。", err=True)
        raise typer.Exit(2)
    with write_lock(kb.settings.index_dir, kb.settings.write_wait, typer.echo):
        n = kb.store.remove(hits[0])
        kb.vectors.sync_or_rebuild(typer.echo)
    typer.echo(f"已删除 {hits[0]}（{n} 个单元）。")


@app.command()
def doctor(
    index: IndexOpt = None,
    repair: Annotated[bool, typer.Option("--repair", help="重建可由单元数据库推导的部分（不重新嵌入）")] = False,
) -> None:
    """检查索引：单元数据库、文档登记、向量、词法索引、Chroma 向量索引、嵌入缓存，每项一行；一致时退出码 0。"""
    from angui.doctor import diagnose, set_aside_store
    from angui.doctor import repair as fix
    from angui.kb import KnowledgeBase, store_path
    from angui.store import StoreError
    from angui.writelock import write_lock

    settings = _settings(index)
    try:
        kb = KnowledgeBase(settings)
    except StoreError as exc:
        typer.echo(f"✗✗ 单元数据库：{exc}")
        if repair and DAMAGED.search(str(exc)):  # a locked or unreadable file is not moved away
            with write_lock(settings.index_dir, settings.write_wait, typer.echo):
                dest = set_aside_store(store_path(settings))
                typer.echo(f"已把损坏的单元数据库移到 {dest}；请重新导入文档（嵌入缓存仍在，不必重新嵌入）。")
        raise typer.Exit(1) from exc
    if repair:
        with write_lock(settings.index_dir, settings.write_wait, typer.echo):
            fix(kb, typer.echo)
    findings = diagnose(kb)
    for finding in findings:
        typer.echo(finding.line())
    if not all(f.ok for f in findings):
        typer.echo("索引不一致：" + ("可由 angui doctor --repair 修复的已标 ✗，✗✗ 需重新导入。" if not repair else
                                  "✗✗ 项需重新导入相关文档。"))
        raise typer.Exit(1)


@app.command()
def stats(index: IndexOpt = None) -> None:
    """列出已入库文档：标题、版本、状态、单元数、文档键（angui remove 用它）。"""
    from rich.console import Console
    from rich.table import Table

    docs = _kb(index).store.documents()
    table = Table("标题", "版本", "状态", "其他版本", "文号", "单元数", "文档键", title=f"已入库文档 {len(docs)} 个")
    total = 0
    for m in sorted(docs.values(), key=lambda m: (m["family"], m["status"] != "现行", m["title"])):
        others = "、".join(f"{o['edition']}（{o['status']}）" for o in docs.values()
                          if o["family"] == m["family"] and o["fingerprint"] != m["fingerprint"])
        table.add_row(m["title"], m["edition"], m["status"], others, m["doc_no"], str(m["units"]), m["doc_key"])
        total += int(m["units"])
    Console(width=200).print(table)
    typer.echo(f"合计 {total} 个单元。")


def _service(index: Path | None, k: int | None):
    """The answer service for a command (models loaded once) and the number of citations to give."""
    from angui.answer.service import open_service

    service = open_service(_settings(index))
    return service, k or service.settings.answer_k


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="问题；写 - 则从标准输入逐行读取，每行输出一个 JSON")],
    index: IndexOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
    k: KOpt = None,
    llm: Annotated[bool, typer.Option("--llm", help="由大模型组织答案（ANGUI_LLM_*），逐句核验；默认看 ANGUI_ANSWER_MODE")] = False,
) -> None:
    """提问：给出带出处的答案。"""
    import sys

    service, k = _service(index, k)
    use_llm = llm or service.settings.answer_mode == "llm"
    if question == "-":
        for line in sys.stdin:
            if line.strip():
                typer.echo(to_json(service.ask(line.strip(), k, llm=use_llm).to_dict()))
        return
    if use_llm and not as_json:  # the reply streams as it comes, then the verified answer
        answer = service.ask(question, k, llm=True, on_token=lambda piece: typer.echo(piece, nl=False))
        typer.echo(f"\n\n{VERIFIED}\n{render_text(answer)}")
        return
    answer = service.ask(question, k, llm=use_llm)
    typer.echo(to_json(answer.to_dict(), indent=2) if as_json else render_text(answer))


@app.command()
def chat(index: IndexOpt = None, k: KOpt = None) -> None:
    """交互式问答（输入空行或 Ctrl-D 退出）。"""
    service, k = _service(index, k)
    typer.echo("安规助手：请输入问题（空行退出）。")
    while True:
        try:
            question = input("问> ").strip()
        except EOFError:
            break
        if not question:
            break
        typer.echo(render_text(service.ask(question, k)) + "\n")


@app.command("eval")
def eval_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL 问题集（q / keys / must / none）")],
    index: IndexOpt = None,
    k: KOpt = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="逐题输出")] = False,
    brief: Annotated[bool, typer.Option("--brief", help="只输出总指标（不按意图分组、不列未答对的题）")] = False,
) -> None:
    """评测：按意图分组的指标、意图准确率、未答对的题，最后一行为总的 hit@1、hit@5、must、拒答率、误拒数。"""
    from angui.answer.evaluate import evaluate

    service, k = _service(index, k)
    result = evaluate(service.ask, file, k)
    if verbose:
        for r in result.rows:
            typer.echo(to_json(r))
    if not brief:
        for name, g in result.by_intent().items():
            typer.echo(f"  {name:<10} 题数 {g['questions']:>3}  hit@1 {g['hit@1']:.3f}  hit@5 {g['hit@5']:.3f}  "
                       f"must {g['must']:.3f}  拒答 {g['refusals']:.3f}  误拒 {g['wrong_refusals']}")
        accuracy = result.intent_accuracy()
        typer.echo(f"  意图准确率 {'—（题集没有意图标注）' if accuracy is None else f'{accuracy:.3f}'}")
        typer.echo("  未答对：" + ("、".join(r["id"] or r["q"] for r in result.misses()) or "无"))
    f = result.figures()
    typer.echo(f"题数 {f['questions']}  hit@1 {f['hit@1']:.3f}  hit@5 {f['hit@5']:.3f}  must {f['must']:.3f}  "
               f"拒答 {f['refusals']:.3f}  误拒 {f['wrong_refusals']}  p50 {f['p50_ms']:.0f} ms  p95 {f['p95_ms']:.0f} ms")


@app.command()
def bot(index: IndexOpt = None) -> None:
    """启动 Telegram 机器人（TELEGRAM_BOT_TOKEN；设置 ANGUI_WEBHOOK_URL 时使用 webhook）。"""
    from angui.bot.telegram_app import run

    run(_settings(index), debug=DEBUG)


def render_text(answer: Answer) -> str:
    """Plain-text answer for people: the answer text, then its warnings."""
    text = answer.text
    if answer.warnings:
        text += "\n\n注意：" + "；".join(answer.warnings)
    return text


def to_json(obj: object, indent: int | None = None) -> str:
    """UTF-8 JSON for output."""
    import json

    return json.dumps(obj, ensure_ascii=False, indent=indent)


def main() -> None:
    """Console-script entry point: any error a command did not handle becomes one Chinese line (exit 1);
    `--debug` anywhere on the command line shows the traceback instead."""
    import sys

    global DEBUG
    DEBUG = debug = DEBUG_FLAG in sys.argv
    if debug:
        sys.argv.remove(DEBUG_FLAG)
    try:
        app()
    except Exception as exc:
        if debug:
            raise
        typer.echo(f"出错：{error_line(exc)}（加 {DEBUG_FLAG} 查看详细信息）", err=True)
        raise SystemExit(1) from None


def error_line(exc: BaseException) -> str:
    """An exception as one line with no secrets: a Telegram token in a URL or message is masked."""
    return mask_secrets(" ".join(str(exc).split()) or type(exc).__name__)[:300]


def mask_secrets(text: str) -> str:
    """Text with the configured bot token and anything shaped like a Telegram token replaced."""
    import re

    token = os.environ.get("TELEGRAM_BOT_TOKEN", "")
    if len(token) >= 8:
        text = text.replace(token, "<TOKEN>")
    return re.sub(r"\d{5,}:[\w-]{20,}", "<TOKEN>", text)


# registers checklist, quiz, outline and diff, then serve and dingtalk, on `app`
from angui import cli_desk, cli_web  # noqa: E402,F401
