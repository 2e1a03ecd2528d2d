"""Telegram bot settings from the environment and `.env` (token, Bot API URL, access lists, webhook)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Ids = Annotated[frozenset[int], NoDecode]


class BotSettings(BaseSettings):
    """TELEGRAM_BOT_TOKEN plus ANGUI_* bot variables; id lists are comma-separated."""

    model_config = SettingsConfigDict(env_prefix="ANGUI_", env_file=".env", extra="ignore", populate_by_name=True)

    telegram_bot_token: str = Field(default="", validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN",
                                                                              "telegram_bot_token"))
    telegram_base_url: str = "https://api.telegram.org/bot"
    allowed_users: Ids = frozenset()
    allowed_chats: Ids = frozenset()
    admin_users: Ids = frozenset()
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    webhook_secret: str | None = None
    rate_limit: int = 10
    answer_k: int = 5

    @field_validator("allowed_users", "allowed_chats", "admin_users", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accept "1, 2,-100345" as well as any iterable of ids."""
        if not isinstance(value, str):
            return value
        try:
            return frozenset(int(part) for part in value.replace("，", ",").split(",") if part.strip())
        except ValueError:
            raise ValueError(f"应为逗号分隔的数字 ID，实际为 {value!r}") from None

    @property
    def base_url(self) -> str:
        """Bot API method URL prefix (the token is appended), e.g. https://api.telegram.org/bot."""
        return self.telegram_base_url.rstrip("/")

    @property
    def base_file_url(self) -> str:
        """File download URL prefix: the base URL with its trailing /bot turned into /file/bot."""
        root = self.base_url.removesuffix("/bot")
        return f"{root}/file/bot"

    @property
    def restricted(self) -> bool:
        """True when an allow-list is configured."""
        return bool(self.allowed_users or self.allowed_chats)

    def allows(self, user_id: int | None, chat_id: int | None) -> bool:
        """Whether a user in a chat may use the bot (admins always may)."""
        if not self.restricted or user_id in self.admin_users:
            return True
        return user_id in self.allowed_users or chat_id in self.allowed_chats

    @property
    def webhook_path(self) -> str:
        """The path part of the webhook URL, which the built-in webhook server listens on."""
        return urlparse(self.webhook_url or "").path.lstrip("/")
