"""Self-check checklists: what to check, the requirement or how, and the clause behind each line — all quoted from
current units (supervisory inspection lists, duty articles, the 2016 manual's rows, task and checklist rows)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from angui.answer.gate import Gate
from angui.answer.model import CURRENT
from angui.answer.retrieve import Retriever
from angui.answer.sentences import coverage, items, sentences
from angui.store import StoredUnit
from angui.text import ITEM_MARK, compact

QUERIES = ("{topic}", "{topic} 检查", "{topic} 应当 安全措施")  # pooled searches for one topic
GATE_QUESTION = "{topic}要检查哪些内容？"  # what the answer gate judges: is the topic one the knowledge base covers
POOL = 40  # hits taken from each search
MIN_TOPIC = 0.5  # share of the topic's term weight a unit must contain
NEAR_DUPLICATE = 0.8  # share of shared character bigrams above which two items are merged
MAX_ITEMS = 60
ITEM_FIELDS = ("较大危险因素", "检查内容", "检查项目", "自查标准项具体描述", "工作任务")
HOW_FIELDS = ("主要防范措施", "检查方法", "检查标准", "具体要求", "自查标准项具体描述")
PLACE_FIELDS = ("场所/环节/部位", "检查类别", "类别")
INDUSTRY_FIELD = "行业"
DUTY = re.compile(r"应当|必须|不得|严禁|禁止")
_LABEL_LINE = re.compile(r"^([^：:\n]{1,12})[：:](.*)$")
RESULTS = ("符合", "不符合", "不适用")  # the 检查结果 column of the exports


@dataclass
class CheckItem:
    """One line of a checklist: what to check, the quote it comes from (verbatim in `citation["text"]`), how."""

    item: str
    quote: str
    how: str
    citation: dict
    group: str = ""


@dataclass
class Checklist:
    """The checklist for a topic (and industry), in the order an inspection goes: inspection lists, duties, rows."""

    topic: str
    industry: str
    items: list[CheckItem] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The `angui checklist --json` contract."""
        return {"topic": self.topic, "industry": self.industry,
                "items": [{k: v for k, v in asdict(i).items() if k != "group"} for i in self.items]}

    def sources(self) -> list[dict]:
        """Each cited document once: title, edition, status."""
        seen: dict[str, dict] = {}
        for i in self.items:
            seen.setdefault(i.citation["doc"] + i.citation["edition"], i.citation)
        return list(seen.values())


def row_fields(text: str) -> dict[str, str]:
    """A table row unit's "label：value" lines as a dict (a value runs on until the next label line)."""
    fields: dict[str, str] = {}
    label = ""
    for line in text.splitlines():
        m = _LABEL_LINE.match(line)
        if m and m[1].strip() not in fields:
            label = m[1].strip()
            fields[label] = m[2].strip()
        elif label:
            fields[label] += "\n" + line
    return fields


def citation_of(unit: StoredUnit) -> dict:
    m = unit.meta
    return {"doc": m["title"], "edition": m["edition"], "status": m["status"], "loc": m["loc"], "text": unit.text,
            "source": m["source"]}


def _first(fields: dict[str, str], names: tuple[str, ...]) -> str:
    return next((fields[n] for n in names if fields.get(n)), "")


def _row_items(unit: StoredUnit) -> list[CheckItem]:
    fields = row_fields(unit.text)
    what = _first(fields, ITEM_FIELDS)
    if not what:
        return []
    how = _first({k: v for k, v in fields.items() if v != what}, HOW_FIELDS)
    place = _first(fields, PLACE_FIELDS) or unit.meta["title"]
    return [CheckItem(what, what, how, citation_of(unit), place)]


def _article_items(unit: StoredUnit, topic: dict[str, float]) -> list[CheckItem]:
    """An enumerating provision gives one item per enumerated point (its lead-in says what for) — all of them when
    the lead-in is about the topic, else those points that are; any other provision gives its duty sentences."""
    group = f"《{unit.meta['title']}》{unit.meta['path']}".rstrip()
    if len(ITEM_MARK.findall(unit.text)) >= 2:
        lead = unit.text[: ITEM_MARK.search(unit.text).start()].strip()
        lead = lead.split("\n")[-1] if lead else ""
        whole = coverage(lead + unit.meta["heading"], topic) >= MIN_TOPIC
        return [CheckItem(p, p, lead, citation_of(unit), group) for p in items(unit.text)
                if p not in lead and (whole or coverage(p, topic) >= MIN_TOPIC)]
    return [CheckItem(s, s, "", citation_of(unit), group) for s in sentences(unit.text) if DUTY.search(s)]


def _kind_order(unit: StoredUnit) -> int:
    """Enumerated inspection lists first, then other inspection provisions, then duties, then table rows."""
    if unit.meta["kind"] == "row":
        return 3
    inspects = "检查" in unit.text[:80]
    if inspects and len(ITEM_MARK.findall(unit.text)) >= 2:
        return 0
    return 1 if inspects else 2


def _bigrams(text: str) -> set[str]:
    t = compact(text)
    return {t[i : i + 2] for i in range(len(t) - 1)}


def build(retriever: Retriever, topic: str, industry: str = "", gate: Gate | None = None) -> Checklist:
    """Pool searches for the topic, keep current units that are about it (and the industry's rows), make items,
    merge near-duplicates. A topic the answer gate refuses gets an empty checklist."""
    if gate is not None and not gate.judge(retriever.search(GATE_QUESTION.format(topic=topic))).found:
        return Checklist(topic, industry)
    found: dict[str, tuple[StoredUnit, float]] = {}
    content: dict[str, float] = {}
    for query in QUERIES:
        retrieval = retriever.search(query.format(topic=topic), POOL)
        content = content or retrieval.content
        for rank, hit in enumerate(retrieval.hits):
            found.setdefault(hit.unit.id, (hit.unit, rank))
    units = []
    for unit, rank in found.values():
        if unit.meta["status"] != CURRENT or coverage(unit.text + unit.meta["heading"], content) < MIN_TOPIC:
            continue
        fields = row_fields(unit.text) if unit.meta["kind"] == "row" else {}
        if industry and INDUSTRY_FIELD in fields and industry not in fields[INDUSTRY_FIELD]:
            continue
        units.append((_kind_order(unit), rank, unit))
    out = Checklist(topic, industry)
    seen: list[set[str]] = []
    for _, _, unit in sorted(units, key=lambda t: (t[0], t[1])):
        for item in _row_items(unit) if unit.meta["kind"] == "row" else _article_items(unit, content):
            grams = _bigrams(item.item)
            if any(len(grams & g) / max(1, min(len(grams), len(g))) >= NEAR_DUPLICATE for g in seen):
                continue
            seen.append(grams)
            out.items.append(item)
            if len(out.items) == MAX_ITEMS:
                return out
    return out
