"""The Telegram bot (`angui bot`): cited answers with inline buttons, feedback, rate limit and admin tools.

Buttons under an answer: 原文 sends the full text of every cited unit; 更多依据 asks the same question again
with twice as many citations (2 × ANGUI_ANSWER_K) and shows those the answer did not cite, numbered on from
it; 👍/👎 store feedback. Answers run on a few worker threads (the answer service serialises index reads, and an
LLM's reply is awaited outside that lock, so a slow model holds up no one else); an admin upload is ingested in a
child process.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import math
import re
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
)
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from angui.answer.service import AnswerService, open_service
from angui.bot.answer_cache import AnswerCache, CachedAnswer
from angui.bot.context import CONTEXT_TYPES, STATE_KEY, BotContext, BotState
from angui.bot.telegram_desk import check_command, diff_command, outline_command, quiz_command
from angui.bot.telegram_format import render_answer, render_fulltext, render_more, render_sources, split_message
from angui.bot.telegram_texts import (
    ADMIN_HELP,
    ADMIN_ONLY,
    API_UNREACHABLE,
    ASK_USAGE,
    COMMANDS,
    ERROR_TEXT,
    EXPIRED,
    HELP,
    IMPORTING,
    NO_MORE,
    NO_TOKEN,
    NO_WEBHOOKS,
    REFUSAL,
    RELOADED,
    SEARCHING_MORE,
    SLOW_DOWN,
    SOURCES_SENT,
    THANKS,
    TOKEN_REJECTED,
    UPLOAD_REFUSED,
    WRITING,
)
from angui.bot.telegram_upload import upload_reply
from angui.feedback import FEEDBACK_FILE, FeedbackStore
from angui.ingest.uploads import ingest_in_place, upload_problem
from angui.ratelimit import RateLimiter
from angui.settings import Settings

logger = logging.getLogger(__name__)
WORKERS = 4  # threads for knowledge-base work; index reads take the service's lock

VOTES = {"up": "👍", "down": "👎"}
STREAM_EVERY_S = 1.5  # Telegram allows about one edit of a message per second
MAX_STREAMED = 4000  # characters of a streaming reply shown before it is verified
MAX_VOTE_CHANGES = 3  # votes recorded per user and answer (a first vote and two changes of mind)


def _addressed(message: Message, bot: Bot) -> bool:
    """Private chat, a command, a mention of the bot, or a reply to the bot."""
    if message.chat.type == ChatType.PRIVATE or (message.text or "").startswith("/"):
        return True
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    reply = message.reply_to_message
    return f"@{bot.username}".lower() in (m.lower() for m in mentions) or bool(
        reply and reply.from_user and reply.from_user.id == bot.id)


def _keyboard(key: str, found: bool) -> InlineKeyboardMarkup:
    votes = [InlineKeyboardButton(label, callback_data=f"{vote}:{key}") for vote, label in VOTES.items()]
    if not found:
        return InlineKeyboardMarkup([votes])
    return InlineKeyboardMarkup([[InlineKeyboardButton("原文", callback_data=f"src:{key}"),
                                  InlineKeyboardButton("更多依据", callback_data=f"more:{key}")], votes])


async def _send_html(send: Callable[..., Awaitable[Message]], html: str,
                     markup: InlineKeyboardMarkup | None = None) -> None:
    """Send HTML in parts of at most 4096 chars; the buttons go under the last part."""
    parts = split_message(html)
    for i, part in enumerate(parts, 1):
        await send(part, parse_mode=ParseMode.HTML, reply_markup=markup if i == len(parts) else None)


async def _answer(update: Update, context: BotContext, question: str) -> None:
    """Rate-limit, compute the answer off the event loop, and reply with it and its buttons."""
    state = context.state
    message = update.effective_message
    wait = state.limiter.acquire(update.effective_user.id)
    if wait:
        await message.reply_text(SLOW_DOWN.format(seconds=math.ceil(wait), limit=state.limiter.limit))
        return
    await message.chat.send_action(ChatAction.TYPING)
    if state.settings.answer_mode == "llm":
        await _streamed(message, state, question)
        return
    answer = await state.work(state.service.ask, question, state.settings.answer_k)
    key = state.cache.put(CachedAnswer(answer))
    await _send_html(message.reply_text, render_answer(answer), _keyboard(key, answer.found))


async def _streamed(message: Message, state: BotState, question: str) -> None:
    """LLM mode: one message shows the reply as it streams (edited at most every STREAM_EVERY_S), then becomes
    the verified answer with its buttons."""
    pieces: list[str] = []
    shown = WRITING
    status = await message.reply_text(shown)
    job = asyncio.ensure_future(state.work(state.service.ask, question, state.settings.answer_k, True, pieces.append))
    while not job.done():
        await asyncio.wait([job], timeout=STREAM_EVERY_S)
        text = "".join(pieces)[:MAX_STREAMED]
        if text.strip() and text != shown and not job.done():
            shown = text
            await status.edit_text(f"{text}……")
    try:
        answer = job.result()
    except Exception:
        await status.edit_text(ERROR_TEXT)  # never leave the unverified text on screen
        raise
    key = state.cache.put(CachedAnswer(answer))
    parts = split_message(render_answer(answer))
    markup = _keyboard(key, answer.found)
    await status.edit_text(parts[0], parse_mode=ParseMode.HTML, reply_markup=markup if len(parts) == 1 else None)
    for i, part in enumerate(parts[1:], 2):
        await message.reply_text(part, parse_mode=ParseMode.HTML, reply_markup=markup if i == len(parts) else None)


async def check_access(update: Update, context: BotContext) -> None:
    """Runs first for every update: outside the allow-lists, refuse (when addressed) and stop."""
    user, chat = update.effective_user, update.effective_chat
    if context.state.settings.allows(user and user.id, chat and chat.id):
        return
    if update.callback_query:
        await update.callback_query.answer(REFUSAL, show_alert=True)
    elif update.message and _addressed(update.message, context.bot):
        await update.message.reply_text(REFUSAL)
    raise ApplicationHandlerStop


async def help_command(update: Update, context: BotContext) -> None:
    """/start and /help: what the bot does, with example questions."""
    admin = update.effective_user.id in context.state.settings.admin_users
    await update.effective_message.reply_text(HELP + (ADMIN_HELP if admin else ""))


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask <question>: the way to ask in groups (works everywhere)."""
    question = " ".join(context.args or [])
    if not question:
        await update.effective_message.reply_text(ASK_USAGE)
        return
    await _answer(update, context, question)


async def on_text(update: Update, context: BotContext) -> None:
    """A text message is a question in private chats; in groups only when it mentions or replies to the bot."""
    if not _addressed(update.message, context.bot):
        return
    mention = re.compile(rf"@{re.escape(context.bot.username)}\b", re.IGNORECASE)
    question = mention.sub(" ", update.message.text).strip()
    if question:
        await _answer(update, context, question)


async def sources(update: Update, context: BotContext) -> None:
    """/sources: the documents in the knowledge base with edition and status."""
    state = context.state
    docs = await state.work(state.service.documents)
    await _send_html(update.effective_message.reply_text, render_sources(docs))


async def reload_index(update: Update, context: BotContext) -> None:
    """/reload (admins): re-read the index after an external ingest."""
    state = context.state
    if update.effective_user.id not in state.settings.admin_users:
        await update.effective_message.reply_text(ADMIN_ONLY)
        return
    count = await state.work(state.service.refresh)
    await update.effective_message.reply_text(RELOADED.format(count=count))


async def on_document(update: Update, context: BotContext) -> None:
    """A file sent privately by an admin is downloaded, ingested and reported; others are refused."""
    state = context.state
    message = update.message
    if update.effective_user.id not in state.settings.admin_users:
        await message.reply_text(UPLOAD_REFUSED)
        return
    document = message.document
    name = Path(document.file_name or "").name
    problem = upload_problem(name, document.file_size, state.settings.max_file_mb)
    if problem:
        await message.reply_text(problem)
        return
    status = await message.reply_text(IMPORTING.format(name=name))

    async def put(path: Path) -> None:
        await (await document.get_file()).download_to_drive(path)

    async def progress(line: str) -> None:
        await status.edit_text(f"{IMPORTING.format(name=name)}\n{line}")

    report, stored = await ingest_in_place(state.settings, name, put, progress, state.service.documents)
    count = await state.work(state.service.refresh)
    await status.edit_text(upload_reply(report, count, stored))


async def _cached(update: Update, context: BotContext) -> CachedAnswer | None:
    """The answer a button belongs to; an expired one is reported on the button."""
    cached = context.state.cache.get(update.callback_query.data.split(":", 1)[1])
    if cached is None:
        await update.callback_query.answer(EXPIRED, show_alert=True)
    return cached


async def show_source(update: Update, context: BotContext) -> None:
    """原文 button: the full text of every cited unit."""
    cached = await _cached(update, context)
    if cached is None:
        return
    user_id = update.effective_user.id
    if user_id in cached.sources_sent:  # pressing again does not send the long text again
        await update.callback_query.answer(SOURCES_SENT)
        return
    cached.sources_sent.add(user_id)
    await update.callback_query.answer()
    await _send_html(update.effective_chat.send_message, render_fulltext(cached.answer.citations))


async def show_more(update: Update, context: BotContext) -> None:
    """更多依据 button: ask again with twice the citations and show the ones not cited yet."""
    state = context.state
    cached = await _cached(update, context)
    if cached is None:
        return
    wait = state.limiter.acquire(update.effective_user.id)
    if wait:
        await update.callback_query.answer(SLOW_DOWN.format(seconds=math.ceil(wait), limit=state.limiter.limit),
                                           show_alert=True)
        return
    await update.callback_query.answer(SEARCHING_MORE)
    await update.effective_chat.send_action(ChatAction.TYPING)
    wider = await state.work(state.service.ask, cached.answer.question, 2 * state.settings.answer_k)
    cited = {c.key for c in cached.answer.citations}
    extra = [c for c in wider.citations if c.key not in cited]
    html = render_more(extra, len(cited) + 1) if extra else NO_MORE
    await _send_html(update.effective_chat.send_message, html)


async def vote(update: Update, context: BotContext) -> None:
    """👍/👎 buttons: store one vote per user and answer."""
    state = context.state
    cached = await _cached(update, context)
    if cached is None:
        return
    choice = update.callback_query.data.split(":", 1)[0]
    user_id = update.effective_user.id
    changes = cached.vote_changes.get(user_id, 0)
    if cached.votes.get(user_id) != choice and changes < MAX_VOTE_CHANGES:  # flipping cannot grow the file for ever
        cached.votes[user_id] = choice
        cached.vote_changes[user_id] = changes + 1
        state.feedback.record(cached.answer.question, cached.answer.citations, user_id, choice)
    await update.callback_query.answer(THANKS.format(vote=VOTES[choice]))


async def on_error(update: object, context: BotContext) -> None:
    """Log the error to stderr; the user only gets a short apology."""
    logger.error("Error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        await update.effective_chat.send_message(ERROR_TEXT)


async def post_init(application: Application) -> None:
    """Register the command menu (setMyCommands)."""
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])


def build_application(settings: Settings, service: AnswerService) -> Application:
    """The bot application over a ready answer service, talking to the Bot API at settings.base_url."""
    application = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .context_types(CONTEXT_TYPES)
        .defaults(Defaults(link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .concurrent_updates(True)
        .post_init(post_init)
        .build()
    )
    application.bot_data[STATE_KEY] = BotState(
        settings, service, RateLimiter(settings.rate_limit), AnswerCache(),
        FeedbackStore(settings.index_dir / FEEDBACK_FILE),
        ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="angui-kb"),
    )
    application.add_handler(TypeHandler(Update, check_access), group=-1)
    application.add_handler(CommandHandler(["start", "help"], help_command))
    application.add_handler(CommandHandler("ask", ask_command))
    application.add_handler(CommandHandler("sources", sources))
    application.add_handler(CommandHandler("reload", reload_index))
    application.add_handler(CommandHandler("check", check_command))
    application.add_handler(CommandHandler("quiz", quiz_command))
    application.add_handler(CommandHandler("outline", outline_command))
    application.add_handler(CommandHandler("diff", diff_command))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.ChatType.PRIVATE & filters.Document.ALL,
                                           on_document))
    application.add_handler(CallbackQueryHandler(show_source, pattern=r"^src:"))
    application.add_handler(CallbackQueryHandler(show_more, pattern=r"^more:"))
    application.add_handler(CallbackQueryHandler(vote, pattern=r"^(up|down):"))
    application.add_error_handler(on_error)
    return application


class QuietFormatter(logging.Formatter):
    """Log lines with the bot token masked; a traceback only with `--debug`, else its last line."""

    def __init__(self, token: str, tracebacks: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.token = token
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        if record.exc_info and not self.tracebacks:
            exc = record.exc_info[1]
            record = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None,
                                            "msg": f"{record.getMessage()}（{type(exc).__name__}: {exc}）", "args": ()})
        text = super().format(record)
        return text.replace(self.token, "<TOKEN>") if self.token else text


def run(settings: Settings, debug: bool = False) -> None:
    """Run the bot until interrupted: long polling, or a webhook server when ANGUI_WEBHOOK_URL is set."""
    if not settings.telegram_bot_token:
        raise SystemExit(NO_TOKEN)
    if settings.webhook_url and importlib.util.find_spec("tornado") is None:
        raise SystemExit(NO_WEBHOOKS)
    logging.basicConfig(level=logging.INFO)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(QuietFormatter(settings.telegram_bot_token, tracebacks=debug))
    logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs request URLs, which contain the token
    application = build_application(settings, open_service(settings))
    try:
        if settings.webhook_url:
            application.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port,
                                    url_path=settings.webhook_path, webhook_url=settings.webhook_url,
                                    secret_token=settings.webhook_secret or None, allowed_updates=Update.ALL_TYPES)
        else:
            application.run_polling(allowed_updates=Update.ALL_TYPES)
    except InvalidToken as exc:
        raise SystemExit(TOKEN_REJECTED) from exc
    except NetworkError as exc:
        raise SystemExit(API_UNREACHABLE.format(url=settings.base_url, reason=exc)) from exc
