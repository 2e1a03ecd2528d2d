"""Score answers against a question set in the format of shared/eval/dev.jsonl."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from angui.answer.model import CURRENT, Answer, Citation
from angui.settings import DEFAULT_K
from angui.text import compact

MAX_UNIT_CHARS = 1500  # a "citation" longer than this is a chunk dump, not a unit, and scores nothing


def _key(text: str) -> str:
    return compact(text.replace('"', "“"))


def hit_rank(keys: Iterable[str], texts: list[str]) -> int | None:
    """1-based rank of the first cited text that holds one of the keys."""
    ks = [_key(k) for k in keys]
    for n, text in enumerate(texts, 1):
        if len(text) <= MAX_UNIT_CHARS and any(k in _key(text) for k in ks):
            return n
    return None


@dataclass
class EvalResult:
    """Per-question outcomes and the aggregate figures."""

    rows: list[dict] = field(default_factory=list)

    def figures(self, rows: list[dict] | None = None) -> dict[str, float]:
        """Aggregate figures over `rows` (default: every question)."""
        rows = self.rows if rows is None else rows
        real = [r for r in rows if not r["none"]]
        none = [r for r in rows if r["none"]]
        with_must = [r for r in real if r["must_total"]]
        lat = sorted(r["ms"] for r in rows)
        return {
            "questions": len(rows),
            "hit@1": _share(real, lambda r: r["rank"] == 1),
            "hit@5": _share(real, lambda r: r["rank"] is not None and r["rank"] <= 5),
            "must": _share(with_must, lambda r: r["must_ok"]),
            "refusals": _share(none, lambda r: not r["found"]),
            "wrong_refusals": sum(1 for r in real if not r["found"]),
            "p50_ms": lat[len(lat) // 2] if lat else 0.0,
            "p95_ms": lat[min(len(lat) - 1, int(len(lat) * 0.95))] if lat else 0.0,
        }


    def by_intent(self) -> dict[str, dict[str, float]]:
        """Figures per labelled intent (`intent` of the question set; `none` for out-of-scope questions)."""
        groups: dict[str, list[dict]] = {}
        for r in self.rows:
            groups.setdefault("none" if r["none"] else r["intent"] or "-", []).append(r)
        return {name: self.figures(rows) for name, rows in sorted(groups.items())}

    def misses(self) -> list[dict]:
        """Questions not answered right: wrongly answered or refused, key not first, or a must string missing."""
        return [r for r in self.rows if (r["none"] and r["found"])
                or (not r["none"] and (r["rank"] != 1 or not r["must_ok"]))]

    def intent_accuracy(self) -> float | None:
        """Share of labelled questions whose predicted intent matches (source→lookup, number→other; exact
        references count as lookup; an edition-sensitive label is met by any answer from the current text);
        None when the set has no intent labels."""
        labelled = [r for r in self.rows if r["intent"] and not r["none"]]
        if not labelled:
            return None
        return _share(labelled, lambda r: r["predicted"] == r["intent"] or (r["intent"] == "edition" and r["current"]))


INTENT_LABELS = {"source": "lookup", "number": "other"}  # our intent names -> the question sets' labels


def _share(rows: list[dict], ok: Callable[[dict], bool]) -> float:
    return round(sum(1 for r in rows if ok(r)) / len(rows), 4) if rows else 1.0


def _current_first(answer: Answer) -> bool:
    """Whether the answer's first citation is current text (what edition questions require)."""
    return bool(answer.citations) and answer.citations[0].status == CURRENT


def _texts(citations: list[Citation]) -> list[str]:
    return [c.text for c in citations]


def evaluate(ask: Callable[[str, int], Answer], path: Path, k: int = DEFAULT_K) -> EvalResult:
    """Ask every question of a JSONL set and score the answers."""
    result = EvalResult()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        t0 = time.perf_counter()
        ans = ask(item["q"], k)
        ms = (time.perf_counter() - t0) * 1000
        must = item.get("must", [])
        result.rows.append({
            "id": item.get("id", ""),
            "q": item["q"],
            "intent": item.get("intent", ""),
            "predicted": "lookup" if ans.signals.get("exact") else INTENT_LABELS.get(str(ans.signals.get("intent")),
                                                                                     str(ans.signals.get("intent"))),
            "current": bool(item.get("current")) and _current_first(ans),
            "none": bool(item.get("none")),
            "found": ans.found,
            "rank": hit_rank(item.get("keys", []), _texts(ans.citations[:k])) if ans.found else None,
            "must_total": len(must),
            "must_ok": all(_key(m) in _key(ans.body) for m in must),  # graded on the body, before 依据：
            "ms": round(ms, 1),
        })
    return result
