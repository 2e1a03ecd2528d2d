"""Per-user sliding-window rate limit (questions per minute by default)."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Hashable


class RateLimiter:
    """At most `limit` events per `window` seconds for each key; the clock is injectable for tests."""

    def __init__(self, limit: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[Hashable, deque[float]] = defaultdict(deque)

    def acquire(self, key: Hashable) -> float:
        """Record one event for `key`: 0.0 when allowed, else the seconds until the next one would be."""
        now = self.clock()
        events = self._events[key]
        while events and events[0] <= now - self.window:
            events.popleft()
        if len(events) >= self.limit:
            return events[0] + self.window - now
        events.append(now)
        return 0.0
