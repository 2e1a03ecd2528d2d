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


def _to_int(num: str) -> int:
    return int(num) if num.isdigit() else cn_to_int(num)


def mentioned_families(question: str, families: list[str]) -> list[str]:
    """Families the question names by full name, alias, or a recognisable abbreviation."""
    q = _TITLE_MARKS.sub("", nfkc(question))
    hits = {f for f in families if f and f in q}
    for alias, target in ALIASES.items():
        if alias in q:
            hits.update(f for f in families if target in f or f in target)
    if not hits:
        # an abbreviation typed before 第X条, e.g. 应急预案管理办法 / 粉尘防爆规定
        m = re.search(rf"([\u4e00-\u9fff]{{2,30}}?)(?:第\s*{_NUM}\s*[条项]|\d+\s*条)", q)
        if m:
            name = re.sub(r"^(请问|查一下|查询|看看|根据|按照|依据)", "", m.group(1))
            for cut in range(len(name) - 1):
                s = name[cut:]
                found = [f for f in families if f and (s in f or (len(s) >= 4 and s[-1] == f[-1] and in_order(s, f)))]
                if found:
                    hits.update(found)
                    break
    # prefer the longest names: 安全生产法 inside 安全生产许可证条例 is not a mention of it
    return sorted(hits, key=len, reverse=True)


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
