"""Accident grade of a question that counts the dead or seriously injured (死了1个人 → 一般事故), by the thresholds
of 《生产安全事故报告和调查处理条例》第三条 (以上 includes the number, 以下 does not), so that the provisions written
for that grade are searched for."""

from __future__ import annotations

import re

from angui.numerals import cn_to_int
from angui.text import nfkc

_N = r"(\d+|[一二两三四五六七八九十百]+)"
_DEAD = re.compile(rf"(?:死|死亡|遇难|亡)了?{_N}\s*(?:个|名)?人|{_N}\s*(?:个|名)?人(?:死亡|遇难|身亡|死了|丧生)")
_HURT = re.compile(rf"重伤(?:了)?{_N}\s*(?:个|名)?人|{_N}\s*(?:个|名)?人重伤")
GRADES = ("特别重大事故", "重大事故", "较大事故", "一般事故")
DEAD_FLOORS = (30, 10, 3, 1)  # at least this many dead: the grade at the same place in GRADES
HURT_FLOORS = (100, 50, 10, 1)


def _count(rx: re.Pattern[str], text: str) -> int:
    m = rx.search(text)
    if not m:
        return 0
    n = next(g for g in m.groups() if g)
    return int(n) if n.isdigit() else cn_to_int(n)


def accident_grade(question: str) -> str | None:
    """The grade an accident with the question's death or serious-injury count has, or None when it counts none."""
    text = nfkc(question)
    ranks = [next((i for i, floor in enumerate(floors) if n >= floor), None)
             for n, floors in ((_count(_DEAD, text), DEAD_FLOORS), (_count(_HURT, text), HURT_FLOORS))]
    found = [r for r in ranks if r is not None]
    return GRADES[min(found)] if found else None
