"""Shipped vectors: the embeddings of a folder's units (and windows) for one model and embedding settings, in one
compact file beside the documents, loaded into the embedding cache before an ingest embeds anything.

The file holds float16 vectors keyed by the embedding cache's text hash, plus the model's space and the
embedding settings; a file for another model or other settings is ignored, and those texts embed as usual.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from angui.embeddings import embed_cached
from angui.ingest.budget import Budget
from angui.ingest.dense_texts import embedding_salt, unit_texts
from angui.ingest.errors import SkipFile
from angui.ingest.loaders import iter_files, load
from angui.ingest.structure import parse_units
from angui.kb import KnowledgeBase
from angui.schema import text_hash

VECTORS_FILE = "vectors-{space}.npz"
REGENERATE = "make vectors（即 angui bundle-vectors knowledge）"

Echo = Callable[[str], None]


def vectors_path(folder: Path, space: str) -> Path:
    return folder / VECTORS_FILE.format(space=space)


def folder_texts(folder: Path, settings) -> Iterator[tuple[str, list[str]]]:
    """(document key, every text embedded for it) for each file of a folder that parses within the ingest's budget."""
    budget = Budget.from_settings(settings)
    for path, key in iter_files([folder]):
        try:
            units = parse_units(load(path, budget))
        except SkipFile:
            continue
        own, windows = unit_texts(units, settings.embed_max_chars)
        yield key, own + [w for _, w in windows]


def bundle(kb: KnowledgeBase, folder: Path, echo: Echo = print) -> Path:
    """Write the folder's vectors file for the knowledge base's model and settings (embedding what the cache lacks)."""
    texts = [t for _, doc in folder_texts(folder, kb.settings) for t in doc]
    unique = list(dict.fromkeys(texts))
    vectors, embedded = embed_cached(kb.embedder.embed_passages, kb.cache, unique)
    path = vectors_path(folder, kb.space)
    tmp = path.with_suffix(".tmp.npz")
    digests = np.frombuffer(b"".join(bytes.fromhex(text_hash(t)) for t in unique), dtype=np.uint8).reshape(-1, 32)
    np.savez_compressed(tmp, hashes=digests,  # raw bytes: numpy's "S32" would drop a digest's trailing zero bytes
                        vectors=vectors.astype(np.float16), space=np.array(kb.space),
                        salt=np.array(embedding_salt(kb.settings)))
    os.replace(tmp, path)
    echo(f"已写入 {path}：{len(unique)} 条向量（新嵌入 {embedded} 条），{path.stat().st_size / 1024 / 1024:.1f} MB。")
    return path


def _read(path: Path, kb: KnowledgeBase) -> dict[str, np.ndarray] | None:
    """hash -> vector from a vectors file made for this model and these settings, else None."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["space"]) != kb.space or str(data["salt"]) != embedding_salt(kb.settings):
                return None
            hashes, vectors = data["hashes"], data["vectors"].astype(np.float32)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # a damaged file is ignored: texts embed
        return None
    return {h.tobytes().hex(): v for h, v in zip(hashes, vectors)}


def load_shipped(kb: KnowledgeBase, folders: list[Path]) -> int:
    """Put the shipped vectors of the given folders that the cache lacks into it; returns how many."""
    added = 0
    for folder in folders:
        shipped = _read(vectors_path(folder, kb.space), kb) if folder.is_dir() else None
        if not shipped:
            continue
        have = kb.cache.get_many(list(shipped))
        fresh = {h: v for h, v in shipped.items() if h not in have}
        kb.cache.put_many(fresh)
        added += len(fresh)
    return added


def uncovered(kb: KnowledgeBase, folder: Path) -> list[str]:
    """Documents of the folder with a text the shipped vectors file lacks (all of them when it is missing)."""
    shipped = _read(vectors_path(folder, kb.space), kb) or {}
    return [key for key, texts in folder_texts(folder, kb.settings)
            if any(text_hash(t) not in shipped for t in texts)]


def coverage_problem(kb: KnowledgeBase, folder: Path) -> str:
    """'' when the folder's shipped vectors cover every text its parsers make, else which documents and the fix."""
    missing = uncovered(kb, folder)
    if not missing:
        return ""
    return f"{vectors_path(folder, kb.space)} 未覆盖这些文档的单元：{'、'.join(missing)}；请运行 {REGENERATE} 重新生成。"
