"""Benchmark ingest: the whole shared corpus (everything embedded) and the bundled knowledge/ (shipped vectors),
each as a first run into a fresh index and an unchanged re-run.

Each run is a separate process so peak RSS is its own. Prints a Markdown table; `--readme` also
writes it into README.md between the `bench:ingest` markers.

    .venv/bin/python bench/bench_ingest.py [--corpus ../shared/corpus] [--readme]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def one_run(corpus: Path, index: Path) -> dict:
    """Ingest in this process and return figures as a dict."""
    from angui.ingest.pipeline import ingest_paths
    from angui.kb import KnowledgeBase
    from angui.settings import load_settings

    t0 = time.perf_counter()
    kb = KnowledgeBase(load_settings(index_dir=index, catalog=REPO / "knowledge" / "catalog.toml"))
    report = ingest_paths(kb, [corpus], echo=lambda s: None, show_progress=False)
    seconds = time.perf_counter() - t0
    live = sum(int(m["units"]) for m in kb.store.documents().values())
    return {
        "files": len(report.files),
        "skipped": len(report.skipped),
        "units": live,
        "embedded": report.embedded,
        "seconds": round(seconds, 1),
        "split": {k: round(v, 1) for k, v in report.seconds.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def table(runs: list[tuple[str, dict]]) -> str:
    """Markdown table of the runs."""
    rows = ["| run | files (skipped) | units | embedded | seconds | units/s | parse / load vectors / embed / store s "
            "| peak RSS MB |", "|---|---|---|---|---|---|---|---|"]
    for name, r in runs:
        s = r["split"]
        rows.append(f"| {name} | {r['files']} ({r['skipped']}) | {r['units']} | {r['embedded']} | {r['seconds']} | "
                    f"{r['units'] / max(r['seconds'], 1e-9):.0f} | {s['parse']} / {s.get('vectors', 0.0)} / {s['embed']} / "
                    f"{s['store']} | {r['peak_rss_mb']} |")
    return "\n".join(rows)


def write_readme(text: str, marker: str) -> None:
    """Replace the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in README.md."""
    readme = REPO / "README.md"
    body = readme.read_text(encoding="utf-8")
    start, end = f"<!-- bench:{marker} -->", f"<!-- /bench:{marker} -->"
    head, rest = body.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{text}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--readme", action="store_true")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.corpus, args.child)))
        return
    index = REPO / "data" / "bench" / "ingest"  # kept afterwards: bench_query.py starts from it
    runs = []
    for label, folder, where in (("corpus", args.corpus, index), ("knowledge/", REPO / "knowledge", index.with_name("knowledge"))):
        shutil.rmtree(where, ignore_errors=True)
        for run in ("first ingest", "unchanged re-ingest"):
            out = subprocess.run([sys.executable, __file__, "--corpus", str(folder), "--child", str(where)],
                                 check=True, capture_output=True, text=True).stdout
            runs.append((f"{label} {run}", json.loads(out.strip().splitlines()[-1])))
    text = table(runs) + (f"\n\nMachine: {_machine()}; corpus: {args.corpus.name}/ ({runs[0][1]['files']} files); "
                          f"knowledge/ ({runs[2][1]['files']} files) with its shipped vectors.")
    print(text)
    if args.readme:
        write_readme(text, "ingest")


def _machine() -> str:
    import os
    import platform

    return f"{os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    main()
