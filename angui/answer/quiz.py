"""Quiz questions for trainers, built from the units about a topic: fill-in (a time limit, number or amount
blanked out), single choice on such a value (distractors: the same kind of value from neighbouring units, or the
value changed), single choice on a provision's list (which of these is on it), and, from the 2016 manual's rows,
which accident a hazard leads to. Every answer is verbatim in its cited unit; no two questions share a sentence."""

from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass, field

from angui.answer.features import AMOUNT, NUMBER, TIME
from angui.answer.gate import Gate
from angui.answer.retrieve import Retriever
from angui.answer.sentences import bigrams, coverage, fields, items, near_duplicate, sentences
from angui.answer.topic import MIN_TOPIC, citation_of, gather
from angui.numerals import cn_to_int
from angui.store import StoredUnit
from angui.text import ITEM_MARK, compact, nfkc

FILL, CHOICE = "填空", "单选"
BLANK = "____"
OPTIONS = 4
SEED = 20261201  # a fixed seed: the same index and topic give the same quiz
MIN_SENTENCE, MAX_SENTENCE = 12, 160
_DIGITS = re.compile(r"\d+")
KINDS = {"amount": AMOUNT, "time": TIME, "number": NUMBER}  # a value's kind: distractors are of the same kind
_ARTICLE_NO = re.compile(r"^第[一二三四五六七八九十百零〇两\d]+条\s*")
_ROW_META = ("序号", "行业", "专业", "类别", "依据", "易发生的事故类型")
HAZARD_FIELD, ACCIDENT_FIELD = "较大危险因素", "易发生的事故类型"
ACCIDENTS = ("物体打击", "车辆伤害", "机械伤害", "起重伤害", "触电", "淹溺", "灼烫", "火灾", "高处坠落", "坍塌", "冒顶片帮",
             "透水", "放炮", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸", "其他爆炸", "中毒和窒息", "其他伤害")  # GB 6441
ROW_LIST = "主要防范措施"  # the enumerated field of a manual row  # row fields that are labels or sources, not requirements
_CN = "一二三四五六七八九十"
_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
_CN_RUN = re.compile(r"[零〇一二两三四五六七八九十百千]+")
SAME_ANSWER = 2  # questions that may share one answer (the manual names 中毒和窒息 for most confined spaces)


@dataclass
class Question:
    """One quiz question; `answer` is verbatim in `citation["text"]` (for choice questions it is the right option)."""

    type: str
    question: str
    options: list[str]
    answer: str
    explanation: str
    citation: dict


@dataclass
class Quiz:
    topic: str
    questions: list[Question] = field(default_factory=list)

    def to_dict(self) -> dict:
        """The `angui quiz --json` contract."""
        return {"topic": self.topic, "questions": [asdict(q) for q in self.questions]}


def _value(sentence: str) -> tuple[str, str] | None:
    """The first amount, time limit or number with a digit or numeral in it (worth asking about), with its kind:
    the pattern and the unit after the number (distractors share both: 万元 with 万元, ％ with ％)."""
    for kind, rx in KINDS.items():
        for m in rx.finditer(sentence):
            if _DIGITS.search(m[0]) or any(ch in _CN for ch in m[0]):
                unit = nfkc(re.sub(rf"[\d.{_CN}万千百]+", "", m[0])).strip()
                return m[0], f"{kind}:{unit}"
    return None


def _pieces(text: str) -> list[str]:
    """Sentences, with a long enumerated passage (a row's （１）…（２）…) cut at its item numbers first."""
    return [s for part in items(text) for s in sentences(part)]


def _texts(unit: StoredUnit) -> str:
    """What value questions are made from: a provision's text, or a row's requirement fields."""
    if unit.meta["kind"] != "row":
        return unit.text
    return "\n".join(v for k, v in fields(unit.text).items() if k not in _ROW_META)





def _widen(digits: str, like: str) -> str:
    """Digits written as wide as those of `like` (full-width in the manual's text), so no option stands out."""
    return digits.translate(_FULL) if any("０" <= ch <= "９" for ch in like) else digits


def _changed(value: str, rng: random.Random) -> str:
    """The value with its number changed (Arabic or Chinese numerals), in the same width."""
    m = _DIGITS.search(value)
    if m:
        n = int(m[0])
        other = rng.choice([x for x in (n * 2, n + 1, max(1, n - 1), n * 3, n + 5, n * 10) if x != n])
        return value[: m.start()] + _widen(str(other), m[0]) + value[m.end():]
    for i, ch in enumerate(value):
        if ch in _CN:
            return value[:i] + rng.choice([c for c in _CN if c != ch]) + value[i + 1:]
    return value + "以上"


def _key(text: str) -> str:
    """What two sentences or options are compared by: no item numbers, NFKC, no spaces, Chinese numerals as digits
    (每半年组织一次 and 每半年组织1次 are the same value)."""
    return _CN_RUN.sub(lambda m: _as_digits(m[0]), compact(ITEM_MARK.sub("", text)))


def _as_digits(numeral: str) -> str:
    try:
        return str(cn_to_int(numeral))
    except ValueError:
        return numeral


def _distinct(options: list[str], candidates: list[str], count: int) -> list[str]:
    """`options` extended with candidates that are not near-duplicates of any option, up to `count` options."""
    out = list(options)
    for c in candidates:
        if len(out) == count:
            break
        if not near_duplicate(_grams(c), [_grams(o) for o in out]):
            out.append(c)
    return out


def _grams(text: str) -> set[str]:
    return bigrams(_key(text))


def _explanation(unit: StoredUnit, sentence: str) -> str:
    return f"《{unit.meta['title']}》{unit.meta['loc']}：{sentence}"


def _value_questions(unit: StoredUnit, sentence: str, value: str, pool: list[str], rng: random.Random) -> list[Question]:
    """A fill-in or a single-choice question on the value (never both: they would share a sentence)."""
    cite = citation_of(unit)
    stem = sentence.replace(value, BLANK, 1)
    if rng.random() < 0.5:
        return [Question(FILL, stem, [], value, _explanation(unit, sentence), cite)]
    distractors = [v for v in dict.fromkeys(pool) if _key(v) != _key(value) and v not in sentence]
    rng.shuffle(distractors)
    options = [value] + [d for d in distractors if _key(d) not in {_key(value)}][: OPTIONS - 1]
    for _ in range(20):
        if len(options) == OPTIONS:
            break
        changed = _changed(value, rng)
        if _key(changed) not in {_key(o) for o in options}:
            options.append(changed)
    rng.shuffle(options)
    return [Question(CHOICE, stem, options, value, _explanation(unit, sentence), cite)]


def _list_question(unit: StoredUnit, others: dict[str, list[str]], rng: random.Random) -> Question | None:
    """Which of these is on the provision's list? The right option is one of its items; the others come from other
    lists about the topic, those of the same document first."""
    text = unit.text
    points = [p for p in items(text) if MIN_SENTENCE <= len(p) <= MAX_SENTENCE and p in unit.text]
    lead = _ARTICLE_NO.sub("", text[: ITEM_MARK.search(text).start()].strip().split("\n")[-1])
    family = unit.meta["family"]
    wrong = [o for o in others.get(family, []) if o not in unit.text]
    rng.shuffle(wrong)
    rest = [o for f, opts in others.items() if f != family for o in opts if o not in unit.text]
    rng.shuffle(rest)
    wrong = list(dict.fromkeys(wrong + rest))
    if not points:
        return None
    answer = rng.choice(points)
    options = _distinct([answer], wrong, OPTIONS)
    if len(options) < OPTIONS:
        return None
    rng.shuffle(options)
    where = f"《{unit.meta['title']}》{unit.meta['base_loc']}"
    about = f"（{lead[:40]}）" if lead else ""
    return Question(CHOICE, f"依据{where}{about}，下列哪一项属于该处所列内容？", options, answer,
                    _explanation(unit, answer), citation_of(unit))


def _accident_question(unit: StoredUnit, kinds: list[str], rng: random.Random) -> Question | None:
    """A manual row: which accident does this hazard lead to? Distractors are other rows' accident types."""
    row = fields(unit.text)
    hazard, answer = row.get(HAZARD_FIELD, ""), row.get(ACCIDENT_FIELD, "")
    if answer not in ACCIDENTS or not hazard or len(hazard) > MAX_SENTENCE:  # one type: one right answer
        return None
    present = [k for k in dict.fromkeys(kinds) if k in ACCIDENTS and k != answer]  # the topic's other accidents first
    others = [k for k in ACCIDENTS if k != answer and k not in present]
    rng.shuffle(present)
    rng.shuffle(others)
    options = [answer] + (present + others)[: OPTIONS - 1]
    rng.shuffle(options)
    place = row.get("场所/环节/部位", "")
    return Question(CHOICE, f"依据《{unit.meta['title']}》{unit.meta['loc']}，{place}存在“{hazard}”时，易发生的事故类型是？",
                    options, answer, _explanation(unit, f"{ACCIDENT_FIELD}：{answer}"), citation_of(unit))


def build(retriever: Retriever, topic: str, n: int = 10, gate: Gate | None = None) -> Quiz:
    """Up to n questions about the topic, alternating value questions and list questions."""
    pool = gather(retriever, topic, gate=gate)
    rng = random.Random(SEED)
    quiz = Quiz(topic)
    candidates = [(u, s, v) for u in pool.units for s in _pieces(_texts(u))
                  if MIN_SENTENCE <= len(s) <= MAX_SENTENCE and s in u.text and (v := _value(s))
                  and (u.meta["kind"] == "row" or coverage(s + u.meta["path"], pool.terms) >= MIN_TOPIC)]
    values: dict[str, list[str]] = {}
    for _, _, (value, kind) in candidates:
        values.setdefault(kind, []).append(value)
    # list questions come from provisions only: the manual's rows for one topic list precautions that all hold,
    # so "which is on this row" would have several right answers
    lists = [u for u in pool.units if u.meta["kind"] != "row" and len(ITEM_MARK.findall(u.text)) >= 3
             and coverage(u.text[:120], pool.terms) >= MIN_TOPIC]
    list_items: dict[str, list[str]] = {}
    for u in lists:
        list_items.setdefault(u.meta["family"], []).extend(
            p for p in items(u.text) if MIN_SENTENCE <= len(p) <= MAX_SENTENCE)
    used: list[set[str]] = []  # character bigrams of the sentences asked about: no sentence (or its twin) twice

    def fresh(text: str) -> bool:
        grams = _grams(text)
        if near_duplicate(grams, used):
            return False
        used.append(grams)
        return True

    rows = [u for u in pool.units if u.meta["kind"] == "row" and fields(u.text).get(ACCIDENT_FIELD)]
    kinds = [fields(u.text)[ACCIDENT_FIELD] for u in rows]
    value_iter, list_iter, row_iter = iter(candidates), iter(lists), iter(rows)
    while len(quiz.questions) < n:
        made = False
        for unit, sentence, (value, kind) in value_iter:
            if not fresh(sentence.replace(value, BLANK)):
                continue
            quiz.questions += _value_questions(unit, sentence, value, values[kind], rng)
            made = True
            break
        for unit in row_iter:
            question = _accident_question(unit, kinds, rng) if len(quiz.questions) < n else None
            if question and sum(q.answer == question.answer for q in quiz.questions) < SAME_ANSWER \
                    and fresh(question.question):
                quiz.questions.append(question)
                made = True
                break
        for unit in list_iter:
            question = _list_question(unit, list_items, rng) if len(quiz.questions) < n else None
            if question and fresh(question.answer):
                quiz.questions.append(question)
                made = True
                break
        if not made:
            break
    for unit in rows:  # still short: the manual's accident questions again, now even with a repeated answer
        if len(quiz.questions) >= n:
            break
        question = _accident_question(unit, kinds, rng)
        if question and all(q.question != question.question for q in quiz.questions) and fresh(question.question):
            quiz.questions.append(question)
    quiz.questions = quiz.questions[:n]
    return quiz
