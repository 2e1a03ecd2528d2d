"""Compose an extractive, cited answer from a retrieval: a typed `Answer`, no LLM involved."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace

from angui.answer import editions, spans
from angui.answer.features import AMOUNT, HOW_LONG, HOW_Q, NUMBER, asked_time, asked_unit
from angui.answer.gate import Gate
from angui.answer.intent import Intent
from angui.answer.model import CURRENT, Answer, Citation, Statement, provision_label
from angui.answer.retrieve import Hit, Retrieval, Retriever
from angui.answer.sentences import best_sentences, coverage, fields, items, requirement, row_body
from angui.lexical import tokenize
from angui.settings import DEFAULT_K
from angui.text import ITEM_MARK, compact

CHECK_Q = re.compile(r"检查|查什么|怎么查|如何查|排查|要点|哪些内容|要求|措施|怎么做|如何做|注意|防范|怎么办|怎样|查哪些|看什么")
LEAD_UNITS = 3  # top hits the lead may quote from
LEAD_SENTENCES = 2  # sentences quoted per unit in the lead
LEAD_LINES = 2  # units quoted in the lead at most
SECOND_SCORE = 0.8  # a second unit joins the lead at this share of the top score ...
SECOND_FIT = 0.5  # ... or when its sentences cover at least this share of the question's terms
POINT_UNITS, POINTS_PER_UNIT, MAX_POINTS, MIN_POINT = 4, 6, 10, 4
SINGLE_CHAR = 0.5  # weight of a one-character term when choosing sentences (清 of 清梳棉 matches 清除 anywhere)
ELLIPSIS = " …… "  # joins two sentences of one unit quoted in one lead line
CLAUSE_SPLIT = re.compile(r"[？?；;。!！]|，(?=[^，]{2,}[吗呢][？?]?$)")
ASKS = r"谁|哪|什么|啥|多少|多久|多长|几|吗|呢|怎么|如何|怎样|是否|能否|可否|要不要|能不能|可不可以"  # a clause that asks
# two questions in one: …多久？能延吗, and one typed without its last question mark (…归哪个部门接收？处理费用谁出)
COMPOUND_Q = re.compile(rf"[？?].+[？?吗呢]$|[？?][^？?]*(?:{ASKS})|[，,；;].{{2,}}[吗呢][？?]?$")
BARE_LOC = re.compile(r"^#*\s*第[零〇一二三四五六七八九十百千两\d]+条$")  # a heading line, not a requirement

NOT_FOUND = ("知识库中没有找到能回答这个问题的依据，不作回答。"
             "可以换个说法再问，例如写明文件名称、条款号或检查对象（如“有限空间作业检查哪些内容”“安全生产法第四十一条”）。")
EMPTY_QUESTION = "问题为空"


@dataclass
class Composer:
    """Turns a question into an `Answer` through the retriever and the gate."""

    retriever: Retriever
    gate: Gate

    def ask(self, question: str, k: int = DEFAULT_K) -> Answer:
        """Answer one question."""
        question = question.strip()
        if not question:
            return refusal(question, [EMPTY_QUESTION])
        retrieval = self.retriever.search(question, k)
        verdict = self.gate.judge(retrieval)
        signals = {"intent": retrieval.intent.name, "intent_confidence": retrieval.intent.confidence, **verdict.signals}
        answer = self._compose(retrieval, verdict.warnings) if verdict.found else refusal(question, verdict.warnings)
        answer.signals = signals
        return answer

    def _compose(self, retrieval: Retrieval, warnings: list[str]) -> Answer:
        hits, terms = retrieval.hits, retrieval.terms
        q = retrieval.question
        quotes: defaultdict[int, list[str]] = defaultdict(list)  # the lead may add a citation (edition changes)
        lead = self._lead(retrieval, quotes)
        hits, lead, quotes = _source_first(hits, lead, quotes)
        listed = any(spans.is_count(st) for st in lead)
        points = self._check_points(hits, terms, quotes) if CHECK_Q.search(q) and not listed else []
        stale = [f"[{i}] 出自{h.unit.meta['status']}文本，仅供对照" for i, h in enumerate(hits, 1)
                 if h.unit.meta["status"] != CURRENT]
        cites = [_citation(i, h, quotes[i] or best_sentences(h.unit.text, terms, 1)) for i, h in enumerate(hits)]
        return Answer(q, True, lead, points, cites, warnings + stale)

    def _lead(self, retrieval: Retrieval, quotes: dict[int, list[str]]) -> list[Statement]:
        """The direct answer: an exact article, the span the intent asks for, or the best sentences of the top units."""
        hits, terms, intent = retrieval.hits, retrieval.terms, retrieval.intent
        if hits[0].exact:  # an article by number, whole; 新旧对比 of it adds what changed
            changed = self._changes(hits, 0) if intent.name == "edition" else []
            return self._whole_provision(hits, quotes) + _quoted(changed, quotes)
        lead = self._edition_change(hits) if intent.name == "edition" else []
        compound = bool(COMPOUND_Q.search(retrieval.question))
        cands = self._candidates(hits, retrieval.question)
        lead = lead or self._span(intent, cands, retrieval.content, compound, retrieval.question)
        asks_how = intent.name == "howto" and bool(HOW_Q.search(retrieval.question))  # not a yes/no (要持证吗)
        measures = _row_measures(cands, retrieval.content) if not lead and asks_how else []
        if measures:  # then another unit's best sentences when they answer about as well
            lead = measures + self._best_sentences(hits, terms, retrieval.question)[1:]
        if not lead:
            lead = self._best_sentences(hits, terms, retrieval.question)
        if compound:
            last = _last_clause(retrieval.question)
            lead += spans.follow_up(lead, cands, _last_clause_terms(retrieval), self._asks(last))
        return _quoted(_label_once(lead), quotes)

    def _asks(self, clause: str) -> re.Pattern[str] | None:
        """What a question's clause asks a sentence to state, by its first cue: a counted time for 多少天/多久, a
        time, a number or a fine; None for other clauses (谁, 吗)."""
        intents = self.retriever.intents
        cue = next(iter(intents.cued(clause)), None) if intents and clause else None
        if cue == "deadline":
            return asked_time(clause)
        return {"number": NUMBER, "penalty": AMOUNT}.get(cue or "")

    def _edition_change(self, hits: list[Hit]) -> list[Statement]:
        """For "what changed" questions: the first top provision with a superseded edition that differs, then
        what differs."""
        for i, h in enumerate(hits[: spans.SPAN_UNITS]):
            changed = self._changes(hits, i)
            if changed:
                return [Statement(h.unit.text, i + 1, _where(h.unit.meta)), *changed]
        return []

    def _changes(self, hits: list[Hit], i: int) -> list[Statement]:
        """What differs between hit i and its superseded edition, headed by the edition compared ([] when it has
        none or they agree); the superseded unit is cited too, taking the last citation's place when it was not
        among the hits."""
        h = hits[i]
        old = self.retriever.superseded(h.unit)
        if old is None:
            return []
        j = next((n for n, o in enumerate(hits) if o.unit.id == old.id), None)
        if j is None:
            j = len(hits) - 1 if len(hits) > i + 1 else len(hits)
            hits[j:] = [Hit(old, score=h.score)]
        diff = editions.changes(h.unit.text, old.text, i + 1, j + 1)
        o = old.meta
        return [Statement(f"与{o['edition'] or '原文本'}（{o['status']}）相比："), *diff] if diff else []

    def _candidates(self, hits: list[Hit], question: str) -> list[spans.Candidate]:
        """The top units as span rules see them: whole provisions (split units joined), with short labels."""
        out = []
        for i, h in enumerate(hits[: spans.SPAN_UNITS]):
            parts = self.retriever.provision(h.unit)
            text = "\n".join(_strip_header(p.text) for p in parts) if len(parts) > 1 else h.unit.text
            m = h.unit.meta
            out.append(spans.Candidate(i, text, _where(m), m["family"], question, m["status"] == CURRENT))
        return out

    @staticmethod
    def _span(intent: Intent, cands: list[spans.Candidate], terms: dict[str, float], compound: bool,
              question: str = "") -> list[Statement]:
        """The lead an intent's span rule gives ([] when no top unit holds it)."""
        second = spans.SECOND_PIECE_COMPOUND if compound else spans.SECOND_PIECE
        if intent.name == "penalty":
            return spans.penalty(cands, terms)
        if intent.name == "deadline":
            return spans.deadline(cands, terms, want_who=intent.has("who"), second_share=second,
                                  counted=bool(HOW_LONG.search(question)))
        if intent.name == "who":
            listed = spans.listing(cands, terms) if intent.has("list") else []
            return listed or spans.who(cands, terms, want_deadline=intent.has("deadline"), second_share=second)
        if intent.name == "number":
            return spans.number(cands, terms, second, asked_unit(question))
        if intent.name == "definition":
            listed = spans.listing(cands, terms) if intent.has("list") else []
            return spans.definition(cands, terms, second) + listed
        if intent.name == "list":
            return spans.listing(cands, terms, spans.asked_noun(question))
        return []

    def _best_sentences(self, hits: list[Hit], terms: dict[str, float], question: str = "") -> list[Statement]:
        """The best sentences of the top unit, and of a second one that answers about as well."""
        terms = {t: w * (SINGLE_CHAR if len(t) == 1 else 1.0) for t, w in terms.items()}
        bodies = [row_body(h.unit.text, question) for h in hits[:LEAD_UNITS]]
        picks = [_with_intro(b, best_sentences(b, terms, LEAD_SENTENCES)) for b in bodies]
        fit = [max((coverage(x, terms) for x in p), default=0.0) for p in picks]
        out: list[Statement] = []
        for i, picked in enumerate(picks):
            close = hits[i].score >= SECOND_SCORE * hits[0].score or fit[i] >= max(SECOND_FIT, fit[0])
            if i == 0 or (len(out) < LEAD_LINES and close):
                m = hits[i].unit.meta
                out.append(Statement(ELLIPSIS.join(picked), i + 1, _where(m)))
        return out

    @staticmethod
    def _whole_provision(hits: list[Hit], quotes: dict[int, list[str]]) -> list[Statement]:
        """An article asked for by number, quoted whole: every part of a split unit, in order."""
        first = hits[0].unit.meta
        out = [Statement(provision_label(first["title"], first["edition"], first["base_loc"], first["status"]) + "：")]
        for i, h in enumerate(hits):
            m = h.unit.meta
            if not h.exact or m["fingerprint"] != first["fingerprint"] or m["base_loc"] != first["base_loc"]:
                break
            body = h.unit.text if i == 0 else _strip_header(h.unit.text)
            quotes[i].append(body)
            out.append(Statement(body, i + 1))
        return out

    def _check_points(self, hits: list[Hit], terms: dict[str, float], quotes: dict[int, list[str]]) -> list[Statement]:
        """Enumerated requirements of the top units, each with its citation number."""
        points: list[Statement] = []
        seen: set[str] = set()
        for i, h in enumerate(hits[:POINT_UNITS]):
            body = requirement(fields(h.unit.text))
            for it in items(body or _strip_header(h.unit.text))[:POINTS_PER_UNIT]:
                key = compact(it)
                if (len(key) < MIN_POINT or key in seen or "\t" in it or BARE_LOC.match(it)
                        or it in (h.unit.meta["title"], h.unit.meta["heading"])):
                    continue
                seen.add(key)
                quotes[i].append(it)
                points.append(Statement(it, i + 1))
            if len(points) >= MAX_POINTS:
                break
        return points


def _with_intro(text: str, picked: list[str]) -> list[str]:
    """Quoted sentences, with the lead-in of its own list before the first one that is a listed item
    (“有下列情形之一的，应急预案应当及时修订：” before “（二）应急指挥机构……调整的”)."""
    at = next((i for i, p in enumerate(picked) if ITEM_MARK.match(p)), None)
    if at is None or picked[at] not in text:
        return picked
    lines = [ln.strip() for ln in text[: text.find(picked[at])].splitlines() if ln.strip()]
    intro = next((ln for ln in reversed(lines) if not ITEM_MARK.match(ln)), "")  # earlier items skipped
    for p in picked:
        if p in intro:  # the lead-in line also holds a sentence already quoted: keep what follows it
            intro = intro[intro.find(p) + len(p):].strip()
    if not intro.endswith(("：", ":")) or any(intro in p for p in picked):
        return picked
    return picked[:at] + [intro] + picked[at:]


def _row_measures(cands: list[spans.Candidate], terms: dict[str, float]) -> list[Statement]:
    """Every measure of a checklist or hazard row that tops the hits, with the count ([] for other units)."""
    return spans.listing(cands[:1], terms) if cands and cands[0].is_row and cands[0].enumeration else []


def _source_first(hits: list[Hit], lead: list[Statement], quotes: defaultdict[int, list[str]]
                  ) -> tuple[list[Hit], list[Statement], defaultdict[int, list[str]]]:
    """Renumber the citations so that the unit the answer opens with is [1] (a span rule may answer from a lower
    hit); a superseded unit is never moved up, and the rest keep their order."""
    first = next((st.cite for st in lead if st.cite), None)
    if not first or first == 1 or hits[0].exact or hits[first - 1].unit.meta["status"] != CURRENT:
        return hits, lead, quotes
    order = [first - 1] + [i for i in range(len(hits)) if i != first - 1]
    new = {old: n for n, old in enumerate(order)}
    moved = defaultdict(list, {new[i]: q for i, q in quotes.items()})
    renumbered = [replace(st, cite=new[st.cite - 1] + 1) if st.cite else st for st in lead]
    return [hits[i] for i in order], renumbered, moved


def _quoted(lead: list[Statement], quotes: dict[int, list[str]]) -> list[Statement]:
    """The lead, after recording the verbatim pieces each of its lines quotes from its cited unit."""
    for st in lead:
        if st.cite is not None:
            quotes[st.cite - 1] += st.text.split(ELLIPSIS)
    return lead


def _label_once(lead: list[Statement]) -> list[Statement]:
    """Drop the provision label of a line that continues the previous line's unit."""
    out: list[Statement] = []
    for st in lead:
        same = out and out[-1].cite == st.cite and st.cite is not None
        out.append(replace(st, where="") if same else st)
    return out


def _last_clause(question: str) -> str:
    """The question's last clause when it has more than one (…向哪一级申请？多少天能批下来 → 多少天能批下来), else ""."""
    clauses = [c for c in CLAUSE_SPLIT.split(question) if c.strip()]
    return clauses[-1] if len(clauses) > 1 else ""


def _last_clause_terms(retrieval: Retrieval) -> dict[str, float]:
    """The terms of the question's last clause (…要提前通知吗), its cue words included: what a follow-up sentence
    must cover."""
    last = set(tokenize(_last_clause(retrieval.question)))
    return {t: w for t, w in retrieval.terms.items() if t in last}  # cue words too: 要提前通知吗


def _where(meta: dict) -> str:
    """《title》loc of a unit, with 【已修订】/【已废止】 when the text is not current: where a lead statement stands."""
    return f"《{meta['title']}》{meta['base_loc']}" + ("" if meta["status"] == CURRENT else f"【{meta['status']}】")


def refusal(question: str, warnings: list[str]) -> Answer:
    """The answer when nothing in the knowledge base supports one."""
    return Answer(question, False, [Statement(NOT_FOUND)], warnings=list(warnings))


def _strip_header(text: str) -> str:
    """Drop the `（续）` header line of a split unit's later parts."""
    lines = text.splitlines()
    return "\n".join(lines[1:]) if lines and lines[0].endswith("（续）") else text


def _citation(i: int, hit: Hit, quote: list[str]) -> Citation:
    m = hit.unit.meta
    return Citation(
        n=i + 1, doc=m["title"], edition=m["edition"], status=m["status"], loc=m["loc"], text=hit.unit.text,
        quote="\n".join(dict.fromkeys(quote)), source=m["source"],
        page=m["page"] if m.get("page", -1) >= 0 else None, score=round(float(hit.score), 4), id=hit.unit.id,
    )
