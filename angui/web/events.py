"""Server-sent events as the API writes them: `event: NAME` and one line of JSON data."""

from __future__ import annotations

import json

SSE = "text/event-stream"


def event(name: str, data: dict) -> str:
    """One server-sent event."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
