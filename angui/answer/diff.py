"""Article-by-article comparison of two editions of one document (the current one and the one it replaced)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher

from angui.answer.model import CURRENT
from angui.store import Store, StoredUnit
from angui.text import compact, names_document, nfkc

SAME_ARTICLE = 0.5  # an article keeps its number when its two texts are at least this similar
MOVED_ARTICLE = 0.6  # else it is looked for under another number at this similarity
ADDED, REMOVED, CHANGED = "新增", "删去", "修改"


@dataclass
class Edition:
    """One edition of the document: registry record and its provisions (parts joined) in reading order."""

    meta: dict
    articles: dict[str, str]
    units: dict[str, StoredUnit]


@dataclass
class Change:
    """One provision that differs: kind, its loc in each edition, both texts, and the text with words marked
    (`[-删去的-]`, `{+新增的+}`)."""

    kind: str
    old_loc: str
    new_loc: str
    old_text: str
    new_text: str
    marked: str


@dataclass
class EditionDiff:
    """What the current edition changed against the superseded one."""

    title: str
    current: dict
    old: dict
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def to_dict(self) -> dict:
        """The comparison as JSON: both editions' records, counts per kind, and every change."""
        return {"title": self.title, "current": self.current, "old": self.old, "unchanged": self.unchanged,
                "counts": {kind: len(self.of_kind(kind)) for kind in (CHANGED, ADDED, REMOVED)},
                "changes": [asdict(c) for c in self.changes]}


class DiffError(Exception):
    """The document cannot be compared (not found, or one edition only); the message says why."""


def _edition(store: Store, meta: dict) -> Edition:
    units = store.units_of(meta["fingerprint"])  # not every live unit, decoded, to keep one document's
    articles: dict[str, str] = {}
    first: dict[str, StoredUnit] = {}
    for u in units:
        base = u.meta["base_loc"]
        if base.startswith("第") and base.endswith("条"):
            articles[base] = f"{articles[base]}\n{u.text}" if base in articles else u.text
            first.setdefault(base, u)
    return Edition(meta, articles, first)


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(a=compact(a), b=compact(b), autojunk=False).ratio()


def mark_words(old: str, new: str) -> str:
    """The new text with what was removed as [-…-] and what was added as {+…+}. Compared in NFKC form with runs
    of white space as one space (full-width brackets and line breaks differ between the sources' layouts);
    shown in the texts' own characters."""
    old, new = (re.sub(r"\s+", " ", t).strip() for t in (old, new))
    a, b = nfkc(old), nfkc(new)
    if len(a) != len(old) or len(b) != len(new):  # NFKC changed the length: show the normalised form
        old, new = a, b
    out = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(new[j1:j2])
        if op in ("delete", "replace"):
            out.append(f"[-{old[i1:i2]}-]")
        if op in ("insert", "replace"):
            out.append(f"{{+{new[j1:j2]}+}}")
    return "".join(out)


def editions(store: Store, name: str) -> tuple[dict, dict]:
    """The current and the superseded registry records of the document family named (title, short name or file)."""
    family = [m for m in store.documents().values() if names_document(name, m["title"], m["family"])]
    families = sorted({m["family"] for m in family})
    if not family:
        raise DiffError(f"知识库中没有名为“{name}”的文件。")
    if len(families) > 1:
        raise DiffError(f"“{name}”对应多个文件：{'、'.join(families)}，请写全名称。")
    current = [m for m in family if m["status"] == CURRENT]
    older = [m for m in family if m["status"] != CURRENT]
    if not current or not older:
        raise DiffError(f"《{family[0]['title']}》在知识库中只有一个版本（{family[0]['edition']}），无法对比。")
    return current[0], sorted(older, key=lambda m: m["edition"])[-1]


def compare(store: Store, name: str) -> EditionDiff:
    """Compare the current edition of a document with the one it replaced, provision by provision."""
    current_meta, old_meta = editions(store, name)
    new, old = _edition(store, current_meta), _edition(store, old_meta)
    diff = EditionDiff(current_meta["title"], current_meta, old_meta)
    pairs: list[tuple[str, str]] = []
    for loc in new.articles:
        if loc in old.articles and _ratio(old.articles[loc], new.articles[loc]) >= SAME_ARTICLE:
            pairs.append((loc, loc))
    left_new = [loc for loc in new.articles if loc not in {n for _, n in pairs}]
    left_old = [loc for loc in old.articles if loc not in {o for o, _ in pairs}]
    for loc in list(left_new):
        best = max(left_old, key=lambda o: _ratio(old.articles[o], new.articles[loc]), default=None)
        if best and _ratio(old.articles[best], new.articles[loc]) >= MOVED_ARTICLE:
            pairs.append((best, loc))
            left_old.remove(best)
            left_new.remove(loc)
    order = {loc: n for n, loc in enumerate(new.articles)}
    for o, n in sorted(pairs, key=lambda p: order[p[1]]):
        if compact(old.articles[o]) == compact(new.articles[n]):
            diff.unchanged += 1
        else:
            diff.changes.append(Change(CHANGED, o, n, old.articles[o], new.articles[n],
                                       mark_words(old.articles[o], new.articles[n])))
    diff.changes += [Change(ADDED, "", n, "", new.articles[n], f"{{+{new.articles[n]}+}}") for n in left_new]
    diff.changes += [Change(REMOVED, o, "", old.articles[o], "", f"[-{old.articles[o]}-]") for o in left_old]
    return diff
