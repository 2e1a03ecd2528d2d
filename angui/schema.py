"""The stored unit schema: where the write path (angui.ingest) and the read path (angui.answer) meet."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

STATUSES = ("现行", "已修订", "已废止")


@dataclass
class Block:
    """A piece of loaded text before structure parsing: a run of lines, or one table row."""

    text: str
    page: int | None = None
    fields: dict[str, str] | None = None  # table rows only: header -> value, in column order
    loc: str | None = None  # table rows only: e.g. "第12行" or "Sheet1 第3行"


@dataclass
class LoadedDoc:
    """What a loader returns: blocks in reading order plus metadata hints found in the file."""

    path: str
    blocks: list[Block]
    kind: str = "text"  # "text" (prose to parse for structure) or "table" (rows are units)
    hints: dict[str, str] = field(default_factory=dict)  # e.g. {"title": ...} from file properties


@dataclass
class Unit:
    """The smallest citable piece of a document."""

    loc: str  # 第二十一条 / 4.2.1 / 一 / （一） / 附件 第4项 / 第12行, parts get "(2/3)"
    text: str  # full unit text, verbatim (tables rendered as "列名：值" lines)
    kind: str = "article"  # article | clause | point | row | para
    path: list[str] = field(default_factory=list)  # 章/节 path
    page: int | None = None
    heading: str = ""  # unit title shown with the loc, e.g. a row's 工作任务
    links: list[str] = field(default_factory=list)  # penalty units: base locs of the obligations they punish


@dataclass
class DocMeta:
    """Document-level metadata stored with every unit."""

    doc_key: str  # identity across versions of the same file (normalised source name)
    fingerprint: str  # content hash: a changed file gets a new fingerprint
    title: str
    source: str
    edition: str = ""  # e.g. "2021-06-10", "2019修正", "2016版"
    status: str = "现行"
    doc_no: str = ""  # 文号
    issuer: str = ""
    family: str = ""  # editions of one document share a family


def base_loc(loc: str) -> str:
    """The loc without a part suffix: 第二十一条(2/3) -> 第二十一条."""
    return re.sub(r"\(\d+/\d+\)$", "", loc)


def unit_id(fingerprint: str, loc: str) -> str:
    """Stable id of a unit: document fingerprint + loc."""
    return f"{fingerprint}:{loc}"


def text_hash(text: str) -> str:
    """Content hash used for the embedding cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def search_text(meta: dict) -> str:
    """What lexical search sees of a unit: its document title and chapter path, then its text."""
    return f"{meta['title']} {meta['path']}\n{meta['text']}"


def unit_metadata(doc: DocMeta, unit: Unit) -> dict[str, str | int]:
    """Flatten a unit and its document into a Chroma metadata record (scalars only)."""
    return {
        "doc_key": doc.doc_key,
        "fingerprint": doc.fingerprint,
        "title": doc.title,
        "source": doc.source,
        "edition": doc.edition,
        "status": doc.status,
        "doc_no": doc.doc_no,
        "issuer": doc.issuer,
        "family": doc.family,
        "loc": unit.loc,
        "base_loc": base_loc(unit.loc),
        "kind": unit.kind,
        "path": " > ".join(unit.path),
        "page": unit.page if unit.page is not None else -1,
        "heading": unit.heading,
        "penalizes": ",".join(unit.links),
    }


def doc_from_metadata(md: dict) -> DocMeta:
    """Rebuild the DocMeta part of a stored record."""
    return DocMeta(**{k: md.get(k, "") for k in DocMeta.__dataclass_fields__})
