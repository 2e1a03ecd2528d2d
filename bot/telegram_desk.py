"""Desk-work commands in Telegram: /check, /quiz, /outline and /diff. Each replies with a short summary and sends
the Word file; /quiz sends its choice questions as quiz polls, and fill-in questions with the answer in a spoiler."""

from __future__ import annotations

import html
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

from telegram import Poll, Update
from telegram.constants import ChatAction, ParseMode

from angui.answer import checklist, outline, quiz
from angui.answer.diff import ADDED, CHANGED, REMOVED, DiffError, compare
from angui.answer.topic import INDUSTRIES
from angui.bot.context import BotContext
from angui.bot.telegram_texts import DESK_USAGE, NOTHING_FOUND, SLOW_DOWN
from angui.export import checklist_docx, diff_docx, outline_docx, quiz_docx

QUIZ_IN_CHAT = 5  # questions sent to a chat (the Word file has 10)
SUMMARY_LINES = 8
POLL_QUESTION, POLL_OPTION, POLL_EXPLANATION = 300, 100, 200  # Telegram's limits for a quiz poll


def _docx(make: Callable[[object, Path], Path], result: object, name: str) -> tuple[bytes, str]:
    """The Word file an export function writes, as bytes for sendDocument."""
    with tempfile.TemporaryDirectory() as folder:
        path = make(result, Path(folder) / name)
        return path.read_bytes(), name


async def _start(update: Update, context: BotContext, command: str) -> str | None:
    """The command's argument, after the usage hint and the rate limit; None when the reply is already sent."""
    message = update.effective_message
    topic = " ".join(context.args or []).strip()
    if not topic:
        await message.reply_text(DESK_USAGE[command])
        return None
    wait = context.state.limiter.acquire(update.effective_user.id)
    if wait:
        await message.reply_text(SLOW_DOWN.format(seconds=math.ceil(wait), limit=context.state.limiter.limit))
        return None
    await message.chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    return topic


async def _send(update: Update, summary: list[str], document: tuple[bytes, str]) -> None:
    await update.effective_message.reply_text("\n".join(summary), parse_mode=ParseMode.HTML)
    await update.effective_message.reply_document(document=document[0], filename=document[1])


async def _deliver(update: Update, topic: str, summary: list[str], document: tuple[bytes, str] | None) -> None:
    """The summary and the Word file, or — when nothing was found (no document) — the reason."""
    if not document:
        await update.effective_message.reply_text(NOTHING_FOUND.format(topic=topic))
        return
    await _send(update, summary, document)


def _cite(citation: dict) -> str:
    return html.escape(f"《{citation['doc']}》{citation['loc']}")


async def check_command(update: Update, context: BotContext) -> None:
    """/check 主题 [行业]: a self-check list, its first lines here and the whole list as a Word file."""
    topic = await _start(update, context, "check")
    if topic is None:
        return
    words = topic.split()
    industry = words.pop() if len(words) > 1 and words[-1] in INDUSTRIES else ""
    state = context.state
    result = await state.work(state.service.desk, checklist.build, " ".join(words), industry)
    head = [f"<b>{html.escape(topic)}检查表</b>（共 {len(result.items)} 项，完整表格见附件）"]
    lines = [f"{n}. {html.escape(i.item[:120])} —— {_cite(i.citation)}" for n, i in enumerate(result.items[:SUMMARY_LINES], 1)]
    await _deliver(update, topic, head + lines, _docx(checklist_docx, result, f"{topic}检查表.docx") if result.items else None)


async def outline_command(update: Update, context: BotContext) -> None:
    """/outline 主题: a course outline as a Word file, with its section headings here."""
    topic = await _start(update, context, "outline")
    if topic is None:
        return
    state = context.state
    result = await state.work(state.service.desk, outline.build, topic)
    head = [f"<b>{html.escape(topic)} 课程大纲</b>（完整大纲见附件）"]
    lines = [f"{html.escape(s)}：{len(entries)} 条" for s, entries in result.sections.items() if entries]
    await _deliver(update, topic, head + lines, _docx(outline_docx, result, f"{topic}课程大纲.docx") if result.lines else None)


async def diff_command(update: Update, context: BotContext) -> None:
    """/diff 文件名称: what the current edition changed, counted here, marked in the Word file."""
    name = await _start(update, context, "diff")
    if name is None:
        return
    state = context.state
    try:
        result = await state.work(compare, state.service.kb.store, name)
    except DiffError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    lines = [f"<b>《{html.escape(result.title)}》{html.escape(result.old['edition'])} → {html.escape(result.current['edition'])}</b>",
             f"修改 {len(result.of_kind(CHANGED))} 条，新增 {len(result.of_kind(ADDED))} 条，删去 {len(result.of_kind(REMOVED))} 条"
             f"（逐条对比见附件，删去的字词加删除线，新增的加下划线）。"]
    lines += [f"• {html.escape(c.kind)} {html.escape(c.new_loc or c.old_loc)}" for c in result.changes[:SUMMARY_LINES]]
    await _send(update, lines, _docx(diff_docx, result, f"{result.title}版本对比.docx"))


def _fits_poll(q: quiz.Question) -> bool:
    return bool(q.options) and len(q.question) <= POLL_QUESTION and all(len(o) <= POLL_OPTION for o in q.options)


async def quiz_command(update: Update, context: BotContext) -> None:
    """/quiz 主题: questions as quiz polls (the right option and its clause shown after answering), fill-ins with the
    answer hidden in a spoiler, and all ten with the answer key as a Word file."""
    topic = await _start(update, context, "quiz")
    if topic is None:
        return
    state = context.state
    result = await state.work(state.service.desk, quiz.build, topic, 10)
    if not result.questions:
        await update.effective_message.reply_text(NOTHING_FOUND.format(topic=topic))
        return
    chat = update.effective_chat
    for n, q in enumerate(result.questions[:QUIZ_IN_CHAT], 1):
        if _fits_poll(q):
            await chat.send_poll(f"{n}. {q.question}"[:POLL_QUESTION], q.options, type=Poll.QUIZ, is_anonymous=False,
                                 correct_option_ids=[q.options.index(q.answer)],
                                 explanation=f"依据{q.citation['doc']}{q.citation['loc']}"[:POLL_EXPLANATION])
        else:
            options = "\n".join(f"{'ABCD'[i]}. {html.escape(o)}" for i, o in enumerate(q.options))
            await chat.send_message(f"{n}. {html.escape(q.question)}\n{options}\n答案：<tg-spoiler>{html.escape(q.answer)}"
                                    f"</tg-spoiler>\n依据：{_cite(q.citation)}".replace("\n\n", "\n"), parse_mode=ParseMode.HTML)
    document = _docx(quiz_docx, result, f"{topic}练习题.docx")
    await update.effective_message.reply_document(document=document[0], filename=document[1],
                                                  caption=f"共 {len(result.questions)} 题，答案与依据在最后一页。")
