"""Build the answer service once per process: knowledge base, retriever, gate, composer."""

from __future__ import annotations

from angui.config import Settings
from angui.kb import KnowledgeBase
from bot.answer import Composer
from bot.gate import Gate
from bot.retrieve import Retriever


def open_composer(settings: Settings) -> Composer:
    """A ready composer over the index named by the settings (models loaded once)."""
    kb = KnowledgeBase(settings)
    return Composer(Retriever(kb), Gate.for_space(kb.embedder, kb.cache, kb.space))
