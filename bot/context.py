"""What the handlers share, and the custom context that hands it to them (PTB's ContextTypes idiom)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from angui.answer.service import AnswerService
from angui.bot.answer_cache import AnswerCache
from angui.feedback import FeedbackStore
from angui.ratelimit import RateLimiter
from angui.settings import Settings

STATE_KEY = "state"


@dataclass
class BotState:
    """Settings, the answer service and the bot's own stores, kept in bot_data."""

    settings: Settings
    service: AnswerService
    limiter: RateLimiter
    cache: AnswerCache
    feedback: FeedbackStore
    worker: ThreadPoolExecutor

    async def work(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run blocking knowledge-base work on a worker thread (index reads are serialised by the service)."""
        return await asyncio.get_running_loop().run_in_executor(self.worker, fn, *args)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    """Callback context with typed access to the shared `BotState`."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def state(self) -> BotState:
        return self.bot_data[STATE_KEY]


CONTEXT_TYPES = ContextTypes(context=BotContext)
