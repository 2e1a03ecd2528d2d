"""Accident grade of a question that counts the dead or seriously injured (死了1个人 → 一般事故), by the thresholds
of 《生产安全事故报告和调查处理条例》第三条 (以上 includes the number, 以下 does not), so that the provisions written
for that grade are searched for instead of the count's words (1, 个人)."""

from __future__ import annotations

import re

from angui.numerals import cn_to_int
from angui.text import nfkc

_N = r"(?<![\d.])(\d+|[一二两三四五六七八九十百]+)(?![\d.几多余一二两三四五六七八九十百])"  # not 1.5, 十几, 三十多
_WHO = r"\s*(?:个|名)?(?:工人|员工|职工|人员)?人?"  # 3人, 3个人, 3名工人
_LIMIT = rf"(?!{_WHO}\s*(?:以下|以上|及以上|左右))"  # 3人以下 states a threshold, not a count
_DEAD = re.compile(rf"(?:死|死亡|遇难)了?{_N}{_WHO}{_LIMIT}|{_N}{_WHO}{_LIMIT}(?:死亡|遇难|身亡|死了|丧生)")
_HURT = re.compile(rf"重伤了?{_N}{_WHO}{_LIMIT}|{_N}{_WHO}{_LIMIT}重伤")
GRADES = ("特别重大事故", "重大事故", "较大事故", "一般事故")
DEAD_FLOORS = (30, 10, 3, 1)  # at least this many dead: the grade at the same place in GRADES
HURT_FLOORS = (100, 50, 10, 1)


def _count(rx: re.Pattern[str], text: str) -> tuple[int, str]:
    """The count a pattern finds in the text and the words that state it; 0 when none or not a number (一两)."""
    m = rx.search(text)
    if not m:
        return 0, ""
    n = next(g for g in m.groups() if g)
    try:
        return (int(n) if n.isdigit() else cn_to_int(n)), m.group(0)
    except ValueError:  # 一两个人, 三四人: a range, no one grade
        return 0, ""


def _grade(n: int, floors: tuple[int, ...]) -> int | None:
    return next((i for i, floor in enumerate(floors) if n >= floor), None)


def graded(question: str) -> tuple[str, str | None]:
    """The question with its death or serious-injury count replaced by the accident grade (the graver of the two),
    and that grade; the question as it is and None when it counts none."""
    text = nfkc(question)
    found = []
    for rx, floors in ((_DEAD, DEAD_FLOORS), (_HURT, HURT_FLOORS)):
        n, words = _count(rx, text)
        rank = _grade(n, floors) if n else None
        if rank is not None:
            found.append((rank, words))
    if not found:
        return question, None
    grade = GRADES[min(r for r, _ in found)]
    for _, words in found:
        text = text.replace(words, " ", 1)
    return f"{text} {grade}", grade
