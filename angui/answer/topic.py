"""The units of the knowledge base about a topic: pooled searches, current editions only, the topic's terms present,
an industry's rows only when one is named — what checklists, quizzes and outlines are built from."""

from __future__ import annotations

from dataclasses import dataclass, field

from angui.answer.gate import Gate
from angui.answer.model import CURRENT
from angui.answer.retrieve import Retriever
from angui.answer.sentences import coverage, fields
from angui.store import StoredUnit
from angui.text import ITEM_MARK

QUERIES = ("{topic}", "{topic} 检查", "{topic} 应当 安全措施")  # pooled searches for one topic
GATE_QUESTION = "{topic}要检查哪些内容？"  # what the answer gate judges: is the topic one the knowledge base covers
POOL = 40  # hits taken from each search
MIN_TOPIC = 0.5  # share of the topic's term weight a unit must contain
INDUSTRY_FIELD = "行业"
INDUSTRIES = ("冶金", "有色", "建材", "机械", "轻工", "纺织")  # the 2016 manual's industries


@dataclass
class TopicUnits:
    """Current units about a topic, in the order an inspection goes, with the topic's weighted terms."""

    topic: str
    industry: str
    terms: dict[str, float] = field(default_factory=dict)
    units: list[StoredUnit] = field(default_factory=list)


def citation_of(unit: StoredUnit) -> dict:
    """The citation of a unit as the checklist and quiz JSON carry it."""
    m = unit.meta
    return {"doc": m["title"], "edition": m["edition"], "status": m["status"], "loc": m["loc"], "text": unit.text,
            "source": m["source"], "id": unit.id}


def kind_order(unit: StoredUnit) -> int:
    """Enumerated inspection lists first, then other inspection provisions, then duties, then table rows."""
    if unit.meta["kind"] == "row":
        return 3
    inspects = "检查" in unit.text[:80]
    if inspects and len(ITEM_MARK.findall(unit.text)) >= 2:
        return 0
    return 1 if inspects else 2


def gather(retriever: Retriever, topic: str, industry: str = "", gate: Gate | None = None) -> TopicUnits:
    """Pool searches for the topic; keep current units that contain its terms (and, for a named industry, only that
    industry's rows). A topic the answer gate refuses gets no units."""
    out = TopicUnits(topic, industry)
    if gate is not None and not gate.judge(retriever.search(GATE_QUESTION.format(topic=topic))).found:
        return out
    found: dict[str, tuple[StoredUnit, int]] = {}
    for query in QUERIES:
        retrieval = retriever.search(query.format(topic=topic), POOL)
        out.terms = out.terms or retrieval.content
        for rank, hit in enumerate(retrieval.hits):
            found.setdefault(hit.unit.id, (hit.unit, rank))
    kept = []
    for unit, rank in found.values():
        if unit.meta["status"] != CURRENT or coverage(unit.text + unit.meta["heading"], out.terms) < MIN_TOPIC:
            continue
        row = fields(unit.text) if unit.meta["kind"] == "row" else {}
        if industry and INDUSTRY_FIELD in row and industry not in row[INDUSTRY_FIELD]:
            continue
        kept.append((kind_order(unit), rank, unit))
    out.units = [u for _, _, u in sorted(kept, key=lambda t: (t[0], t[1]))]
    return out
