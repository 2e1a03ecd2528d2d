"""Exact references in a question: `安全生产法第四十一条`, `安法41条`, `附件第4项`, `4.2.1`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from angui.numerals import cn_to_int, int_to_cn
from angui.text import in_order, nfkc

# Common short names users type, mapped to a part of the document family they mean.
ALIASES = {
    "安法": "安全生产法",
    "安全法": "安全生产法",
    "新安法": "安全生产法",
    "消法": "消防法",
    "职防法": "职业病防治法",
    "职业病法": "职业病防治法",
    "特设法": "特种设备安全法",
    "特种设备法": "特种设备安全法",
    "493号令": "生产安全事故报告和调查处理条例",
    "事故报告条例": "生产安全事故报告和调查处理条例",
    "708号令": "生产安全事故应急条例",
    "应急条例": "生产安全事故应急条例",
    "591号令": "危险化学品安全管理条例",
    "危化品条例": "危险化学品安全管理条例",
    "危化条例": "危险化学品安全管理条例",
    "88号令": "生产安全事故应急预案管理办法",
    "预案办法": "生产安全事故应急预案管理办法",
    "应急预案办法": "生产安全事故应急预案管理办法",
    "6号令": "工贸企业粉尘防爆安全规定",
    "粉尘防爆规定": "工贸企业粉尘防爆安全规定",
    "36号令": "建设项目安全设施三同时监督管理办法",
    "三同时办法": "建设项目安全设施三同时监督管理办法",
    "许可证条例": "安全生产许可证条例",
    "工伤条例": "工伤保险条例",
}

_NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
_ARTICLE = re.compile(rf"第\s*({_NUM})\s*条|(?<![0-9.])(\d{{1,3}})\s*条(?!例)")
_ITEM = re.compile(rf"(?:附件|附表|任务)?\s*第\s*({_NUM})\s*项")
_ROW = re.compile(rf"第\s*({_NUM})\s*行")
_CLAUSE = re.compile(r"(?<![\d.])(\d{1,2}(?:\.\d{1,3}){1,4})(?![\d.])")


@dataclass
class Reference:
    """A provision named in a question: document families it may belong to, and the loc."""

    loc: str
    families: list[str]


_TITLE_MARKS = re.compile(r"[\s《》“”\"]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BEFORE_NAME = set("按依据照反对和与及或、新用是在了的查问看说讲里中上")  # words an alias may follow (按安法, 违反安全法)
MIN_TAIL = 4  # a shorter tail of an unknown name (安全法 of 道路交通安全法, 条例) names no document here
_QUOTED_TITLE = re.compile(r"《([^》]{2,40})》")
# a law, rule or standard named just before one of its articles; 令 is left out (88号令 splits at its digits)
_NAME_BEFORE_ARTICLE = re.compile(rf"([\u4e00-\u9fff]{{1,20}}(?:法|条例|规定|办法|规范|标准|规程|细则))"
                                  rf"\s*(?:第\s*{_NUM}\s*[条款项]|\d+\s*条)")


def _to_int(num: str) -> int:
    return int(num) if num.isdigit() else cn_to_int(num)


def _alias_in(alias: str, q: str) -> bool:
    """Whether the alias stands for its document in the question, not as the tail of a longer name (安全法 inside
    道路交通安全法): at the start, or after a word that is no part of a name (按安法, 违反安全法, 根据新安法)."""
    return any(m.start() == 0 or not _CJK.match(q[m.start() - 1]) or q[m.start() - 1] in _BEFORE_NAME
               for m in re.finditer(re.escape(alias), q))


def document_names(question: str) -> list[str]:
    """What the question calls a document: 《titles》 and a name of a law, rule or standard typed just before an
    article (道路交通安全法第二十条 → 道路交通安全法)."""
    q = nfkc(question)
    return [t.strip() for t in _QUOTED_TITLE.findall(q)] + _NAME_BEFORE_ARTICLE.findall(q)


def unheld_documents(question: str, families: list[str]) -> list[str]:
    """The documents the question names that no live document family answers to (a law the knowledge base lacks)."""
    return [n for n in document_names(question) if not (mentioned_families(n, families) or _by_tail(n, families))]


def mentioned_families(question: str, families: list[str]) -> list[str]:
    """Families the question names by full name, alias, or a recognisable abbreviation."""
    q = _TITLE_MARKS.sub("", nfkc(question))
    hits = {f for f in families if f and f in q}
    for alias, target in ALIASES.items():
        if _alias_in(alias, q):
            hits.update(f for f in families if target in f or f in target)
    if not hits:
        # an abbreviation typed before 第X条, e.g. 应急预案管理办法 / 粉尘防爆规定
        m = re.search(rf"([\u4e00-\u9fff]{{2,30}}?)(?:第\s*{_NUM}\s*[条项]|\d+\s*条)", q)
        hits.update(_by_tail(m.group(1), families) if m else [])
    # prefer the longest names: 安全生产法 inside 安全生产许可证条例 is not a mention of it
    return sorted(hits, key=len, reverse=True)


def _by_tail(name: str, families: list[str]) -> list[str]:
    """Families that the longest tail of a typed name (at least MIN_TAIL characters) stands for: held in the family
    name, or its characters in order with the same last one (应急预案管理办法, 粉尘防爆规定)."""
    name = re.sub(r"^(请问|查一下|查询|看看|根据|按照|依据)", "", name)
    for cut in range(len(name) - MIN_TAIL + 1):
        s = name[cut:]
        found = [f for f in families if f and (s in f or (s[-1] == f[-1] and in_order(s, f)))]
        if found:
            return found
    return []


def find_references(question: str, families: list[str]) -> list[Reference]:
    """Every provision the question names, in the order written."""
    q = nfkc(question)
    fams = mentioned_families(question, families)
    refs: list[Reference] = []
    for m in _ARTICLE.finditer(q):
        if m.group(2) and not fams:  # a bare "3条" names nothing without a document
            continue
        n = _to_int(m.group(1) or m.group(2))
        if n > 0:
            refs.append(Reference(f"第{int_to_cn(n)}条", fams))
    for m in _ITEM.finditer(q):
        refs.append(Reference(f"附件 第{_to_int(m.group(1))}项", fams))
    for m in _ROW.finditer(q):
        refs.append(Reference(f"第{_to_int(m.group(1))}行", fams))
    for m in _CLAUSE.finditer(q):
        refs.append(Reference(m.group(1), fams))
    return refs
