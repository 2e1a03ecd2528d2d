"""Phrases of a question: adjacent word pairs (较大+事故, 不+维修) that a unit holding the asked provision tends to
contain verbatim, where a unit that merely shares the words does not."""

from __future__ import annotations

from collections.abc import Callable

from angui.lexical import STOPWORDS, keep_token, words
from angui.text import compact

MIN_PHRASE = 3  # characters a joined pair needs to count (two single characters say little)


def phrases(question: str, idf: Callable[[str], float]) -> dict[str, float]:
    """Adjacent kept-word pairs of a question, joined, each weighted by the idf of its two words."""
    ws = words(question)
    out: dict[str, float] = {}
    for a, b in zip(ws, ws[1:]):
        if not (keep_token(a) and keep_token(b)) or a in STOPWORDS or b in STOPWORDS:
            continue
        phrase = compact(a + b)
        if len(phrase) >= MIN_PHRASE:
            out[phrase] = max(out.get(phrase, 0.0), idf(a) + idf(b))
    return out
