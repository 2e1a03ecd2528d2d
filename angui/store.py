"""Chroma-backed unit store: a units collection plus a document registry that marks the live version."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from angui.dense import EXACT_LIMIT, DenseMatrix, load_matrix
from angui.schema import DocMeta, Unit, doc_from_metadata, unit_id, unit_metadata

# Search breadth for Chroma's HNSW, used only past angui.dense.EXACT_LIMIT vectors (smaller indexes are searched
# exactly in memory). The default (100) let a query miss its nearest unit; 400 narrowed that but did not end it.
HNSW_EF_SEARCH = 400
OVERFETCH = 10  # extra neighbours asked for, to make up for non-live records filtered out afterwards

Window = tuple[int, np.ndarray]  # (index of the unit in the document, vector of a later stretch of its text)


@dataclass
class StoredUnit:
    """A unit as read back from the store."""

    id: str
    text: str
    meta: dict

    @property
    def doc(self) -> DocMeta:
        return doc_from_metadata(self.meta)

    @property
    def search_text(self) -> str:
        """What lexical search sees: the unit in its context (document title, chapter path), then its text."""
        return f"{self.meta['title']} {self.meta['path']}\n{self.text}"


def open_client(index_dir: Path, chroma_url: str | None = None) -> chromadb.ClientAPI:
    """HttpClient when a Chroma server URL is given, else a PersistentClient under the index dir."""
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


class Store:
    """Units of every document, embedded in one space; only registered fingerprints are live.

    A document is written in three steps — new units, then the registry entry, then old units
    deleted — so a crash at any point leaves the previous version answering.
    """

    def __init__(self, client: chromadb.ClientAPI, space: str) -> None:
        self.client = client
        self.space = space
        self.units = self._vectors(f"angui-units-{space}")
        self.windows = self._vectors(f"angui-windows-{space}")  # later stretches of long units, pointing at them
        self.docs = client.get_or_create_collection(f"angui-docs-{space}", embedding_function=None)
        self._matrix: tuple[frozenset[str], DenseMatrix] | None = None
        self._batch = min(client.get_max_batch_size(), 2000)

    def _vectors(self, name: str) -> chromadb.Collection:
        """A cosine collection searched with HNSW_EF_SEARCH (an older index is adjusted on open)."""
        col = self.client.get_or_create_collection(
            name, configuration={"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}}, embedding_function=None)
        if (col.configuration.get("hnsw") or {}).get("ef_search", 0) < HNSW_EF_SEARCH:
            col.modify(configuration={"hnsw": {"ef_search": HNSW_EF_SEARCH}})
        return col

    def documents(self) -> dict[str, dict]:
        """Live documents: doc_key -> registry metadata (DocMeta fields, units, ingested_at)."""
        got = self.docs.get(include=["metadatas"])
        return {i: m for i, m in zip(got["ids"], got["metadatas"])}

    def live_fingerprints(self) -> list[str]:
        """Fingerprints of the live version of every document."""
        return sorted(m["fingerprint"] for m in self.documents().values())

    def is_current(self, doc: DocMeta) -> bool:
        """True when this exact version of the document is already live."""
        got = self.docs.get(ids=[doc.doc_key], include=["metadatas"])
        return bool(got["ids"]) and got["metadatas"][0].get("fingerprint") == doc.fingerprint

    def write_document(self, doc: DocMeta, units: Sequence[Unit], vectors: np.ndarray,
                       windows: Sequence[Window] = ()) -> None:
        """Write a document's units and window vectors, then make them live, then drop the previous version."""
        ids = [unit_id(doc.fingerprint, u.loc) for u in units]
        metas = [unit_metadata(doc, u) for u in units]
        for i in range(0, len(ids), self._batch):
            sl = slice(i, i + self._batch)
            self.units.upsert(
                ids=ids[sl], embeddings=vectors[sl], documents=[u.text for u in units[sl]], metadatas=metas[sl]
            )
        seen: dict[int, int] = {}
        wids, wmetas = [], []
        for index, _ in windows:
            seen[index] = seen.get(index, 0) + 1
            wids.append(f"{ids[index]}#w{seen[index]}")
            wmetas.append({"unit_id": ids[index], "doc_key": doc.doc_key, "fingerprint": doc.fingerprint})
        for i in range(0, len(wids), self._batch):
            sl = slice(i, i + self._batch)
            self.windows.upsert(ids=wids[sl], embeddings=[v for _, v in windows[sl]], metadatas=wmetas[sl])
        record = {**asdict(doc), "units": len(units), "ingested_at": time.strftime("%Y-%m-%d %H:%M:%S")}
        self.docs.upsert(ids=[doc.doc_key], embeddings=[[1.0]], documents=[json.dumps(record, ensure_ascii=False)],
                         metadatas=[record])
        stale = {"$and": [{"doc_key": doc.doc_key}, {"fingerprint": {"$ne": doc.fingerprint}}]}
        self.units.delete(where=stale)
        self.windows.delete(where=stale)

    def remove(self, doc_key: str) -> int:
        """Delete a document, its units and their windows; returns how many units went."""
        got = self.units.get(where={"doc_key": doc_key}, include=[])
        self.docs.delete(ids=[doc_key])
        if got["ids"]:
            self.units.delete(ids=got["ids"])
        self.windows.delete(where={"doc_key": doc_key})
        return len(got["ids"])

    def purge_orphans(self) -> int:
        """Delete units (and windows) left by an interrupted write (fingerprint not live)."""
        live = self.live_fingerprints()
        where = {"fingerprint": {"$nin": live}} if live else None
        for col in (self.windows, self.units):
            got = col.get(where=where, include=[]) if where else col.get(include=[])
            if got["ids"]:
                col.delete(ids=got["ids"])
        return len(got["ids"])

    def iter_units(self, page: int = 2000) -> Iterator[StoredUnit]:
        """Every live unit (text and metadata), in pages."""
        live = self.live_fingerprints()
        if not live:
            return
        offset = 0
        while True:
            got = self.units.get(where={"fingerprint": {"$in": live}}, include=["documents", "metadatas"],
                                 limit=page, offset=offset)
            for i, t, m in zip(got["ids"], got["documents"], got["metadatas"]):
                yield StoredUnit(i, t, m)
            if len(got["ids"]) < page:
                return
            offset += page

    def get(self, ids: Sequence[str]) -> list[StoredUnit]:
        """Units by id, in the order asked."""
        if not ids:
            return []
        got = self.units.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {i: StoredUnit(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])}
        return [by_id[i] for i in ids if i in by_id]

    def units_at(self, fingerprints: Sequence[str], base_loc: str) -> list[StoredUnit]:
        """Every part of the provision at `base_loc` in the given document versions."""
        got = self.units.get(where={"$and": [{"fingerprint": {"$in": list(fingerprints)}}, {"base_loc": base_loc}]},
                             include=["documents", "metadatas"])
        return [StoredUnit(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]

    def _dense(self, live: set[str]) -> DenseMatrix | None:
        """The in-memory matrix of the live vectors (reloaded when the live versions change), or None when
        there are too many vectors for exact search."""
        key = frozenset(live)
        if self._matrix is None or self._matrix[0] != key:
            if self.units.count() + self.windows.count() > EXACT_LIMIT:
                return None
            self._matrix = key, load_matrix(self.units, self.windows, sorted(live))
        return self._matrix[1]

    def penalty_links(self, live: Sequence[str]) -> dict[tuple[str, str], list[str]]:
        """(fingerprint, obligation base loc) -> ids of the live penalty units that punish it."""
        if not live:
            return {}
        got = self.units.get(where={"$and": [{"fingerprint": {"$in": list(live)}}, {"penalizes": {"$ne": ""}}]},
                             include=["metadatas"])
        links: dict[tuple[str, str], list[str]] = {}
        for i, m in zip(got["ids"], got["metadatas"]):
            for loc in filter(None, str(m.get("penalizes", "")).split(",")):
                links.setdefault((m["fingerprint"], loc), []).append(i)
        return links

    def query(self, vector: np.ndarray, k: int, live: set[str]) -> tuple[list[tuple[StoredUnit, float]], float]:
        """Nearest live units to a query vector by their best vector (own or window), with cosine similarity,
        and the best cosine of the units' own vectors (what the answer gate is calibrated on).

        Filtering by fingerprint after the search is several times faster than a `where` filter in Chroma;
        the few non-live units (left by an interrupted write) are over-fetched for.
        """
        if not live:
            return [], 0.0
        matrix = self._dense(live)
        if matrix is not None:
            found, unit_top = matrix.search(vector, k)
            units = {u.id: u for u in self.get([i for i, _ in found])}
            return [(units[i], c) for i, c in found if i in units], unit_top
        got = self.units.query(query_embeddings=[vector], n_results=k + OVERFETCH,
                               include=["documents", "metadatas", "distances"])
        rows = zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        best = {i: (StoredUnit(i, t, m), 1.0 - d) for i, t, m, d in rows if m["fingerprint"] in live}
        unit_top = max((c for _, c in best.values()), default=0.0)
        if self.windows.count():
            win = self.windows.query(query_embeddings=[vector], n_results=k + OVERFETCH,
                                     include=["metadatas", "distances"])
            cos: dict[str, float] = {}
            for m, d in zip(win["metadatas"][0], win["distances"][0]):
                if m["fingerprint"] in live:
                    cos[m["unit_id"]] = max(cos.get(m["unit_id"], -1.0), 1.0 - d)
            missing = [i for i in cos if i not in best]
            best.update((u.id, (u, cos[u.id])) for u in self.get(missing))
            best.update((i, (best[i][0], c)) for i, c in cos.items() if i in best and c > best[i][1])
        return sorted(best.values(), key=lambda uc: -uc[1])[:k], unit_top
