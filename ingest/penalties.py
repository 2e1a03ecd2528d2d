"""Penalty links: which obligation provisions a 法律责任 provision punishes, found at ingest.

Two ways: an explicit reference ("违反本规定第十四条、第十五条…的规定"), or, for penalty provisions that describe
each violation in a list ("有下列行为之一的…：（一）未按照规定…"), the obligation article of the same document that
shares most of the item's rare character pairs.
"""

from __future__ import annotations

import math
import re
from collections import Counter

from angui.numerals import cn_to_int, int_to_cn
from angui.schema import Unit, base_loc
from angui.text import ITEM_MARK, compact

_NUM = r"[零〇一二两三四五六七八九十百千\d]+"
_EXPLICIT = re.compile(rf"违反本(?:法|规定|办法|条例|细则)((?:第{_NUM}条(?:第{_NUM}款)?[、,，和及或]*)+)")
_ARTICLE_NO = re.compile(rf"第({_NUM})条")
_FINE = re.compile(r"罚款|处分|责令停产停业|吊销|没收|追究刑事责任")
_VIOLATION = re.compile(r"违反|有下列(?:行为|情形)之一的|未按照规定|拒不")
PENALTY_CHAPTER = "法律责任"
LINK_MIN = 0.3  # share of an item's idf weight of character pairs an obligation must hold to be linked
LINK_MARGIN = 1.15  # and it must beat the runner-up by this factor


def is_penalty(unit: Unit) -> bool:
    """A provision in the 法律责任 chapter, or one that sets a fine for violations (rules often have no chapters)."""
    return any(PENALTY_CHAPTER in p for p in unit.path) or bool(_FINE.search(unit.text) and _VIOLATION.search(unit.text))


def explicit_links(text: str) -> list[str]:
    """Articles named in "违反本规定第X条、第Y条" of a penalty text, as locs (第十四条), in order."""
    out: list[str] = []
    for m in _EXPLICIT.finditer(text):
        for n in _ARTICLE_NO.findall(m.group(1)):
            loc = f"第{int_to_cn(int(n) if n.isdigit() else cn_to_int(n))}条"
            if loc not in out:
                out.append(loc)
    return out


def _pairs(text: str) -> Counter[str]:
    t = compact(text)
    return Counter(t[i : i + 2] for i in range(len(t) - 1) if not any(c in "，。；：、（）()" for c in t[i : i + 2]))


def link_penalties(units: list[Unit]) -> None:
    """Set `links` on every penalty unit of one document: the base locs of the obligations it punishes."""
    obligations: dict[str, Counter[str]] = {}
    for u in units:
        if not is_penalty(u) and u.kind == "article":
            obligations.setdefault(base_loc(u.loc), Counter()).update(_pairs(u.text))
    df = Counter(p for pairs in obligations.values() for p in pairs)
    idf = {p: math.log(1 + len(obligations) / n) for p, n in df.items()}
    for u in units:
        if not is_penalty(u):
            continue
        links = explicit_links(u.text)
        for item in [p for p in ITEM_MARK.split(u.text)[1:] if p.strip()] if not links else []:
            loc = _best_obligation(item, obligations, idf)
            if loc and loc not in links:
                links.append(loc)
        u.links = links


def _best_obligation(item: str, obligations: dict[str, Counter[str]], idf: dict[str, float]) -> str | None:
    """The obligation article that holds most of the item's weighted character pairs, when clearly the best."""
    pairs = [p for p in _pairs(item) if p in idf]
    total = sum(idf[p] for p in pairs)
    if not total:
        return None
    scores = sorted(((sum(idf[p] for p in pairs if p in ob) / total, loc) for loc, ob in obligations.items()),
                    reverse=True)
    best, runner = scores[0], scores[1] if len(scores) > 1 else (0.0, "")
    return best[1] if best[0] >= LINK_MIN and best[0] >= LINK_MARGIN * runner[0] else None
