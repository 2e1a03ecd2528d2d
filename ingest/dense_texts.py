"""What dense vectors cover of a unit: its own text (heading and first N characters) and windows over the rest."""

from __future__ import annotations

import re

from angui.schema import Unit

WINDOW_HEAD = 20  # heading characters repeated in front of each later window
MIN_WINDOW = 20  # a shorter tail is left to lexical search
WINDOWS_SALT = "win1"  # part of each file's fingerprint: changing how windows are cut re-embeds
_SERIAL = re.compile(r"^(序号|编号)[：:]\s*\S*\n", re.M)
_LABEL = re.compile(r"^[^：:\n]{1,12}[：:]", re.M)


def _dense_text(unit: Unit) -> tuple[str, str]:
    """The heading to repeat and the text dense vectors cover (rows give values without labels)."""
    text = _SERIAL.sub("", unit.text)
    if unit.kind == "row":
        text = _LABEL.sub("", text)
    head = unit.heading if unit.heading and unit.heading not in text[:80] else ""
    return head, f"{head}\n{text}".strip()


def embed_text(unit: Unit, limit: int) -> str:
    """What the unit's own vector covers: heading and the first `limit` characters."""
    return _dense_text(unit)[1][:limit]


def window_texts(unit: Unit, limit: int) -> list[str]:
    """Later stretches of a long unit, `limit` characters each with the heading in front, so that dense search
    sees the whole text (the best window stands for the unit)."""
    head, full = _dense_text(unit)
    prefix = f"{head[:WINDOW_HEAD]}\n" if head else ""
    return [prefix + full[i : i + limit] for i in range(limit, len(full), limit) if len(full[i : i + limit]) >= MIN_WINDOW]


def unit_texts(units: list[Unit], limit: int) -> tuple[list[str], list[tuple[int, str]]]:
    """Every text embedded for a document's units: their own texts, and (unit index, window text) pairs."""
    return [embed_text(u, limit) for u in units], [(i, w) for i, u in enumerate(units) for w in window_texts(u, limit)]


def embedding_salt(settings) -> str:
    """The embedding settings that shape stored vectors: part of each file's fingerprint and of shipped vectors."""
    return f"embed{settings.embed_max_chars}:{WINDOWS_SALT}"
