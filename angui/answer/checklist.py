"""Self-check checklists: what to check, the requirement or how, and the clause behind each line — all quoted from
current units (supervisory inspection lists, duty articles, the 2016 manual's rows, task and checklist rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from angui.answer.features import DUTY
from angui.answer.gate import Gate
from angui.answer.retrieve import Retriever
from angui.answer.sentences import bigrams, coverage, fields, items, near_duplicate, sentences
from angui.answer.topic import MIN_TOPIC, citation_of, gather
from angui.store import StoredUnit
from angui.text import ITEM_MARK, compact

MAX_ITEMS = 60
ITEM_FIELDS = ("较大危险因素", "检查内容", "检查项目", "自查标准项具体描述", "工作任务")
HOW_FIELDS = ("主要防范措施", "检查方法", "检查标准", "具体要求", "自查标准项具体描述")
PLACE_FIELDS = ("场所/环节/部位", "检查类别", "类别")
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


def _first(fields: dict[str, str], names: tuple[str, ...]) -> str:
    return next((fields[n] for n in names if fields.get(n)), "")


def _row_items(unit: StoredUnit) -> list[CheckItem]:
    row = fields(unit.text)
    what = _first(row, ITEM_FIELDS)
    if not what:
        return []
    how = _first({k: v for k, v in row.items() if v != what}, HOW_FIELDS)
    place = _first(row, PLACE_FIELDS) or unit.meta["title"]
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


def build(retriever: Retriever, topic: str, industry: str = "", gate: Gate | None = None) -> Checklist:
    """Items from the units about the topic, near-duplicates merged; a topic the gate refuses gets none."""
    pool = gather(retriever, topic, industry, gate)
    out = Checklist(topic, industry)
    seen: list[set[str]] = []
    for unit in pool.units:
        for item in _row_items(unit) if unit.meta["kind"] == "row" else _article_items(unit, pool.terms):
            grams = bigrams(compact(item.item))
            if near_duplicate(grams, seen):
                continue
            seen.append(grams)
            out.items.append(item)
            if len(out.items) == MAX_ITEMS:
                break
        if len(out.items) == MAX_ITEMS:
            break
    first = {}
    for n, item in enumerate(out.items):
        first.setdefault(item.group, n)
    out.items.sort(key=lambda i: first[i.group])  # stable: each group's items together, in inspection order
    return out
