"""The unit store: repeatable dense search settings and exact provision lookup through the store's own methods."""

from __future__ import annotations

import numpy as np
import pytest

from angui.vector_index import HNSW_EF_SEARCH

from helpers import ingest_into, open_kb


def test_chroma_holds_the_stored_vectors_with_the_search_breadth(seed_index):
    kb = open_kb(seed_index)
    units = kb.vectors.collection("units")
    assert units.configuration["hnsw"]["ef_search"] == HNSW_EF_SEARCH
    assert kb.vectors.check() == ""
    assert units.count() == kb.store.count("units") and kb.vectors.collection("windows").count() == kb.store.count("windows")


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


def test_exact_dense_search_takes_each_units_best_vector():
    from angui.dense import DenseMatrix

    vecs = np.eye(3, dtype=np.float32)
    matrix = DenseMatrix(["a", "b", "a"], np.array([True, True, False]), vecs)
    found, own_top = matrix.search(np.array([0.1, 0.2, 0.9], dtype=np.float32), 2)
    assert [u for u, _ in found] == ["a", "b"] and abs(found[0][1] - 0.9) < 1e-6  # a's window beats its own vector
    assert abs(own_top - 0.2) < 1e-6  # the gate sees own vectors only


def test_store_query_is_exact_and_repeatable(tmp_path):
    doc = tmp_path / "规定.txt"
    doc.write_text("".join(f"第{n}条 企业应当做好第{n}项安全检查并记录。\n" for n in "一二三四五六七八九十"), encoding="utf-8")
    ingest_into(tmp_path / "idx", doc)
    kb = open_kb(tmp_path / "idx")
    live = set(kb.store.live_fingerprints())
    query = kb.embedder.embed_query("第七项安全检查")
    first, top = kb.store.query(query, 3, live)
    assert [kb.store.query(query, 3, live)[0][i][0].id for i in range(3)] == [u.id for u, _ in first]
    vectors = [np.frombuffer(v, dtype=np.float32) for *_, v in kb.store.vectors("units", sorted(live))]
    best = max(float(np.dot(v, query)) for v in vectors)
    assert abs(first[0][1] - best) < 1e-5 and abs(top - best) < 1e-5


@pytest.mark.slow  # 100 processes
def test_processes_creating_one_store_at_once_all_open_it(tmp_path):
    """Ten processes open a new store at the same instant, ten times. Before the setup lock about one open in
    sixty failed with "database is locked" (two CLI ingests started together hit it in CI)."""
    import subprocess
    import sys
    import time

    code = ("import sys, time; from pathlib import Path; from angui.store import Store; "
            "time.sleep(max(0, float(sys.argv[2]) - time.time())); Store(Path(sys.argv[1])).generation()")
    for n in range(10):
        start = time.time() + 1.5  # after every process has imported angui
        procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / f"units-{n}.sqlite"), str(start)],
                                  stderr=subprocess.PIPE, text=True) for _ in range(10)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), [e for e in errors if e][:1]
