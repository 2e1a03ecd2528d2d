"""The read path over one index, built once per process: what every channel is handed."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from angui.answer.compose import Composer
from angui.answer.gate import Gate
from angui.answer.intent import IntentClassifier
from angui.answer.llm import LLMAnswerer, Token
from angui.answer.model import Answer
from angui.answer.retrieve import Retriever
from angui.kb import KnowledgeBase
from angui.settings import DEFAULT_K, Settings
from angui.text import compact


@dataclass
class AnswerService:
    """Ask questions, list the live documents, and re-read the index after an ingest."""

    kb: KnowledgeBase
    composer: Composer

    @property
    def settings(self) -> Settings:
        return self.kb.settings

    def ask(self, question: str, k: int = DEFAULT_K, llm: bool | None = None, on_token: Token | None = None) -> Answer:
        """A cited answer (or a refusal) for one question, over the index as it is now (another process's
        ingest bumps the store's generation, and the registry and lexical index are then re-read). With `llm`
        (default: ANGUI_ANSWER_MODE=llm) a model writes it from the same sources; `on_token` sees it stream."""
        if self.kb.store.generation() != self.composer.retriever.generation:
            self.refresh()
        if llm if llm is not None else self.settings.answer_mode == "llm":
            return self.llm.ask(question, k, on_token)
        return self.composer.ask(question, k)

    @cached_property
    def llm(self) -> LLMAnswerer:
        """The LLM answer mode over this service's extractive answers (langchain is imported on first use)."""
        return LLMAnswerer(self.composer.ask, self.settings, self.holds)

    def holds(self, title: str, base_loc: str) -> bool:
        """Whether the knowledge base has provision `base_loc` (第十五条) of a live document named `title`."""
        key = compact(title).replace("中华人民共和国", "")
        fps = [m["fingerprint"] for m in self.documents().values()
               if key and (key in compact(m["title"]) or compact(m["family"]) in key)]
        return bool(fps) and bool(self.kb.store.units_at(fps, base_loc))

    def documents(self) -> dict[str, dict]:
        """Live documents in the store: doc_key -> registry metadata."""
        return self.kb.store.documents()

    def refresh(self) -> int:
        """Re-read the document registry and lexical index; returns how many documents are live."""
        self.composer.retriever.refresh()
        return len(self.composer.retriever.docs)


def open_service(settings: Settings) -> AnswerService:
    """A ready answer service over the index named by the settings (models loaded once)."""
    kb = KnowledgeBase(settings)
    retriever = Retriever(kb, IntentClassifier(kb.embedder, kb.cache))
    return AnswerService(kb, Composer(retriever, Gate.for_space(kb.embedder, kb.cache, kb.space)))
