"""angui's retrieval as a langchain `BaseRetriever`, for users' own chains: the units `angui ask` would cite."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from angui.settings import DEFAULT_K


class AnguiRetriever(BaseRetriever):
    """Documents for a question: each cited unit's full text, with title, edition, status, loc and source."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    service: Any  # an angui.answer.service.AnswerService
    k: int = DEFAULT_K

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        answer = self.service.ask(query, self.k, llm=False)
        return [Document(page_content=c.text, metadata={"n": c.n, "doc": c.doc, "edition": c.edition, "status": c.status,
                                                        "loc": c.loc, "source": c.source, "score": c.score})
                for c in answer.citations]
