"""The read path over one index, built once per process: what every channel is handed."""

from __future__ import annotations

from dataclasses import dataclass

from angui.answer.compose import Composer
from angui.answer.gate import Gate
from angui.answer.intent import IntentClassifier
from angui.answer.model import Answer
from angui.answer.retrieve import Retriever
from angui.kb import KnowledgeBase
from angui.settings import DEFAULT_K, Settings


@dataclass
class AnswerService:
    """Ask questions, list the live documents, and re-read the index after an ingest."""

    kb: KnowledgeBase
    composer: Composer

    @property
    def settings(self) -> Settings:
        return self.kb.settings

    def ask(self, question: str, k: int = DEFAULT_K) -> Answer:
        """A cited answer (or a refusal) for one question, over the index as it is now (another process's
        ingest bumps the store's generation, and the registry and lexical index are then re-read)."""
        if self.kb.store.generation() != self.composer.retriever.generation:
            self.refresh()
        return self.composer.ask(question, k)

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
