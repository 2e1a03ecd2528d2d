"""Checks on an LLM-written reply before anyone sees it: each sentence must cite sources it is given, name only
provisions the knowledge base holds and the cited unit is, quote verbatim, and state no number its sources lack."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from angui.answer.model import Citation
from angui.numerals import cn_to_int, int_to_cn
from angui.text import compact, nfkc, title_key

_SENTENCE = re.compile(r"[^。！？!?；;\n]+(?:[。！？!?；;]+)?(?:\s*\[\d+\])*|(?:\s*\[\d+\])+")
_WIDE_MARK = re.compile(r"［([0-9０-９]+)］")
_MARK = re.compile(r"\[(\d+)\]")
_PROVISION = re.compile(r"《([^》]{2,40})》\s*(第[一二三四五六七八九十百零〇两\d]+条)")
_QUOTE = re.compile(r"「([^」]+)」|“([^”]+)”")
_NUMBER = re.compile(r"(?<!第)(\d+(?:\.\d+)?|[一二三四五六七八九十百千万两]+)\s*"
                     r"(万元|元|日|天|个工作日|小时|分钟|个月|年|%|％|人|名|米|伏|次|倍|吨|台|套|级|平方米|立方米)")
_ARTICLE = re.compile(r"第[一二三四五六七八九十百零〇两\d]+条")
_STATES = re.compile(r"应当|必须|不得|禁止|严禁|罚款|责令|规定|要求|可以|\d")
INJECTION = re.compile(r"忽略(以上|之前|上述|前面)?.{0,6}(指令|要求|提示|规则)|ignore (all |the )?(previous|above) instructions"
                       r"|system prompt", re.IGNORECASE)
NOT_SUPPORTED = "现有依据不足以回答"


@dataclass
class Checked:
    """One sentence of the reply: its cited source numbers (as given) and whether it survives, with the reason."""

    text: str
    cites: list[int] = field(default_factory=list)
    ok: bool = True
    reason: str = ""


def split(reply: str) -> list[str]:
    """Sentences of a reply in its own characters, citation marks kept with the sentence they end (“…罚款。[1]”
    stays one sentence); full-width marks ［１］ are read as [1]."""
    reply = _WIDE_MARK.sub(lambda m: f"[{nfkc(m[1])}]", reply)
    return [s.strip() for s in _SENTENCE.findall(reply) if s.strip()]


def _digits(value: str) -> str:
    """A number in Arabic digits, 万 multiplied out (5万 and 五万 → 50000, 十五 → 15); other text as it is."""
    scale = 10000 if value.endswith("万") else 1
    value = value[:-1] if scale > 1 else value
    try:
        number = float(value) if re.fullmatch(r"\d+(?:\.\d+)?", value) else cn_to_int(value or "一")
    except ValueError:
        return value + ("万" if scale > 1 else "")
    number *= scale
    return str(int(number)) if float(number).is_integer() else str(number)


def _numbers_in(text: str) -> set[str]:
    """Every number-with-unit of a text as one value and unit (5万元, 五万元 and 50000元 are the same)."""
    out = set()
    for number, unit in _NUMBER.findall(nfkc(text)):
        if unit.startswith("万"):
            number, unit = number + "万", unit[1:]
        out.add(f"{_digits(number)}{unit}")
    return out


def _base_loc(loc: str) -> str:
    """第15条 → 第十五条 (the knowledge base keys provisions in Chinese numerals); a number past what
    provisions use is left as written (and then matches nothing)."""
    m = re.fullmatch(r"第(\d+)条", loc)
    try:
        return f"第{int_to_cn(int(m[1]))}条" if m else loc
    except ValueError:
        return loc


def check(sentence: str, sources: list[Citation], holds) -> Checked:
    """Verify one sentence against the numbered sources; `holds(title, base_loc)` says whether the knowledge base
    has that provision."""
    cites = [int(n) for n in _MARK.findall(sentence)]
    body = _MARK.sub("", sentence).strip()
    out = Checked(sentence, cites)
    if not cites:
        out.ok, out.reason = (False, "未注明出处") if _STATES.search(body) else (False, "")
        return out
    if any(not 1 <= n <= len(sources) for n in cites):
        out.ok, out.reason = False, f"引用了不存在的来源编号 {','.join(f'[{n}]' for n in cites if not 1 <= n <= len(sources))}"
        return out
    cited = [sources[n - 1] for n in dict.fromkeys(cites)]
    if any(INJECTION.search(c.text) for c in cited):
        out.ok, out.reason = False, "所引来源含有指令性文字，不采用"
        return out
    text = compact("".join(c.text for c in cited))
    for title, loc in _PROVISION.findall(body):
        base = _base_loc(nfkc(loc))
        if not holds(title, base):
            out.ok, out.reason = False, f"知识库中没有《{title}》{loc}"
            return out
        if not any(title_key(title) in title_key(c.doc) and c.loc.split("(")[0] == base for c in cited):
            out.ok, out.reason = False, f"《{title}》{loc}不是所引来源"
            return out
    bases = {c.loc.split("(")[0] for c in cited}
    for loc in _ARTICLE.findall(body):  # every article the sentence names is a cited one, or named in the cited text
        if _base_loc(nfkc(loc)) not in bases and compact(loc) not in text:
            out.ok, out.reason = False, f"{loc}不是所引来源"
            return out
    for a, b in _QUOTE.findall(body):
        if compact(a or b) not in text:
            out.ok, out.reason = False, f"引文「{(a or b)[:20]}」与来源原文不符"
            return out
    missing = _numbers_in(body) - _numbers_in("".join(c.text for c in cited))
    if missing:
        out.ok, out.reason = False, f"数字 {'、'.join(sorted(missing))} 不见于所引来源"
    return out


def renumber(checked: list[Checked]) -> tuple[list[str], list[int]]:
    """The surviving sentences with their marks renumbered 1..m in order of first use, and the original numbers used."""
    order: list[int] = []
    for c in checked:
        if c.ok:
            order += [n for n in c.cites if n not in order]
    new = {old: i for i, old in enumerate(order, 1)}
    texts = [_MARK.sub(lambda m: f"[{new[int(m[1])]}]", c.text) for c in checked if c.ok]
    return texts, order
