"""The knowledge base handle: unit store, derived vector index, embedder, embedding cache and lexical index."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

from angui.embeddings import Embedder, EmbeddingCache, embedder_slug, get_embedder
from angui.lexical import BM25Index, decode_tokens, encode_tokens, signature, tokenize
from angui.settings import Settings
from angui.store import Store, StoredUnit
from angui.vector_index import VectorIndex


def store_path(settings: Settings) -> Path:
    """The unit database of the settings' index dir and embedding space."""
    return settings.index_dir / f"units-{embedder_slug(settings.embedding)}.sqlite"


class KnowledgeBase:
    """One index dir: `units-<space>.sqlite` (the truth), Chroma (derived) and the embedding cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.space = embedder_slug(settings.embedding)
        self.store = Store(store_path(settings))
        self.vectors = VectorIndex(self.store, settings.index_dir, self.space, settings.chroma_url)
        self._lexical: BM25Index | None = None

    @cached_property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use."""
        return get_embedder(self.settings.embedding)

    @cached_property
    def cache(self) -> EmbeddingCache:
        """Embedding cache shared by every ingest into this index dir."""
        return EmbeddingCache(self.settings.index_dir / "embeddings.sqlite", self.space)

    def query(self, vector: np.ndarray, k: int, live: set[str]) -> tuple[list[tuple[StoredUnit, float]], float]:
        """Dense search: exact over the stored vectors, Chroma's HNSW past the exact-search limit."""
        return self.store.query(vector, k, live, fallback=self.vectors.search)

    def lexical(self, live: list[str] | None = None) -> BM25Index:
        """BM25 over the live units' stored tokens; units whose tokens are missing or bad are tokenized again."""
        live = self.store.live_fingerprints() if live is None else live
        sig = f"{signature(live)}@{self.store.generation()}"  # a relabel changes tokens, not fingerprints
        if self._lexical is not None and self._lexical.signature == sig:
            return self._lexical
        items, redo = [], {}
        for unit, stored in self.store.tokens(live):
            tokens = decode_tokens(stored)
            if tokens is None:
                tokens = tokenize(unit.search_text)
                redo[unit.id] = encode_tokens(tokens)
            items.append((unit.id, tokens))
        if redo:
            self.store.put_tokens(redo)
        index = BM25Index()
        index.build(items, sig)
        self._lexical = index
        return index
