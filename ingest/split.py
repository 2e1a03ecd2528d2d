"""Split over-long units into parts that stand alone, cutting at paragraph, then sentence, then clause breaks."""

from __future__ import annotations

import re
from dataclasses import replace

from angui.schema import Unit

# Cut points by preference; each keeps its delimiter at the end of the left piece.
_LEVELS = (re.compile(r"(?<=\n)"), re.compile(r"(?<=[。；;！？!?])"), re.compile(r"(?<=[，,、：:])"))


def split_long(units: list[Unit], limit: int = 600) -> list[Unit]:
    """Replace every unit whose text exceeds `limit` chars by parts "loc(i/n)" of at most `limit` chars.

    Parts after the first open with a header line "loc heading（续）"; the bodies together hold the original text.
    """
    out: list[Unit] = []
    for unit in units:
        if len(unit.text) <= limit:
            out.append(unit)
            continue
        header = unit.loc + (f" {unit.heading[:40]}" if unit.heading else "") + "（续）"
        bodies = _pack(unit.text, limit, max(limit - len(header) - 1, limit // 2))
        n = len(bodies)
        for i, body in enumerate(bodies, 1):
            text = body if i == 1 else f"{header}\n{body}"
            out.append(replace(unit, loc=f"{unit.loc}({i}/{n})", text=text, path=list(unit.path)))
    return out


def _pack(text: str, first: int, rest: int) -> list[str]:
    """Greedily fill parts (the first up to `first` chars, later ones up to `rest`) with whole pieces."""
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, rest):
        if current and len(current) + len(piece) > (rest if parts else first):
            parts.append(current)
            current = ""
        current += piece
    parts.append(current)
    # A cut at a line break drops that one newline; everything else stays in its part.
    return [p[:-1] if p.endswith("\n") else p for p in parts]


def _pieces(text: str, size: int, level: int = 0) -> list[str]:
    """Cut `text` into pieces of at most `size` chars at the most preferred break that suffices."""
    if len(text) <= size:
        return [text]
    if level == len(_LEVELS):
        return [text[i : i + size] for i in range(0, len(text), size)]
    out: list[str] = []
    for piece in _LEVELS[level].split(text):
        if piece:
            out.extend(_pieces(piece, size, level + 1))
    return out
