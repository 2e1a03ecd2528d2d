"""The read path over one index, built once per process: what every channel is handed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from angui.answer.compose import Composer
from angui.answer.gate import Gate
from angui.answer.intent import IntentClassifier
from angui.answer.llm import LLMAnswerer, Token
from angui.answer.model import Answer
from angui.answer.retrieve import Retriever
from angui.kb import KnowledgeBase
from angui.settings import DEFAULT_K, Settings
from angui.text import names_document

T = TypeVar("T")


@dataclass
class AnswerService:
    """Ask questions, list the live documents, and re-read the index after an ingest. Safe to share between
    threads: reading the index is serialised by `lock` (desk tools take it too); an LLM's reply is awaited
    outside it."""

    kb: KnowledgeBase
    composer: Composer
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def settings(self) -> Settings:
        return self.kb.settings

    def ask(self, question: str, k: int = DEFAULT_K, llm: bool | None = None, on_token: Token | None = None) -> Answer:
        """A cited answer (or a refusal) for one question, over the index as it is now (another process's
        ingest bumps the store's generation, and the registry and lexical index are then re-read). With `llm`
        (default: ANGUI_ANSWER_MODE=llm) a model writes it from the same sources; `on_token` sees it stream."""
        if llm if llm is not None else self.settings.answer_mode == "llm":
            return self.llm.ask(question, k, on_token)
        return self.extractive(question, k)

    def extractive(self, question: str, k: int = DEFAULT_K) -> Answer:
        """The extractive answer over the index as it is now (re-read first when another process wrote)."""
        with self.lock:
            self._catch_up()
            return self.composer.ask(question, k)

    def desk(self, build: Callable[..., T], *args: Any) -> T:
        """Run a desk tool's builder (checklist, quiz, outline) over the current index: build(retriever, *args, gate)."""
        with self.lock:
            self._catch_up()
            return build(self.composer.retriever, *args, self.composer.gate)

    @cached_property
    def llm(self) -> LLMAnswerer:
        """The LLM answer mode over this service's extractive answers (langchain is imported on first use)."""
        return LLMAnswerer(self.extractive, self.settings, self.holds)

    def _catch_up(self) -> None:
        if self.kb.store.generation() != self.composer.retriever.generation:
            self.refresh()

    def holds(self, title: str, base_loc: str) -> bool:
        """Whether the knowledge base has provision `base_loc` (第十五条) of a live document named `title`."""
        fps = [m["fingerprint"] for m in self.documents().values() if names_document(title, m["title"], m["family"])]
        return bool(fps) and bool(self.kb.store.units_at(fps, base_loc))

    def documents(self) -> dict[str, dict]:
        """Live documents in the store: doc_key -> registry metadata."""
        return self.kb.store.documents()

    def refresh(self) -> int:
        """Re-read the document registry and lexical index; returns how many documents are live."""
        with self.lock:
            self.composer.retriever.refresh()
            return len(self.composer.retriever.docs)


def open_service(settings: Settings) -> AnswerService:
    """A ready answer service over the index named by the settings (models loaded once)."""
    kb = KnowledgeBase(settings)
    retriever = Retriever(kb, IntentClassifier(kb.embedder, kb.cache))
    return AnswerService(kb, Composer(retriever, Gate.for_space(kb.embedder, kb.cache, kb.space)))
