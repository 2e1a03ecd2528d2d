"""Span rules: which whole piece of which cited unit answers the question, by intent.

Each rule returns the lead statements (verbatim text with citation numbers) or an empty list when no top unit
holds what the intent asks for, so the composer falls back to the best sentences.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import cached_property

from angui.answer.features import (
    AMOUNT,
    DEFINITION,
    DURATION,
    NUMBER,
    REQUIREMENT_FIELDS,
    ROW_DEADLINE,
    ROW_WHO,
    TIME,
    WHO,
    item_count,
)
from angui.answer.model import Statement
from angui.answer.sentences import before_items, bigrams, coverage, fields, items, overlap, row_body, sentences
from angui.lexical import words
from angui.text import compact

SPAN_UNITS = 4  # top units a span rule looks at
RANK_DECAY = 0.1  # coverage a lower-ranked unit gives up per rank, so ties go to the better-ranked unit
BOUND_WEIGHT = 0.5  # share of coverage added for the asked words right next to the asked value (a time, a number)
BOUND_WINDOW = 12  # characters each side of the value that count as next to it
SECOND_PIECE = 0.6  # a second sentence of the same unit joins when it covers this share of the first's coverage
SECOND_PIECE_COMPOUND = 0.25  # ... or this share when the question asks two things (…多少天？能延长多久？)
FOLLOW_UP_MIN = 0.3  # share of the second part's topic terms a follow-up sentence must cover
FOLLOW_UP_OTHER = 0.6  # ... or, from another top unit, this share (要重新备案吗 → the article on re-filing)
FOLLOW_UP_DONE = 0.8  # no follow-up when the lead already covers this much of the second part
INTRO_BONUS = 0.25  # coverage added to a list whose lead-in announces what the question lists (哪些内容 → 下列内容)
INTRO_COVER = 0.2  # share of the lead-in's own coverage added: it names whose list it is (主要负责人…负有下列职责)
SAME_VIOLATION = 0.8  # share of the shorter listed violation's bigrams the other must hold to be the same act
# (没有安全设施设计的 / 没有安全设施设计或者…擅自开工的)
SCOPE_SPLIT = "以外"  # a lead-in that fines the rest of a scope split (本办法第七条…规定以外的建设项目)
# the numbers a violation names: the same act with other numbers is another grade (10人以上30人以下 / 3人以上10人以下)
NUMERALS = re.compile(r"[0-9０-９.]+|[一二三四五六七八九十百千万两]+(?=[人个日天年月万元%])")
ALTERNATIVE = 0.9  # another document's piece joins when it answers this nearly as well (two laws, two values)
STEPS = re.compile(r"^(?:逾期未改正|拒不改正|情节严重|造成严重后果|构成犯罪)")  # what follows a fine in a penalty
MAX_STEPS = 2
COUNT_LINE = "共 {} 项："  # the line a list answer puts before its items
_COUNT = re.compile(r"共 \d+ 项：")


def is_count(statement: Statement) -> bool:
    """Whether a lead line is the item count of a list answer."""
    return statement.cite is None and bool(_COUNT.fullmatch(statement.text))


class Candidate:
    """One top unit as a span rule sees it: its index among the hits, whole text, label, document and row fields."""

    def __init__(self, index: int, text: str, where: str, document: str = "", question: str = "",
                 current: bool = True) -> None:
        self.index, self.text, self.where, self.document = index, text, where, document or where
        self.current = current  # False for a superseded or amended edition's unit
        self.fields = fields(text)
        self.is_row = bool(_field_lines(self, ROW_WHO + ROW_DEADLINE + REQUIREMENT_FIELDS))
        self.body = row_body(text, question, self.fields)  # a row's asked or requirement field, else the whole text

    @cached_property
    def enumeration(self) -> tuple[str, list[str]] | None:
        """The intro and every item of the unit's enumeration, or None when it lists fewer than two items."""
        text = self.body
        if item_count(text) < 2:
            return None
        intro = before_items(text)
        parts = items(text)
        if intro and parts and parts[0] == intro.strip(" ；;。\n"):
            parts = parts[1:]
        return intro, parts

    def statement(self, text: str, labelled: bool = True) -> Statement:
        return Statement(text, self.index + 1, self.where if labelled else "")


def _bound(piece: str, terms: dict[str, float], value: re.Pattern[str] | None) -> float:
    """Coverage of the words next to the asked value (公布之日起20个工作日内: the time belongs to 公布)."""
    if value is None:
        return 0.0
    return max((coverage(piece[max(0, m.start() - BOUND_WINDOW): m.end() + BOUND_WINDOW], terms)
                for m in value.finditer(piece)), default=0.0)


def _best(cands: Sequence[Candidate], terms: dict[str, float], keep: Callable[[str], bool],
          value: re.Pattern[str] | None = None) -> tuple[Candidate, str] | None:
    """The sentence that passes `keep` and covers most content terms (at least one), over the top units."""
    best, score = None, 0.0
    for rank, c in enumerate(cands[:SPAN_UNITS]):
        for piece in sentences(c.text):
            cover = coverage(piece, terms)
            if cover > 0 and keep(piece):
                cover += BOUND_WEIGHT * _bound(piece, terms, value)
                if cover - RANK_DECAY * rank > score:
                    best, score = (c, piece), cover - RANK_DECAY * rank
    return best


def _sentence_span(cands: Sequence[Candidate], terms: dict[str, float], keep: Callable[[str], bool],
                   second_share: float = SECOND_PIECE, value: re.Pattern[str] | None = None) -> list[Statement]:
    """The best sentence that passes `keep`, and a second one of the same unit that answers nearly as well
    (a validity period and its renewal notice, two definitions asked to be compared)."""
    best = _best(cands, terms, keep, value)
    if not best:
        return []
    c, first = best
    rest = [p for p in sentences(c.text) if p != first and keep(p)]
    second = max(rest, key=lambda p: coverage(p, terms), default=None)
    out = [c.statement(first)]
    if second and coverage(second, terms) >= second_share * coverage(first, terms):
        pair = sorted([first, second], key=c.text.find)
        out = [c.statement(pair[0]), c.statement(pair[1], labelled=False)]
    return out + _alternative(cands, terms, keep, c, coverage(first, terms))


def _alternative(cands: Sequence[Candidate], terms: dict[str, float], keep: Callable[[str], bool], chosen: Candidate,
                 cover: float) -> list[Statement]:
    """The best piece of another document that answers nearly as well as the chosen one (both are shown)."""
    others = [c for c in cands[:SPAN_UNITS] if c.document != chosen.document]
    best = _best(others, terms, keep)
    return [best[0].statement(best[1])] if best and coverage(best[1], terms) >= ALTERNATIVE * cover else []


def _field_lines(c: Candidate, names: tuple[str, ...]) -> list[str]:
    return [f"{k}：{v}" for k, v in c.fields.items() if k.replace("\n", "") in names and v]


def follow_up(lead: list[Statement], cands: Sequence[Candidate], terms: dict[str, float],
              asks: re.Pattern[str] | None = None) -> list[Statement]:
    """For a two-part question, the sentence that answers the second part when the lead does not already hold it:
    from the lead's unit (…多少个工作日内批复？能延长吗 → the extension sentence), else from another top unit.
    `asks`: what the second part asks for (…多少天能批下来 → a counted time); a sentence of the lead's unit that
    states it answers even without the part's words."""
    cited = next((s.cite for s in lead if s.cite), None)
    c = next((c for c in cands if c.index + 1 == cited), None)
    if c is None or not (terms or asks):
        return []
    shown = "".join(s.text for s in lead)
    if terms and coverage(shown, terms) >= FOLLOW_UP_DONE:
        return []
    rest = [p for p in sentences(c.text) if p not in shown]
    stating = [p for p in rest if asks and asks.search(p)]
    best = max(stating or rest, key=lambda p: coverage(p, terms), default=None)
    if best and (stating or coverage(best, terms) >= FOLLOW_UP_MIN):
        return [c.statement(best, labelled=lead[-1].cite != cited)]  # labelled when another unit's line is last
    other = [(coverage(p, terms), -o.index, p, o) for o in cands[:SPAN_UNITS] if o is not c
             for p in sentences(o.text) if p not in shown and _matched(p, terms) >= min(2, len(terms))]
    cover, _, piece, unit = max(other, key=lambda x: x[:2], default=(0.0, 0, "", c))
    return [unit.statement(piece)] if cover >= FOLLOW_UP_OTHER else []  # another provision answers it


def _matched(piece: str, terms: dict[str, float]) -> int:
    """How many of the terms a piece of text holds (one shared word is not an answer from another provision)."""
    return sum(1 for t in terms if t in compact(piece))


def _field_statements(c: Candidate, names: tuple[str, ...], labelled: bool = True) -> list[Statement]:
    """A row's fields of those names, one verbatim `列名：值` line each (only the first carries the label)."""
    return [c.statement(line, labelled=labelled and i == 0) for i, line in enumerate(_field_lines(c, names))]


def _top_row(cands: Sequence[Candidate]) -> Candidate | None:
    """The best-ranked top unit when it is a table row (rows answer who/when with their own fields)."""
    return cands[0] if cands and cands[0].is_row else None


def _row_time(c: Candidate, terms: dict[str, float]) -> list[Statement]:
    """A row's time: the requirement sentence that states one (e.g. 6月份清零), then its 完成时限 field."""
    out = []
    timed = [s for s in sentences(c.body) if TIME.search(s)]
    if timed:
        out.append(c.statement(max(timed, key=lambda s: coverage(s, terms))))
    if _field_lines(c, ROW_DEADLINE):
        out += _field_statements(c, ROW_DEADLINE, labelled=not out)
    return out


def _stated(cands: Sequence[Candidate], wanted: re.Pattern[str], fallback: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern a span should match: `wanted` when some top unit states it (a counted time, a length), else the
    broader `fallback`."""
    return wanted if any(wanted.search(p) for c in cands[:SPAN_UNITS] for p in sentences(c.text)) else fallback


def deadline(cands: Sequence[Candidate], terms: dict[str, float], want_who: bool,
             second_share: float = SECOND_PIECE, counted: bool = False) -> list[Statement]:
    """The sentence of the top unit that holds the topic and a time (for a row, its own time and 完成时限)."""
    row = _top_row(cands)
    if row:
        return (_field_statements(row, ROW_WHO) if want_who else []) + _row_time(row, terms)
    kind = _stated(cands, DURATION, TIME) if counted else TIME  # 多长时间 → 1小时内, not 立即
    return _sentence_span(cands, terms, lambda s: bool(kind.search(s)), second_share, kind)


def who(cands: Sequence[Candidate], terms: dict[str, float], want_deadline: bool,
        second_share: float = SECOND_PIECE) -> list[Statement]:
    """A row's responsible units (and time when asked), else the sentence naming who is responsible."""
    row = _top_row(cands)
    if row and _field_lines(row, ROW_WHO):
        return _field_statements(row, ROW_WHO) + (_row_time(row, terms) if want_deadline else [])
    return _sentence_span(cands, terms, lambda s: bool(WHO.search(s)), second_share)


def number(cands: Sequence[Candidate], terms: dict[str, float], second_share: float = SECOND_PIECE,
           unit: re.Pattern[str] | None = None) -> list[Statement]:
    """The sentence that holds the topic and a number with its unit (12V, 0.8mm, 2套); of the asked kind of
    value (多厚 → a length) when a top unit states one."""
    kind = _stated(cands, unit, NUMBER) if unit else NUMBER
    return _sentence_span(cands, terms, lambda s: bool(kind.search(s)), second_share, kind)


def definition(cands: Sequence[Candidate], terms: dict[str, float], second_share: float = SECOND_PIECE) -> list[Statement]:
    """The sentence that defines the asked term (是指, 统称 …)."""
    return _sentence_span(cands, terms, lambda s: bool(DEFINITION.search(s)), second_share)


_ASKED = re.compile(r"(?:哪些|哪几[个项类种条]|全部|所有|几[项类种个条])(?:的)?([\u4e00-\u9fff]{2,8})")
_NOUN_END = re.compile(r"需要|必须|应当|要|应|是|有|的|呢|吗|哪|[，。？?]")  # where the listed noun ends (哪些内容需要检查)


def asked_noun(question: str) -> str | None:
    """The noun a list question asks for (哪些内容 → 内容, 全部安全生产职责 → 职责), or None."""
    m = _ASKED.search(question)
    nouns = [w for w in words(_NOUN_END.split(m.group(1))[0]) if len(w) > 1] if m else []
    return nouns[-1] if nouns else None


def _lists(intro: str, noun: str) -> bool:
    """Whether a list's lead-in announces the asked noun as what it lists (负有下列职责, 内容包括), not merely
    mentions it (负有安全生产监督管理职责的部门)."""
    n = re.escape(noun)
    return bool(re.search(rf"(?:下列|下述|以下各|以下几)[^，。；：:]{{0,8}}{n}|{n}(?:如下|包括)", intro))


def listing(cands: Sequence[Candidate], terms: dict[str, float], asked: str | None = None) -> list[Statement]:
    """Every item of the one enumerating provision that covers the question best, in order, with the count."""
    scored = [(coverage(c.text, terms) - RANK_DECAY * i + (INTRO_BONUS if asked and _lists(c.enumeration[0], asked) else 0.0)
               + INTRO_COVER * coverage(c.enumeration[0], terms), c)
              for i, c in enumerate(cands[:SPAN_UNITS]) if c.enumeration]
    if not scored:
        return []
    score, c = max(scored, key=lambda sc: sc[0])
    if cands[0] is not c and not cands[0].enumeration and coverage(cands[0].text, terms) >= score:
        return []  # the top unit answers better in its own words (an inline list: 涉爆粉尘作业、涉氯涉氨作业……)
    intro, parts = c.enumeration
    out = [c.statement(intro)] if intro else []
    out.append(Statement(COUNT_LINE.format(len(parts)), where="" if intro else c.where))
    return out + [c.statement(p, labelled=False) for p in parts]


def penalty(cands: Sequence[Candidate], terms: dict[str, float]) -> list[Statement]:
    """The penalty clause with its amount, and the listed violation that matches the question: the unit is chosen
    by how well its whole text (the violations) covers the question, the clause by its amount."""
    fined = [(coverage(c.text, terms) - RANK_DECAY * i, i, c) for i, c in enumerate(cands[:SPAN_UNITS])
             if AMOUNT.search(c.text)]
    if not fined:
        return []
    _, _, c = max(fined, key=lambda f: (f[0], -f[1]))
    out = _penalty_of(c, terms)
    cover = coverage(c.text, terms)  # another law's penalty joins on its own coverage, not its rank
    twin = next((f[2] for f in fined if _scope_twin(c, f[2], terms)), None)
    if twin:  # the same violation in the same document's article for the other scope (三同时 28 vs 30)
        out += _penalty_of(twin, terms)
    rival = [f for f in fined if f[2].document != c.document and coverage(f[2].text, terms) >= ALTERNATIVE * cover]
    if rival:
        out += _penalty_of(max(rival, key=lambda f: (f[0], -f[1]))[2], terms)
    return out


def _scope_twin(c: Candidate, other: Candidate, terms: dict[str, float]) -> bool:
    """Whether another current article of the same document fines the same listed violation for the other scope
    of a scope split (…第七条规定的建设项目 / …第七条规定以外的建设项目): same act, same numbers."""
    if other is c or other.document != c.document or not other.current or not (c.enumeration and other.enumeration):
        return False
    if not any(SCOPE_SPLIT in x.enumeration[0] for x in (c, other)):
        return False
    a, b = _violation(c, terms), _violation(other, terms)  # the same act: one nearly holds the other
    return (bool(a and b) and NUMERALS.findall(a) == NUMERALS.findall(b)
            and overlap(bigrams(a), bigrams(b)) >= SAME_VIOLATION)


def _violation(c: Candidate, terms: dict[str, float]) -> str:
    """The listed violation of a penalty unit that matches the question best, or "" when none matches."""
    listed = c.enumeration
    best = max(listed[1], key=lambda p: coverage(p, terms), default="") if listed else ""
    return best if best and coverage(best, terms) > 0 else ""


def _penalty_of(c: Candidate, terms: dict[str, float]) -> list[Statement]:
    """A penalty unit's clause with the amount and, for a list of violations, the item that matches best."""
    listed = c.enumeration
    if listed and AMOUNT.search(listed[0]):
        clause = listed[0]  # the whole lead-in: the order, the fine and what follows if not corrected
    else:
        parts = sentences(c.text)
        at = max((i for i, p in enumerate(parts) if AMOUNT.search(p)), key=lambda i: coverage(parts[i], terms))
        steps = [p for p in parts[at + 1 : at + 1 + MAX_STEPS] if STEPS.match(p)]
        joined = "".join([parts[at], *steps])
        clause = joined if joined in c.text else parts[at]  # consecutive sentences only, verbatim
    out = [c.statement(clause)]
    if listed and listed[1]:
        item = max(listed[1], key=lambda p: coverage(p, terms))
        if coverage(item, terms) > 0 and item not in clause:
            out.append(c.statement(item, labelled=False))
    return out
