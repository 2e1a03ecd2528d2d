"""HTTP API bench: N concurrent clients, each with its own token, asking M questions in turn of a real `angui serve`
(uvicorn on 127.0.0.1) over an index; every reply is checked (status 200, its own question echoed, none lost).
Prints a Markdown table (header and one row); --readme writes it into README.md.

    .venv/bin/python bench/bench_api.py [--clients 20] [--questions 10] [--index WHOLE_CORPUS_INDEX] [--readme]

The bench ingests knowledge/ into data/bench/api with the default embedder first (quick: its vectors are shipped).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from bench.bench_ingest import write_readme  # noqa: E402

from web_helpers import bearer, free_port, wait_until_up  # noqa: E402

QUESTIONS = REPO.parent / "shared" / "eval" / "dev_users.jsonl"
CATALOG = REPO / "knowledge" / "catalog.toml"
HEADER = "| index | clients × questions | answered | lost | p50 | p95 | max | throughput |\n|---|---|---|---|---|---|---|---|"


def questions(count: int) -> list[str]:
    """The first `count` questions of dev_users.jsonl (the public user-style set)."""
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["q"] for r in rows[:count]]


def client(base: str, token: str, asked: list[str]) -> list[tuple[float, bool]]:
    """One client asking its questions in turn: (seconds, reply complete and its own) per question."""
    out = []
    with httpx.Client(base_url=base, headers=bearer(token), timeout=120) as http:
        for q in asked:
            start = time.perf_counter()
            try:
                response = http.post("/api/ask", json={"question": q})
                ok = response.status_code == 200 and response.json()["question"] == q
            except httpx.HTTPError:
                ok = False
            out.append((time.perf_counter() - start, ok))
    return out


def run(index: Path, label: str, clients: int, count: int, env: dict[str, str]) -> str:
    """Serve `index`, run the clients, and give the table row."""
    tokens = [f"bench-client-{n:04d}" for n in range(clients)]
    pool = questions(count * 4)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = index.parent / "bench-api-serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "angui", "serve", "--index", str(index), "--port", str(port)],
                                  cwd=REPO, stdout=out, stderr=subprocess.STDOUT,
                                  env={**env, "ANGUI_API_TOKENS": ",".join(tokens)})
    try:
        wait_until_up(f"{base}/healthz", server, log)
        client(base, tokens[0], pool[:2])  # warm-up
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as workers:
            runs = list(workers.map(lambda n: client(base, tokens[n], [pool[(n + i) % len(pool)] for i in range(count)]),
                                    range(clients)))
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = [r for one in runs for r in one]
    times = sorted(t for t, _ in results)
    answered = sum(ok for _, ok in results)
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    return (f"| {label} | {clients} × {count} | {answered}/{len(results)} | {len(results) - answered} | "
            f"{statistics.median(times) * 1000:.0f} ms | {p95 * 1000:.0f} ms | {times[-1] * 1000:.0f} ms | "
            f"{len(results) / elapsed:.1f} q/s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--index", type=Path, help="also an index of the whole corpus (e.g. data/bench/ingest)")
    parser.add_argument("--readme", action="store_true")
    args = parser.parse_args()
    env = {"ANGUI_CATALOG": str(CATALOG), "PATH": str(REPO / ".venv" / "bin") + ":/usr/bin:/bin"}
    knowledge = REPO / "data" / "bench" / "api"
    subprocess.run([sys.executable, "-m", "angui", "ingest", str(REPO / "knowledge"), "--index", str(knowledge)],
                   check=True, capture_output=True, env=env, cwd=REPO)
    rows = [run(knowledge, "knowledge/", args.clients, args.questions, env)]
    if args.index:
        rows.append(run(args.index, "whole corpus", args.clients, args.questions, env))
    table = "\n".join([HEADER, *rows])
    print(table)
    if args.readme:
        write_readme(table, "api")


if __name__ == "__main__":
    main()
