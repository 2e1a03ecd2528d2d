"""Ingest files: load → parse structure → units → embed (cached) → store, with a per-file report."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from angui.embeddings import count_uncached, embed_cached
from angui.ingest.errors import SkipFile
from angui.ingest.loaders import iter_files, load
from angui.ingest.metadata import build_meta, load_catalog
from angui.ingest.penalties import link_penalties
from angui.ingest.structure import parse_units
from angui.kb import KnowledgeBase
from angui.schema import DocMeta, Unit

Echo = Callable[[str], None]


@dataclass
class FileResult:
    """Outcome for one file: status is ok, unchanged or skipped."""

    path: Path
    status: str
    units: int = 0
    reason: str = ""
    title: str = ""


@dataclass
class IngestReport:
    """All file outcomes plus where the time went."""

    files: list[FileResult] = field(default_factory=list)
    embedded: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "embed": 0.0, "store": 0.0})

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "skipped"]

    @property
    def units(self) -> int:
        return sum(f.units for f in self.files if f.status == "ok")

    def summary(self) -> str:
        """One Chinese summary line."""
        n = {s: sum(f.status == s for f in self.files) for s in ("ok", "unchanged", "skipped")}
        return (f"共 {len(self.files)} 个文件：入库 {n['ok']}，未变化 {n['unchanged']}，跳过 {n['skipped']}；"
                f"写入 {self.units} 个单元，新嵌入 {self.embedded} 条文本。")


WINDOW_HEAD = 20  # heading characters repeated in front of each later window
MIN_WINDOW = 20  # a shorter tail is left to lexical search
WINDOWS_SALT = "win1"  # part of each file's fingerprint: changing how windows are cut re-embeds
_SERIAL = re.compile(r"^(序号|编号)[：:]\s*\S*\n", re.M)
_LABEL = re.compile(r"^[^：:\n]{1,12}[：:]", re.M)


def _dense_text(unit: Unit) -> tuple[str, str]:
    """The heading to repeat and the text dense vectors cover (rows give values without labels)."""
    text = _SERIAL.sub("", unit.text)
    if unit.kind == "row":
        text = _LABEL.sub("", text)
    head = unit.heading if unit.heading and unit.heading not in text[:80] else ""
    return head, f"{head}\n{text}".strip()


def embed_text(unit: Unit, limit: int) -> str:
    """What the unit's own vector covers: heading and the first `limit` characters."""
    return _dense_text(unit)[1][:limit]


def window_texts(unit: Unit, limit: int) -> list[str]:
    """Later stretches of a long unit, `limit` characters each with the heading in front, so that dense search
    sees the whole text (the best window stands for the unit)."""
    head, full = _dense_text(unit)
    prefix = f"{head[:WINDOW_HEAD]}\n" if head else ""
    return [prefix + full[i : i + limit] for i in range(limit, len(full), limit) if len(full[i : i + limit]) >= MIN_WINDOW]


def line_for(result: FileResult) -> str:
    """The report line printed for one file."""
    if result.status == "ok":
        return f"✓ {result.path}：{result.units} 个单元（{result.title}）"
    if result.status == "unchanged":
        return f"= {result.path}：未变化，跳过嵌入"
    return f"✗ {result.path}：已跳过 — {result.reason}"


def ingest_paths(kb: KnowledgeBase, paths: list[Path], echo: Echo = print, show_progress: bool = True) -> IngestReport:
    """Ingest files and folders into the knowledge base; nothing stored is lost on a bad file."""
    report = IngestReport()
    catalog = load_catalog(kb.settings.catalog)
    kb.store.purge_orphans()
    pending: list[tuple[FileResult, DocMeta, list[Unit]]] = []
    t0 = time.perf_counter()
    for path in iter_files(paths):
        result = FileResult(path, "ok")
        report.files.append(result)
        try:
            loaded = load(path, kb.settings.max_file_mb)
            meta = build_meta(path, loaded, catalog, salt=f"embed{kb.settings.embed_max_chars}:{WINDOWS_SALT}")
            result.title = meta.title
            if kb.store.is_current(meta):
                result.status = "unchanged"
                echo(line_for(result))
                continue
            units = parse_units(loaded)
            if not units:
                raise SkipFile("未识别出可引用的内容")
            link_penalties(units)
        except SkipFile as exc:
            result.status, result.reason = "skipped", exc.reason
            echo(line_for(result))
            continue
        result.units = len(units)
        pending.append((result, meta, units))
    report.seconds["parse"] = time.perf_counter() - t0
    if pending:
        _embed_and_store(kb, pending, report, echo, show_progress)
    echo(report.summary())
    return report


def _embed_and_store(kb: KnowledgeBase, pending: list, report: IngestReport, echo: Echo, show: bool) -> None:
    """Embed every pending unit under one progress bar, then write document by document."""
    limit = kb.settings.embed_max_chars
    texts = [embed_text(u, limit) for _, _, units in pending for u in units]
    windows = [[(i, w) for i, u in enumerate(units) for w in window_texts(u, limit)] for _, _, units in pending]
    texts += [w for doc in windows for _, w in doc]
    t0 = time.perf_counter()
    todo = count_uncached(kb.cache, texts)
    with tqdm(total=todo, unit="段", desc="嵌入", disable=not show or todo == 0, dynamic_ncols=True) as bar:
        vectors, report.embedded = embed_cached(kb.embedder.embed_passages, kb.cache, texts, progress=bar.update)
    report.seconds["embed"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    start = sum(len(units) for _, _, units in pending)
    unit_start = 0
    for (result, meta, units), doc_windows in zip(pending, windows):
        vecs = vectors[start : start + len(doc_windows)]
        kb.store.write_document(meta, units, vectors[unit_start : unit_start + len(units)],
                                [(i, v) for (i, _), v in zip(doc_windows, vecs)])
        unit_start += len(units)
        start += len(doc_windows)
        echo(line_for(result))
    kb.lexical()
    report.seconds["store"] = time.perf_counter() - t0
