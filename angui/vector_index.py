"""Chroma's vector index, derived from the unit store: synced after each write, rebuilt when damaged.

Nothing here is the only copy of anything: vectors live in the unit store, so a bricked HNSW segment (a kill
while Chroma persists it) costs a rebuild, not a re-embedding.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import numpy as np

from angui.store import Store

if TYPE_CHECKING:  # chromadb takes about half a second to import; answering a small index never needs it
    import chromadb

# Search breadth for Chroma's HNSW, used only past angui.dense.EXACT_LIMIT vectors (smaller indexes are searched
# exactly in memory). The default (100) let a query miss its nearest unit; 400 narrowed that but did not end it.
HNSW_EF_SEARCH = 400
OVERFETCH = 10  # extra neighbours asked for, to make up for non-live records filtered out afterwards
BATCH = 2000
TABLES = ("units", "windows")

Echo = Callable[[str], None]


class VectorIndexError(Exception):
    """Chroma failed; the message says what to run."""


def open_client(index_dir: Path, chroma_url: str | None = None) -> chromadb.ClientAPI:
    """HttpClient when a Chroma server URL is given, else a PersistentClient under the index dir."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    if chroma_url:
        url = urlparse(chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "127.0.0.1",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=settings,
        )
    index_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=settings)


class VectorIndex:
    """Two cosine collections (unit vectors, window vectors) named after the index's id and embedding space."""

    def __init__(self, store: Store, index_dir: Path, space: str, chroma_url: str | None = None) -> None:
        self.store = store
        self.index_dir = index_dir
        self.chroma_url = chroma_url
        self.names = {t: f"angui-{store.index_id}-{t}-{space}" for t in TABLES}

    @cached_property
    def client(self) -> chromadb.ClientAPI:
        try:
            return open_client(self.index_dir, self.chroma_url)
        except Exception as exc:  # chromadb raises many types (connection, sqlite, rust bindings)
            where = self.chroma_url or self.index_dir / "chroma"
            raise VectorIndexError(f"无法打开 Chroma 向量索引（{where}）：{_short(exc)}") from exc

    def collection(self, table: str) -> chromadb.Collection:
        return self.client.get_or_create_collection(
            self.names[table], configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}},
            embedding_function=None)

    def check(self) -> str:
        """'' when Chroma holds exactly the stored vectors, else what differs."""
        problems = []
        for table in TABLES:
            have = set(self.collection(table).get(include=[])["ids"])
            want = {r[0] for r in self.store.vectors(table, self.store.live_fingerprints())}
            if have != want:
                problems.append(f"{table} 缺 {len(want - have)} 条、多 {len(have - want)} 条")
        if problems:
            return "；".join(problems)
        if self.store.count("units"):  # the index answers a query, not only lists ids
            self.collection("units").query(query_embeddings=[self._any_vector()], n_results=1, include=[])
        return ""

    def _any_vector(self) -> np.ndarray:
        blob = next(self.store.vectors("units", self.store.live_fingerprints()[:1]))[3]
        return np.frombuffer(blob, dtype=np.float32)

    def sync(self) -> int:
        """Bring Chroma in line with the stored live vectors; returns how many records were written or deleted."""
        changed = 0
        live = self.store.live_fingerprints()
        for table in TABLES:
            col = self.collection(table)
            have = set(col.get(include=[])["ids"])
            rows = list(self.store.vectors(table, live))
            want = {r[0] for r in rows}
            extra = sorted(have - want)
            for i in range(0, len(extra), BATCH):
                col.delete(ids=extra[i : i + BATCH])
            missing = [r for r in rows if r[0] not in have]
            for i in range(0, len(missing), BATCH):
                batch = missing[i : i + BATCH]
                col.upsert(ids=[r[0] for r in batch],
                           embeddings=[np.frombuffer(r[3], dtype=np.float32) for r in batch],
                           metadatas=[{"unit_id": r[1], "fingerprint": r[2]} for r in batch])
            changed += len(extra) + len(missing)
        return changed

    def rebuild(self) -> int:
        """Drop the collections (or, when the embedded client cannot even open, its folder) and sync afresh."""
        try:
            client = self.client
        except VectorIndexError:  # the embedded store cannot even open: its folder holds nothing the units lack
            if self.chroma_url:
                raise
            self._reset_embedded()
            client = self.client
        for name in self.names.values():  # only this index's collections
            if name in [c.name for c in client.list_collections()]:
                client.delete_collection(name)
        return self.sync()

    def _reset_embedded(self) -> None:
        """Remove the embedded Chroma folder: it holds nothing the unit store lacks."""
        from chromadb.api.shared_system_client import SharedSystemClient

        self.__dict__.pop("client", None)
        SharedSystemClient.clear_system_cache()
        shutil.rmtree(self.index_dir / "chroma", ignore_errors=True)

    def sync_or_rebuild(self, echo: Echo) -> None:
        """Sync; when Chroma fails, rebuild it from the unit store (safe: it is derived) and say so."""
        try:
            self.sync()
        except Exception as exc:
            if self.chroma_url and isinstance(exc, VectorIndexError):  # the server is unreachable: nothing to rebuild
                raise VectorIndexError(f"Chroma 向量索引未同步（{_short(exc)}）；Chroma 可用后运行 angui doctor --repair"
                                       ) from exc
            echo(f"Chroma 向量索引出错（{_short(exc)}），正在从单元数据库重建…")
            try:
                n = self.rebuild()
            except Exception as again:
                raise VectorIndexError(f"Chroma 向量索引无法重建：{_short(again)}；请运行 angui doctor --repair") from again
            echo(f"向量索引已重建（{n} 条向量，未重新嵌入）。")

    def search(self, vector: np.ndarray, k: int, live: set[str]) -> tuple[list[tuple[str, float]], float]:
        """HNSW search over units and windows: (unit id, best cosine) pairs and the best own-vector cosine."""
        try:
            best: dict[str, float] = {}
            unit_top = 0.0
            for table in TABLES:
                got = self.collection(table).query(query_embeddings=[vector], n_results=k + OVERFETCH,
                                                   include=["metadatas", "distances"])
                for i, m, d in zip(got["ids"][0], got["metadatas"][0], got["distances"][0]):
                    if m and m.get("fingerprint") in live:
                        uid = m.get("unit_id") or i
                        best[uid] = max(best.get(uid, -1.0), 1.0 - d)
                        if table == "units":
                            unit_top = max(unit_top, 1.0 - d)
        except Exception as exc:
            raise VectorIndexError(f"Chroma 向量检索失败：{_short(exc)}；请运行 angui doctor --repair") from exc
        return sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))[:k], unit_top


def _short(exc: BaseException) -> str:
    """The first line of an exception, for one-line messages."""
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
