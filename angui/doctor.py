"""`angui doctor`: check every piece of an index against the unit store, and rebuild what is derived."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from angui.lexical import decode_tokens

Echo = Callable[[str], None]

STORE, REGISTRY, VECTORS, LEXICAL, CHROMA, CACHE = "单元数据库", "文档登记", "向量", "词法索引", "Chroma 向量索引", "嵌入缓存"


@dataclass
class Finding:
    """One piece of the index: consistent or not, and what `--repair` can do about it."""

    piece: str
    ok: bool
    detail: str
    repairable: bool = True

    def line(self) -> str:
        mark = "✓" if self.ok else ("✗" if self.repairable else "✗✗")
        return f"{mark} {self.piece}：{self.detail}"


def _sqlite_check(path: Path) -> str:
    """'ok' for a sound SQLite file (or none yet), else what is wrong."""
    if not path.exists():
        return "ok"
    try:
        with sqlite3.connect(path) as db:
            return "; ".join(r[0] for r in db.execute("PRAGMA quick_check"))
    except sqlite3.DatabaseError as exc:
        return str(exc)


def diagnose(kb) -> list[Finding]:
    """One finding per piece: unit store, registry vs units, vectors, lexical tokens, Chroma, embedding cache."""
    store = kb.store
    check = store.integrity()
    if check != "ok":
        return [Finding(STORE, False, f"{store.path} 损坏：{check}", repairable=False)]
    found = [Finding(STORE, True, f"{store.path.name} 完好")]
    docs = store.documents()
    counts = store.unit_counts()
    wrong = [f"{k}（登记 {m['units']}，实存 {counts.get(m['fingerprint'], 0)}）" for k, m in docs.items()
             if counts.get(m["fingerprint"], 0) != int(m["units"])]
    strays = store.stray_rows()
    if wrong:
        found.append(Finding(REGISTRY, False, "单元数与登记不符，请重新导入：" + "、".join(wrong), repairable=False))
    elif any(strays):
        found.append(Finding(REGISTRY, False, f"有 {strays[0]} 个未登记的单元、{strays[1]} 个无主窗口向量"))
    else:
        found.append(Finding(REGISTRY, True, f"{len(docs)} 个文档，{sum(counts.values())} 个单元，与登记一致"))
    sizes = store.vector_sizes()
    if len(sizes) > 1:
        found.append(Finding(VECTORS, False, f"向量长度不一致（{sizes}），请重新导入", repairable=False))
    else:
        found.append(Finding(VECTORS, True, f"{sum(sizes.values())} 条向量，维度 {next(iter(sizes), 0) // 4}"))
    bad = sum(decode_tokens(t) is None for _, t in store.tokens(store.live_fingerprints()))
    found.append(Finding(LEXICAL, not bad, f"{bad} 个单元的分词缺失或损坏" if bad else "每个单元的分词完好"))
    try:
        problem = kb.vectors.check()
        found.append(Finding(CHROMA, not problem, problem or "与单元数据库一致"))
    except Exception as exc:  # chromadb raises many kinds of errors on a damaged index
        found.append(Finding(CHROMA, False, f"无法读取（{str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__}）"))
    cache = _sqlite_check(kb.settings.index_dir / "embeddings.sqlite")
    found.append(Finding(CACHE, cache == "ok", "完好" if cache == "ok" else f"损坏：{cache}"))
    return found


def repair(kb, echo: Echo) -> None:
    """Rebuild what is derived: stray rows, lexical tokens, Chroma's collections, a damaged embedding cache."""
    found = {f.piece: f for f in diagnose(kb)}
    if not found.get(REGISTRY, Finding(REGISTRY, True, "")).ok and found[REGISTRY].repairable:
        kb.store.delete_strays()
        echo("已删除未登记的单元与无主窗口向量。")
    if not found.get(LEXICAL, Finding(LEXICAL, True, "")).ok:
        kb.lexical()
        echo("已重新分词。")
    if not found.get(CHROMA, Finding(CHROMA, True, "")).ok:
        n = kb.vectors.rebuild()
        echo(f"已从单元数据库重建 Chroma 向量索引（{n} 条向量，未重新嵌入）。")
    if not found.get(CACHE, Finding(CACHE, True, "")).ok:
        path = kb.settings.index_dir / "embeddings.sqlite"
        path.rename(path.with_name(f"embeddings.damaged-{time.strftime('%Y%m%d%H%M%S')}.sqlite"))
        echo("嵌入缓存已损坏，已移开（已入库的向量不受影响，新文档会重新嵌入）。")


def set_aside_store(path: Path) -> Path:
    """Move a unit database SQLite cannot open out of the way; returns where it went."""
    dest = path.with_name(f"{path.stem}.damaged-{time.strftime('%Y%m%d%H%M%S')}{path.suffix}")
    path.rename(dest)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(dest.with_name(dest.name + suffix))
    return dest
