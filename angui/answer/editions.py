"""Edition changes: the current text of a provision and what differs from its superseded edition, by difflib."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from angui.answer.model import Statement
from angui.answer.sentences import items
from angui.text import compact

ARTICLE_NO = re.compile(r"^第[零〇一二三四五六七八九十百千两\d]+条\s*")  # a provision's own number, on its line or not
ADDED, REMOVED, CHANGED_FROM, CHANGED_TO = "现行文本新增：", "原文有、现行文本删去：", "原文：", "现行文本改为："


def _pieces(text: str) -> list[str]:
    """Items (or sentences) of a provision, without the `（续）` header of split parts."""
    return [p for p in items(text) if not p.endswith("（续）") and ARTICLE_NO.sub("", p)]


def _key(piece: str) -> str:
    """A piece as compared: without the provision's number (第二十一条 矿山… matches 矿山… on the next line)."""
    return compact(ARTICLE_NO.sub("", piece))


def changes(current: str, old: str, cite_current: int, cite_old: int) -> list[Statement]:
    """What the current text adds, drops and rewords compared with the superseded one, quoting both verbatim."""
    new, before = _pieces(current), _pieces(old)
    matcher = SequenceMatcher(a=[_key(p) for p in before], b=[_key(p) for p in new], autojunk=False)
    out: list[Statement] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "insert":
            out += [Statement(ADDED)] + [Statement(p, cite_current) for p in new[j1:j2]]
        elif op == "delete":
            out += [Statement(REMOVED)] + [Statement(p, cite_old) for p in before[i1:i2]]
        elif op == "replace":
            out += [Statement(CHANGED_FROM)] + [Statement(p, cite_old) for p in before[i1:i2]]
            out += [Statement(CHANGED_TO)] + [Statement(p, cite_current) for p in new[j1:j2]]
    return out
