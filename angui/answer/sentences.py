"""Split unit text into quotable pieces and score them against a question."""

from __future__ import annotations

import re
from collections.abc import Callable

from angui.answer.features import HOW_Q, REQUIREMENT_FIELDS, ROW_DEADLINE, ROW_WHO
from angui.text import ITEM_MARK, compact

_SENT = re.compile(r"(?:[^。；;！？!?\n（(]|[（(][^）)\n]*[）)])+[。；;！？!?]?")  # never split inside brackets
_FIELD = re.compile(r"^([^：:\n]{1,12})[：:](.*)$")


def sentences(text: str) -> list[str]:
    """Sentences of a text, verbatim, split at 。；！？ and line ends."""
    return [s.strip() for s in _SENT.findall(text) if s.strip(" \t　")]


def fields(text: str) -> dict[str, str]:
    """`列名：值` lines of a row unit (multi-line values are joined to their field)."""
    out: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        m = _FIELD.match(line.strip())
        if m and not ITEM_MARK.match(line.strip()):
            last = m.group(1).strip()
            out[last] = m.group(2).strip()
        elif last and line.strip():
            out[last] += "\n" + line.strip()
    return out


FIELD_NAME_MAX = 12  # a longer "field name" is a sentence with a colon, not a column
FIELD_HEAD = 4  # trailing characters of a field name that a question uses for it (危险因素, 事故类型)
FIELD_VALUE_MIN = 6  # a shorter value (行业：机械行业, 类别：高炉本体) says where a row applies, not what it asks
OWN_RULE_FIELDS = frozenset(REQUIREMENT_FIELDS + ROW_WHO + ROW_DEADLINE)  # fields other rules answer from


def requirement(f: dict[str, str]) -> str | None:
    """A row's requirement field (主要防范措施, 自查标准项具体描述 …) among its fields, or None."""
    return next((f[k] for k in REQUIREMENT_FIELDS if f.get(k)), None)


def row_body(text: str, question: str = "", parsed: dict[str, str] | None = None) -> str:
    """What a row answers: the field the question names (有哪些较大危险因素 → 较大危险因素) unless it asks how,
    else its requirement field, not the fields that only say where it applies; other units whole. Who and
    deadline fields are left to their own span rules. `parsed`: the text's `fields`, when already read."""
    f = fields(text) if parsed is None else parsed
    q = compact(question)
    for name, value in f.items() if not HOW_Q.search(question) else ():
        key = compact(name)
        heads = {key, key[-FIELD_HEAD:]} if len(key) <= FIELD_NAME_MAX else {key}
        asked = any(len(h) > 1 and h in q for h in heads) and compact(value) not in q  # not 冶金行业 for 行业
        if len(value) >= FIELD_VALUE_MIN and key not in OWN_RULE_FIELDS and asked:
            return value
    return requirement(f) or text


def before_items(text: str) -> str:
    """The text before the first enumerated item (…应当包括下列内容：), stripped; empty when nothing is listed."""
    first = ITEM_MARK.search(text)
    return text[: first.start()].strip() if first else ""


def items(text: str) -> list[str]:
    """Enumerated items of a text — （一）, （１）, 1、 — or its lines, or its sentences."""
    parts = [p.strip(" ；;。\n") for p in ITEM_MARK.split(text) if p.strip(" ；;。\n")]
    if len(parts) >= 2:
        return parts[1:] if before_items(text).endswith(("：", ":")) else parts  # drop "…应当包括下列内容："
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines if len(lines) >= 2 else sentences(text)


NEAR_DUPLICATE = 0.8  # share of shared character bigrams above which two texts count as the same


def bigrams(text: str) -> set[str]:
    """The character bigrams of a text, as given (callers normalise first when they need to)."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


def overlap(a: set[str], b: set[str]) -> float:
    """Shared bigrams over the smaller set: 1.0 when one text is contained in the other."""
    return len(a & b) / max(1, min(len(a), len(b)))


def near_duplicate(grams: set[str], seen: list[set[str]], same: float = NEAR_DUPLICATE) -> bool:
    """Whether a text (its bigrams) is a near-duplicate of any already seen."""
    return any(overlap(grams, g) >= same for g in seen)


def coverage(piece: str, terms: dict[str, float]) -> float:
    """Share of the question's term weight found in a piece of text."""
    return covered(compact(piece), terms)


def covered(normed: str, terms: dict[str, float]) -> float:
    """`coverage` for text already passed through `compact`."""
    total = sum(terms.values()) or 1.0
    return sum(w for t, w in terms.items() if t in normed) / total


def best_sentences(text: str, terms: dict[str, float], n: int = 2, keep: Callable[[str], bool] | None = None) -> list[str]:
    """The n sentences of a text that cover most of the question's terms, in text order."""
    cands = [s for s in sentences(text) if not keep or keep(s)]
    if not cands:
        return []
    scored = sorted(((coverage(s, terms), -i, s) for i, s in enumerate(cands)), reverse=True)
    top = scored[0][0]
    chosen = [(-negi, s) for c, negi, s in scored[:n] if c >= max(top * 0.6, 1e-9)] or [(-scored[0][1], scored[0][2])]
    return [s for _, s in sorted(chosen)]
