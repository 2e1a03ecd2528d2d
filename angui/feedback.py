"""Answer feedback (👍/👎) from every channel, appended as JSON lines under the index dir; users are stored hashed."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from angui.answer.model import Citation

FEEDBACK_FILE = "feedback.jsonl"  # one file of votes per index, shared by every channel


def hash_user(user_id: int | str, key: bytes) -> str:
    """Keyed SHA-256 (HMAC) of the user id (a Telegram id, a web channel's token): votes group per user, and the id
    cannot be found by trying ids."""
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()


def load_key(path: Path) -> bytes:
    """The secret hashing key kept beside the feedback file, created on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


class FeedbackStore:
    """Append-only JSONL file: one record per vote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.key = load_key(path.with_suffix(".key"))
        self._lock = threading.Lock()

    def record(self, question: str, citations: Sequence[Citation | dict], user_id: int | str, vote: str,
               channel: str = "telegram") -> dict:
        """Store one vote ("up" or "down") on an answer (its citations as objects or {"doc", "loc"} dicts)."""
        row = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": question,
            "citations": [{"doc": c["doc"], "loc": c["loc"]} if isinstance(c, dict) else {"doc": c.doc, "loc": c.loc}
                          for c in citations],
            "channel": channel,
            "user": hash_user(user_id, self.key),
            "vote": vote,
        }
        line = json.dumps(row, ensure_ascii=False) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(line)
        return row
