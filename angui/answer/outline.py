"""Course outlines for trainers: the provisions about a topic in a teaching order — duties, requirements, inspection
points, penalties, typical accidents (from the 2016 manual) — every line a verbatim quote with its clause."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from angui.answer.features import DUTY, PENALTY
from angui.answer.gate import Gate
from angui.answer.retrieve import Retriever
from angui.answer.sentences import coverage, fields, items, sentences
from angui.answer.topic import MIN_TOPIC, citation_of, gather, kind_order
from angui.store import StoredUnit
from angui.text import ITEM_MARK

SECTIONS = ("一、职责", "二、要求", "三、检查要点", "四、罚则", "五、典型事故")
DUTIES, REQUIREMENTS, INSPECTION, PENALTIES, ACCIDENTS = SECTIONS
PER_SECTION = 8  # key provisions under one heading
MAX_QUOTE = 200
_WHO = re.compile(r"职责|负责|主要负责人|负总责")


@dataclass
class OutlineLine:
    """One key provision: a verbatim quote (in `citation["text"]`) and, for the manual's rows, the accident type."""

    quote: str
    citation: dict
    note: str = ""


@dataclass
class Outline:
    topic: str
    sections: dict[str, list[OutlineLine]] = field(default_factory=lambda: {s: [] for s in SECTIONS})

    @property
    def lines(self) -> list[OutlineLine]:
        return [line for lines in self.sections.values() for line in lines]

    def to_dict(self) -> dict:
        """The outline as JSON: topic, then each section's lines (quote, citation, note) in order."""
        return {"topic": self.topic, "sections": {name: [asdict(line) for line in lines]
                                                  for name, lines in self.sections.items()}}


def _sentence(unit: StoredUnit, terms: dict[str, float], pattern: re.Pattern | None = None) -> str:
    """The unit's first sentence about the topic (matching `pattern` when given), else its first sentence."""
    found = [s for s in sentences(unit.text) if len(s) <= MAX_QUOTE and (pattern is None or pattern.search(s))]
    about = [s for s in found if coverage(s, terms) >= MIN_TOPIC]
    return (about or found or [""])[0]


def _place(unit: StoredUnit, terms: dict[str, float]) -> tuple[str, str]:
    """The section a provision teaches in, and the sentence that says it."""
    if PENALTY.search(unit.text):
        return PENALTIES, _sentence(unit, terms, PENALTY)
    if kind_order(unit) <= 1:
        return INSPECTION, _sentence(unit, terms)
    if _WHO.search(unit.text[:120]):
        return DUTIES, _sentence(unit, terms, _WHO)
    return REQUIREMENTS, _sentence(unit, terms, DUTY)


def build(retriever: Retriever, topic: str, gate: Gate | None = None) -> Outline:
    """The outline of a topic; a topic the answer gate refuses gets empty sections."""
    pool = gather(retriever, topic, gate=gate)
    outline = Outline(topic)
    for unit in pool.units:
        if unit.meta["kind"] == "row":
            row = fields(unit.text)
            hazard, accident = row.get("较大危险因素", ""), row.get("易发生的事故类型", "")
            if hazard and accident and len(outline.sections[ACCIDENTS]) < PER_SECTION:
                outline.sections[ACCIDENTS].append(OutlineLine(hazard, citation_of(unit), accident))
            continue
        section, quote = _place(unit, pool.terms)
        about = coverage(quote, pool.terms) >= MIN_TOPIC or coverage(unit.text[:120], pool.terms) >= MIN_TOPIC
        if not quote or quote not in unit.text or not about:
            continue
        lines = outline.sections[section]
        quotes = [quote] + (items(unit.text) if section == INSPECTION and len(ITEM_MARK.findall(unit.text)) >= 2 else [])
        for q in quotes:
            if len(lines) < PER_SECTION and q in unit.text:
                lines.append(OutlineLine(q, citation_of(unit)))
    return outline
