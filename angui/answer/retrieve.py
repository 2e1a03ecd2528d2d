"""Hybrid retrieval: exact references first, then dense + BM25 fused by reciprocal rank, editions ordered."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from angui.answer.features import states
from angui.answer.intent import GENERAL, Intent, IntentClassifier
from angui.answer.refs import find_references, mentioned_families
from angui.answer.sentences import covered
from angui.kb import KnowledgeBase
from angui.lexical import tokenize
from angui.prompts import load as load_prompts
from angui.schema import base_loc, unit_id
from angui.settings import DEFAULT_K
from angui.store import StoredUnit
from angui.text import compact

STATUS_RANK = {"现行": 0, "已修订": 1, "已废止": 2}
RRF_K = 60  # reciprocal rank fusion constant (Cormack, Clarke & Büttcher, SIGIR 2009)
POOL = 30  # candidates taken from each of dense and lexical search
RRF_WEIGHT = 0.5  # final score = RRF_WEIGHT * fused rank score (scaled to 1) + COVERAGE_WEIGHT * term coverage
COVERAGE_WEIGHT = 0.5
SHORT_UNIT = 120  # characters below which a unit's term coverage counts proportionally less
RERANKED = 15  # at least this many fused candidates are reranked (3 × k when k is larger)
PER_DOC = 3  # citations one document (all its editions together) may hold
NEAR_DUPLICATE = 0.8  # share of shared character bigrams above which two units count as the same text
EXACT_NAMED, EXACT_UNNAMED = 6, 3  # units kept for a numbered reference with / without a named document
NORM_CACHE_MAX = 50_000
FAMILY_BOOST = 0.3  # share added to units of a document the question names (按安法怎么罚)
INTENT_BOOST = 0.15  # share added to the score of a unit that states what the question asks for (a time, a fine…)
_PART = re.compile(r"\((\d+)/\d+\)$")


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


def formalise(question: str) -> str:
    """The question plus the formal terms for colloquial words in it (老板 → 主要负责人), for lexical search."""
    synonyms: dict[str, list[str]] = load_prompts("synonyms.toml")["terms"]
    extra = [t for word, terms in synonyms.items() if word in question for t in terms]
    return " ".join([question, *dict.fromkeys(extra)])


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)}


def diversify(hits: list[Hit], k: int, per_doc: int = PER_DOC, same: float = NEAR_DUPLICATE) -> list[Hit]:
    """Top k without near-duplicate texts and with at most `per_doc` units of one document (all editions together).

    Exact references are never dropped; skipped hits fill any room left.
    """
    chosen: list[Hit] = []
    grams: list[set[str]] = []
    per: dict[str, int] = {}
    rest: list[Hit] = []
    for h in hits:
        g = _bigrams(h.unit.text[:300])
        doc = h.unit.meta["family"] or h.unit.meta["fingerprint"]
        dup = any(len(g & o) / max(1, min(len(g), len(o))) >= same for o in grams)
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
        self.docs = self.kb.store.documents()
        self.live = sorted(m["fingerprint"] for m in self.docs.values())
        self._live_set = set(self.live)
        self._norm_cache: dict[str, str] = {}
        self.families = sorted({m["family"] for m in self.docs.values()})
        self.lexical = self.kb.lexical(self.live)
        self._current = {}
        for m in sorted(self.docs.values(), key=lambda m: -STATUS_RANK.get(m["status"], 3)):
            self._current[m["family"]] = m  # the best-status edition wins

    def search(self, question: str, k: int = DEFAULT_K) -> Retrieval:
        """Top-k hits for a question."""
        qvec = self.kb.embedder.embed_query(question)
        intent = self.intents.classify(question, qvec) if self.intents else Intent(GENERAL, 0.0)
        dense = self.kb.store.query(qvec, self.pool, self._live_set)
        tokens = tokenize(formalise(question))
        terms = {t: self.lexical.idf(t) for t in dict.fromkeys(tokens)}  # unknown terms weigh like the rarest
        lexical = self.lexical.search_tokens(tokens, self.pool)
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
        for uid, hit in fused.items():
            hit.unit = units.get(uid)  # type: ignore[assignment]
            if hit.unit is not None:
                substance = min(1.0, len(hit.unit.text) / SHORT_UNIT)  # a bare title matches words, says little
                hit.score = (RRF_WEIGHT * hit.score / top_rrf
                             + COVERAGE_WEIGHT * covered(self._normed(hit.unit), terms) * substance)
                if states(intent.name, hit.unit.text):
                    hit.score *= 1 + INTENT_BOOST
                if hit.unit.meta["family"] in named:
                    hit.score *= 1 + FAMILY_BOOST
        ranked = sorted((h for h in fused.values() if h.unit is not None), key=lambda h: -h.score)
        hits = ranked[: max(k * 3, RERANKED)]
        order = {h.unit.id: i for i, h in enumerate(hits)}
        exact = self._exact(question, order)
        seen = {h.unit.id for h in exact}
        hits = exact + [h for h in hits if h.unit.id not in seen]
        hits = self._prefer_current(hits)
        cues = self.intents.cues.values() if self.intents else ()
        content = {t: w for t, w in terms.items() if not any(rx.fullmatch(t) for rx in cues)} or terms
        return Retrieval(question, diversify(hits, k), qvec, terms, dense_top=dense[0][1] if dense else 0.0,
                         intent=intent, content=content)

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

    def _exact(self, question: str, order: dict[str, int]) -> list[Hit]:
        """Units named by number in the question, current edition first."""
        out: list[Hit] = []
        for ref in find_references(question, self.families):
            docs = [m for m in self.docs.values() if not ref.families or m["family"] in ref.families]
            if not docs:
                continue
            units = self.kb.store.units_at([m["fingerprint"] for m in docs], ref.loc)
            named = bool(ref.families)
            units.sort(key=lambda u: (not named and u.id not in order, STATUS_RANK.get(u.meta["status"], 3),
                                      order.get(u.id, 10**6), u.meta["loc"]))
            out += [Hit(u, score=1.0, exact=True) for u in units[: EXACT_NAMED if named else EXACT_UNNAMED]]
        return out

    def _twin_id(self, meta: dict) -> str | None:
        """Id of the same provision in the current edition, for a superseded unit."""
        current = self._current.get(meta["family"])
        if meta["status"] == "现行" or not current or current["fingerprint"] == meta["fingerprint"]:
            return None
        return unit_id(current["fingerprint"], meta["loc"])

    def _prefer_current(self, hits: list[Hit]) -> list[Hit]:
        """Put the current edition's same provision (fetched if missing) above each superseded unit."""
        ids = {h.unit.id for h in hits}
        missing = [t for h in hits if (t := self._twin_id(h.unit.meta)) and t not in ids]
        twins = {u.id: u for u in self.kb.store.get(missing)} if missing else {}
        result: list[Hit] = []
        for hit in hits:
            twin = self._twin_id(hit.unit.meta)
            if twin in twins:
                result.append(Hit(twins.pop(twin), score=hit.score, exact=hit.exact))
            result.append(hit)
        pos = {h.unit.id: i for i, h in enumerate(result)}
        key = [max(i, pos.get(self._twin_id(h.unit.meta) or "", -1) + 0.5) for i, h in enumerate(result)]
        return [h for _, h in sorted(zip(key, result), key=lambda kh: kh[0])]
