"""What a question asks for — list, penalty, deadline, number, who, source, definition, howto, edition — by cues
and by the nearest labelled examples in embedding space, with a confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from angui.embeddings import Embedder, EmbeddingCache, embed_queries
from angui.prompts import load as load_prompts
from angui.text import nfkc

INTENTS_FILE = "intents.toml"
GENERAL = "general"  # no cue and no confident neighbour: best sentences of the top units
NEIGHBOURS = 5  # labelled examples that vote on a question without a cue
MIN_VOTE = 0.5  # share of the neighbours' vote the winning intent needs
QUERY_KEY = "intent: "  # cache-key prefix of the examples' query vectors


@dataclass(frozen=True)
class Intent:
    """The primary intent, every intent whose cue fired (facets), and how sure the decision is."""

    name: str
    confidence: float
    facets: frozenset[str] = frozenset()

    def has(self, name: str) -> bool:
        """Whether the question asks for `name`, as its primary intent or as a facet."""
        return self.name == name or name in self.facets


class IntentClassifier:
    """Cue patterns (the earliest in the question wins), then a vote of the nearest example questions."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache, data: dict | None = None) -> None:
        data = data or load_prompts(INTENTS_FILE)
        self.cues = {name: re.compile(pattern) for name, pattern in data["cues"].items()}
        pairs = [(name, q) for name, qs in data["examples"].items() for q in qs]
        self._labels = [name for name, _ in pairs]
        self._examples = embed_queries(embedder, cache, [q for _, q in pairs], QUERY_KEY)

    def cued(self, question: str) -> list[str]:
        """Intents whose cue occurs in the question: the earliest cue first, ties in the order listed."""
        q = nfkc(question)
        found = [(m.start(), rank, name) for rank, (name, rx) in enumerate(self.cues.items()) if (m := rx.search(q))]
        return [name for _, _, name in sorted(found)]

    def classify(self, question: str, query_vector: np.ndarray) -> Intent:
        """The intent of a question whose query embedding is `query_vector`."""
        cued = self.cued(question)
        sims = self._examples @ query_vector
        top = np.argsort(-sims)[:NEIGHBOURS]
        votes: dict[str, float] = {}
        for i in top:
            votes[self._labels[i]] = votes.get(self._labels[i], 0.0) + float(max(sims[i], 0.0))
        total = sum(votes.values()) or 1.0
        if cued:
            return Intent(cued[0], round(0.5 + 0.5 * votes.get(cued[0], 0.0) / total, 3), frozenset(cued))
        name, vote = max(votes.items(), key=lambda kv: kv[1]) if votes else (GENERAL, 0.0)
        share = vote / total
        return Intent(name if share >= MIN_VOTE else GENERAL, round(share, 3))
