"""BM25 over jieba tokens of NFKC-normalised text; the tokens are stored with the units, postings built in memory."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable

import jieba

from angui.text import fold, in_order

jieba.setLogLevel(logging.WARNING)

LEXICAL_VERSION = 2  # bump when what is tokenized changes, so stored tokens are redone
_KEEP = re.compile(r"[\w\u4e00-\u9fff]")
STOPWORDS = frozenset(
    "的 了 和 与 及 或 是 在 对 为 有 要 把 被 将 等 中 其 之 于 以 由 从 哪些 什么 怎么 怎样 如何 哪 吗 呢 吧 啊 "
    "哪个 哪几 几 多少 是否 应当 应该 需要 进行 一下 这个 那个 我们 你们 他们 请问 请 一 个 "
    "哪天 何时 时候 什么时候 哪里 多久 为什么 怎么办 会 能 可以 吗 么 啥 咋 哪些 有没有 没有 得 地 着 过 "
    "给 让 向 跟 还 又 就 都 也 才 再 最 很 更 呀 嘛 啦 吧 我 你 他 她 它".split()
)
_HAN = re.compile(r"[\u4e00-\u9fff]+")
# an abbreviation (定检, 可研, 社保) keeps, in order, characters of the word it stands for, the first one first;
# the word is 2 to 3 times as long (定期检验, 可行性研究); a negation + verb (不改, 没报) is a phrase, not an abbreviation
ABBREVIATION_LENGTHS = (2, 4)
NEGATIONS = frozenset("不没未无非")


def keep_token(token: str) -> bool:
    """Whether a jieba token is a word (not punctuation or space)."""
    return bool(_KEEP.search(token))


def words(text: str) -> list[str]:
    """Plain jieba words of normalised text, in order, punctuation included (for phrases, not for search)."""
    return list(jieba.cut(fold(text)))


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens of normalised text, without punctuation and stop words."""
    return [t for t in jieba.cut_for_search(fold(text)) if keep_token(t) and t not in STOPWORDS]


def encode_tokens(tokens: list[str]) -> str:
    """Tokens as stored with a unit: JSON with the tokenizer version (data only, nothing that can run)."""
    return json.dumps({"v": LEXICAL_VERSION, "t": tokens}, ensure_ascii=False)


def decode_tokens(stored: str | None) -> list[str] | None:
    """Stored tokens, or None when absent, malformed or from another tokenizer version (then re-tokenize)."""
    try:
        data = json.loads(stored) if stored else None
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != LEXICAL_VERSION or not isinstance(data.get("t"), list):
        return None
    tokens = data["t"]
    return tokens if all(isinstance(t, str) for t in tokens) else None


class BM25Index:
    """An inverted-index BM25 (Okapi) over unit ids; fast enough for 100k units."""

    def __init__(self, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.ids: list[str] = []
        self.tokens: dict[str, list[str]] = {}
        self.signature = ""
        self._postings: dict[str, list[tuple[int, int]]] = {}
        self._by_first: dict[str, list[str]] | None = None
        self._lengths: list[int] = []
        self._avg = 1.0

    def build(self, items: Iterable[tuple[str, list[str]]], signature: str) -> None:
        """Index (id, tokens) pairs."""
        self.tokens = dict(items)
        self.ids = list(self.tokens)
        self.signature = signature
        self._index()

    def _index(self) -> None:
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._lengths = []
        for n, i in enumerate(self.ids):
            toks = self.tokens[i]
            self._lengths.append(len(toks))
            for tok, tf in Counter(toks).items():
                postings[tok].append((n, tf))
        self._postings = dict(postings)
        self._by_first = None
        self._avg = (sum(self._lengths) / len(self._lengths)) if self._lengths else 1.0

    def idf(self, token: str) -> float:
        """Okapi idf with the usual +1 floor so common terms never score negative."""
        df = len(self._postings.get(token, ()))
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def known(self, token: str) -> bool:
        """Whether any indexed unit holds the token."""
        return token in self._postings

    def expansions(self, token: str) -> list[str]:
        """Indexed words an unknown abbreviation may stand for (定检 → 定期检验, 定期检查), most frequent first."""
        low, high = ABBREVIATION_LENGTHS
        if not (low <= len(token) <= high and _HAN.fullmatch(token)) or token[0] in NEGATIONS or self.known(token):
            return []
        if self._by_first is None:
            self._by_first = defaultdict(list)
            for word in self._postings:
                if len(word) >= low + 2 and _HAN.fullmatch(word):
                    self._by_first[word[0]].append(word)
        found = [w for w in self._by_first.get(token[0], ())
                 if len(token) + 2 <= len(w) <= 3 * len(token) and in_order(token[1:], w[1:])]
        return sorted(found, key=lambda w: (-len(self._postings[w]), w))

    def search(self, query: str, k: int = 20) -> list[tuple[str, float]]:
        """Top-k (id, score) for a query."""
        return self.search_tokens(tokenize(query), k)

    def search_tokens(self, tokens: Iterable[str], k: int = 20) -> list[tuple[str, float]]:
        """Top-k (id, score) for already tokenized query terms."""
        scores: dict[int, float] = defaultdict(float)
        for tok in dict.fromkeys(tokens):  # first-seen order: the same sums and ties in every process
            plist = self._postings.get(tok)
            if not plist:
                continue
            idf = self.idf(tok)
            for n, tf in plist:
                norm = self.k1 * (1 - self.b + self.b * self._lengths[n] / self._avg)
                scores[n] += idf * tf * (self.k1 + 1) / (tf + norm)
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [(self.ids[n], s) for n, s in best]


def signature(fingerprints: Iterable[str]) -> str:
    """Identity of a set of live document versions."""
    return hashlib.sha256("\n".join(sorted(fingerprints)).encode()).hexdigest()[:16]
