"""Ingest files: load → parse structure → units → embed (cached) → store, with a per-file report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from angui.embeddings import count_uncached, embed_cached
from angui.ingest.budget import Budget
from angui.ingest.bundled import load_shipped
from angui.ingest.dense_texts import embedding_salt, unit_texts
from angui.ingest.errors import SkipFile
from angui.ingest.loaders import iter_files, load
from angui.ingest.metadata import build_meta, load_catalog
from angui.ingest.penalties import link_penalties
from angui.ingest.structure import parse_units
from angui.kb import KnowledgeBase
from angui.lexical import encode_tokens, tokenize
from angui.schema import DocMeta, Unit, search_text, unit_metadata
from angui.vector_index import VectorIndexError
from angui.writelock import write_lock

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
    shipped: int = 0  # vectors taken from a shipped vectors file (angui.ingest.bundled)
    seconds: dict[str, float] = field(default_factory=lambda: {"parse": 0.0, "vectors": 0.0, "embed": 0.0, "store": 0.0})
    index_problem: str = ""  # set when Chroma's derived vector index could not be brought up to date

    @property
    def skipped(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "skipped"]

    @property
    def units(self) -> int:
        return sum(f.units for f in self.files if f.status == "ok")

    def to_dict(self) -> dict:
        """The `angui ingest --json` report."""
        return {"files": [{"path": str(f.path), "status": f.status, "units": f.units, "reason": f.reason,
                           "title": f.title} for f in self.files],
                "units": self.units, "embedded": self.embedded, "shipped": self.shipped, "summary": self.summary(),
                "index_problem": self.index_problem}

    def summary(self) -> str:
        """One Chinese summary line."""
        n = {s: sum(f.status == s for f in self.files) for s in ("ok", "unchanged", "skipped")}
        return (f"共 {len(self.files)} 个文件：入库 {n['ok']}，未变化 {n['unchanged']}，跳过 {n['skipped']}；"
                f"写入 {self.units} 个单元，新嵌入 {self.embedded} 条文本"
                + (f"（另有 {self.shipped} 条取自随附向量）。" if self.shipped else "。"))


class Duplicate(SkipFile):
    """A file whose exact content is already stored under another document key."""


class Relabeled(SkipFile):
    """An unchanged file whose catalog entry changed: its stored metadata was updated (no re-embedding)."""


LABELS = {"title": "标题", "edition": "版本", "status": "状态", "doc_no": "文号", "issuer": "发布机关", "family": "版本族"}


def line_for(result: FileResult) -> str:
    """The report line printed for one file."""
    if result.status == "ok":
        return f"✓ {result.path}：{result.units} 个单元（{result.title}）"
    if result.status == "unchanged":
        return f"= {result.path}：{result.reason or '未变化，跳过嵌入'}"
    return f"✗ {result.path}：已跳过 — {result.reason}"


def ingest_paths(kb: KnowledgeBase, paths: list[Path], echo: Echo = print, show_progress: bool = True) -> IngestReport:
    """Ingest files and folders into the knowledge base, holding its write lock; nothing stored is lost on a
    bad file, and a file that fails is skipped with the reason while the others go on."""
    with write_lock(kb.settings.index_dir, kb.settings.write_wait, echo):
        return _ingest(kb, paths, echo, show_progress)


def _ingest(kb: KnowledgeBase, paths: list[Path], echo: Echo, show_progress: bool) -> IngestReport:
    report = IngestReport()
    catalog = load_catalog(kb.settings.catalog)
    pending: list[tuple[FileResult, DocMeta, list[Unit]]] = []
    budget = Budget.from_settings(kb.settings)
    claimed: dict[str, str] = {}  # fingerprint -> doc_key, for files with the same content in this run
    t0 = time.perf_counter()
    for path, key in iter_files(paths):
        result = FileResult(path, "ok")
        report.files.append(result)
        try:
            with budget.clock():
                found = _parse(kb, path, key, catalog, budget, claimed)
            if found is None:
                result.status = "unchanged"
                echo(line_for(result))
                continue
            meta, units = found
            result.title = meta.title
        except (Duplicate, Relabeled) as exc:  # already answerable: not an error
            result.status, result.reason = "unchanged", exc.reason
            echo(line_for(result))
            continue
        except SkipFile as exc:
            result.status, result.reason = "skipped", exc.reason
            echo(line_for(result))
            continue
        except Exception as exc:  # a hostile or broken file must not stop the others
            result.status, result.reason = "skipped", f"读取失败（{type(exc).__name__}：{str(exc)[:120] or '无详情'}）"
            echo(line_for(result))
            continue
        claimed[meta.fingerprint] = key
        result.units = len(units)
        pending.append((result, meta, units))
    report.seconds["parse"] = time.perf_counter() - t0
    if pending:
        t0 = time.perf_counter()
        report.shipped = load_shipped(kb, [kb.settings.catalog.parent])  # the bundled folder's only: no planted vectors
        report.seconds["vectors"] = time.perf_counter() - t0
        _embed_and_store(kb, pending, report, echo, show_progress)
    echo(report.summary())
    try:
        kb.vectors.sync_or_rebuild(echo)
    except VectorIndexError as exc:  # the units are stored and answerable; only the derived index lags
        report.index_problem = f"文档已写入单元数据库，可以问答；但{exc}"
        echo(report.index_problem)
    return report


def _parse(kb: KnowledgeBase, path: Path, key: str, catalog: dict, budget: Budget,
           claimed: dict[str, str]) -> tuple[DocMeta, list[Unit]] | None:
    """Load and parse one file within its budget: its metadata and units, or None when already live."""
    loaded = load(path, budget)
    meta = build_meta(path, loaded, catalog, salt=embedding_salt(kb.settings), doc_key=key)
    if kb.store.is_current(meta):
        relabel(kb, meta)
        return None
    twin = claimed.get(meta.fingerprint) or kb.store.key_of(meta.fingerprint)
    if twin:
        raise Duplicate(f"与已入库的 {twin} 内容完全相同，不重复入库")
    units = parse_units(loaded)
    budget.units(len(units))
    link_penalties(units)
    return meta, units


def _tokens(meta: dict, text: str) -> str:
    """The stored lexical tokens of a unit: what BM25 sees of it (title and chapter path, then its text)."""
    return encode_tokens(tokenize(search_text({**meta, "text": text})))


def relabel(kb: KnowledgeBase, meta: DocMeta) -> None:
    """When the live version's stored metadata differs from what the catalog now says, update it in place
    (raises Relabeled naming what changed); the same metadata does nothing."""
    record = kb.store.documents()[meta.doc_key]
    changed = [LABELS[k] for k in LABELS if record.get(k) != getattr(meta, k)]
    if not changed and record.get("source") == meta.source:
        return
    units = kb.store.units_of(meta.fingerprint)
    metas = {u.id: {**u.meta, **asdict(meta)} for u in units}
    tokens = {u.id: _tokens(metas[u.id], u.text) for u in units}
    kb.store.relabel(meta, metas, tokens)
    if changed:
        raise Relabeled(f"内容未变化；已按目录更新{'、'.join(changed)}（{len(units)} 个单元，不重新嵌入）")


def _embed_and_store(kb: KnowledgeBase, pending: list, report: IngestReport, echo: Echo, show: bool) -> None:
    """Embed every pending unit under one progress bar, then write document by document (one transaction each)."""
    limit = kb.settings.embed_max_chars
    texts: list[str] = []
    windows: list[list[tuple[int, str]]] = []
    for _, _, units in pending:
        own, wins = unit_texts(units, limit)
        texts += own
        windows.append(wins)
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
        tokens = [_tokens(unit_metadata(meta, u), u.text) for u in units]
        kb.store.write_document(meta, units, vectors[unit_start : unit_start + len(units)],
                                [(i, v) for (i, _), v in zip(doc_windows, vecs)], tokens)
        unit_start += len(units)
        start += len(doc_windows)
        echo(line_for(result))
    report.seconds["store"] = time.perf_counter() - t0
