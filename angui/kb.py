"""The knowledge base handle: store, embedder, embedding cache and lexical index opened together."""

from __future__ import annotations

from functools import cached_property

from angui.embeddings import Embedder, EmbeddingCache, embedder_slug, get_embedder
from angui.lexical import LEXICAL_VERSION, BM25Index, signature
from angui.settings import Settings
from angui.store import Store, open_client


class KnowledgeBase:
    """One index: Chroma units for one embedding space plus the files kept in the index dir."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.space = embedder_slug(settings.embedding)
        self.store = Store(open_client(settings.index_dir, settings.chroma_url), self.space)
        self._lexical: BM25Index | None = None

    @cached_property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        return get_embedder(self.settings.embedding)

    @cached_property
    def cache(self) -> EmbeddingCache:
        """Embedding cache shared by every ingest into this index dir."""
        return EmbeddingCache(self.settings.index_dir / "embeddings.sqlite", self.space)

    @property
    def lexical_path(self):
        return self.settings.index_dir / f"lexical-{self.space}.pkl"

    def lexical(self, live: list[str] | None = None) -> BM25Index:
        """BM25 index in step with the live documents: loaded from disk, or rebuilt from the store."""
        live = self.store.live_fingerprints() if live is None else live
        sig = signature(live)
        if self._lexical is not None and self._lexical.signature == sig:
            return self._lexical
        index = BM25Index.load(self.lexical_path)
        if index is None or index.signature != sig or index.version != LEXICAL_VERSION:
            known = index.tokens if index and index.version == LEXICAL_VERSION else {}
            index = BM25Index()
            index.build(((u.id, u.search_text) for u in self.store.iter_units()), sig, known)
            index.save(self.lexical_path)
        self._lexical = index
        return index
