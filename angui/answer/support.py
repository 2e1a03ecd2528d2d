"""What a question names that its evidence must name too: the subject of a what-is question (今年安全生产月的主题是什么
→ 安全生产月) and the standards it cites by number (GB/T 33000)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from angui.text import compact

# the phrase before 是什么 / after 什么是, within its own clause; 到底, 究竟, 具体 only say how it asks
WHAT_IS = re.compile(r"(?:什么是|什么叫)(?P<after>[^？?，,。；;！!：:]+)|"
                     r"(?P<before>[^？?，,。；;！!：:]+?)(?:到底|究竟|具体)?"
                     r"(?:是什么意思|什么意思|是什么|是啥|是指什么|指的是什么|指什么|的定义|的含义|的概念)")
DEICTIC = re.compile(r"^(?:今年|去年|明年|本年度|年度|这次|这个|那个|现在|目前|我们|咱们|你们|里说的|说的)+")
OF = re.compile(r"(?<!目)的(?!确)")  # the particle, not the 的 of 目的 or 的确
QUOTES = str.maketrans("", "", "“”\"'‘’《》「」『』")
LABEL = re.compile(r"(?m)^[\s\-*#]*[^：:\n]{1,12}[：:]")  # a line's field label (适用主题：, 较大危险因素：) names no content
# a national or trade standard cited by number, in `compact` form (gb/t33000, aq3009, gbz2.1): prefix and number
STANDARD = re.compile(r"(?<![a-z])(gbz|gb|aq|jgj|tsg|hg|sh|dl|ws|jb)(?:/t)?(\d{1,6}(?:\.\d+)?)(?![\d.])")
MIN_TERM, MAX_TERM = 2, 8  # a longer phrase describes rather than names: a provision need not hold it verbatim


def asked_terms(question: str) -> list[str]:
    """The names a what-is question's subject may go by: the head after its last 的 and the phrase before it
    (安全生产月的主题 → 主题, 安全生产月); [] when it asks no what-is, or a part is too long or short to check."""
    m = WHAT_IS.search(question)
    if not m:
        return []
    phrase = DEICTIC.sub("", (m["after"] or m["before"]).translate(QUOTES).strip())
    *before, head = OF.split(phrase)
    parts = [head, DEICTIC.sub("", "的".join(before))] if before else [phrase]
    names = [compact(p) for p in parts]
    return names if all(MIN_TERM <= len(n) <= MAX_TERM for n in names) else []


def names_any(texts: Iterable[str], terms: list[str]) -> bool:
    """Whether one of the texts holds one of the terms verbatim (after `compact`) outside its field labels."""
    normed = [compact(LABEL.sub("", t)) for t in texts]
    return any(term in text for term in terms for text in normed)


def standards(text: str) -> set[tuple[str, str]]:
    """The standards a text cites by number, as (prefix, number): GB/T 33000 → ("gb", "33000")."""
    return set(STANDARD.findall(compact(text)))
