"""Bounded in-memory cache of recent answers, so that inline buttons carry only a short random key."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

from angui.answer.model import Answer

CACHE_SIZE = 2000
KEY_BYTES = 6  # 8 URL-safe characters, short enough for callback_data


@dataclass
class CachedAnswer:
    """One answer as sent, the votes given on it (user id -> vote), how often each user changed a vote,
    and who has been sent its full text."""

    answer: Answer
    votes: dict[int, str] = field(default_factory=dict)
    vote_changes: dict[int, int] = field(default_factory=dict)
    sources_sent: set[int] = field(default_factory=set)


class AnswerCache:
    """Least-recently-used cache of at most `size` answers."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[str, CachedAnswer] = OrderedDict()

    def put(self, answer: CachedAnswer) -> str:
        """Keep an answer; returns its key (random, so keys from before a restart never match)."""
        key = secrets.token_urlsafe(KEY_BYTES)
        self._items[key] = answer
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> CachedAnswer | None:
        """The answer for a key, or None when it has expired."""
        answer = self._items.get(key)
        if answer is not None:
            self._items.move_to_end(key)
        return answer
