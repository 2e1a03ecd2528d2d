"""Running the real bot Application against the Bot API stand-in, for the bot tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from telegram.ext import Application

from angui.answer.service import AnswerService
from angui.bot.telegram_app import build_application

from botapi_standin import BotApiStandIn


@asynccontextmanager
async def running(api: BotApiStandIn, service: AnswerService, **overrides: object) -> AsyncIterator[Application]:
    """The real Application polling the stand-in, as run_polling would run it, stopped on exit."""
    settings = service.settings.model_copy(update={"telegram_bot_token": api.token,
                                                   "telegram_base_url": api.base_url, **overrides})
    app = build_application(settings, service)
    async with app:
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


def play(scenario: Callable[[], Awaitable[None]], limit: float = 120) -> None:
    asyncio.run(asyncio.wait_for(scenario(), limit))
