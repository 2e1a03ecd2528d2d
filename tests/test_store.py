"""The unit store: repeatable dense search settings and exact provision lookup through the store's own methods."""

from __future__ import annotations

import chromadb
from chromadb.config import Settings as ChromaSettings

from angui.store import HNSW_EF_SEARCH

from helpers import ingest_into, open_kb


def test_old_index_gets_the_search_breadth(tmp_path):
    client = chromadb.PersistentClient(str(tmp_path / "idx" / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("angui-units-hash", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    del client
    kb = open_kb(tmp_path / "idx")
    assert kb.store.units.configuration["hnsw"]["ef_search"] == HNSW_EF_SEARCH


def test_units_at_returns_every_part_of_a_provision(tmp_path):
    doc = tmp_path / "长规定.txt"
    long_article = "第一条 " + "企业应当建立隐患排查治理制度，定期组织排查并如实记录。" * 40
    doc.write_text(long_article + "\n第二条 本规定自公布之日起施行。\n", encoding="utf-8")
    ingest_into(tmp_path / "idx", doc)
    store = open_kb(tmp_path / "idx").store
    live = store.live_fingerprints()
    parts = sorted(u.meta["loc"] for u in store.units_at(live, "第一条"))
    assert len(parts) > 1 and all(p.startswith("第一条(") for p in parts)
    assert [u.meta["loc"] for u in store.units_at(live, "第二条")] == ["第二条"]
    assert store.units_at(["no-such-version"], "第一条") == []
