"""Document metadata from the text, the file name and `catalog.toml` (which overrides both)."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from angui.schema import STATUSES, DocMeta, LoadedDoc
from angui.text import nfkc

# Bump when parsing changes, so re-ingest replaces units built by an older parser.
PARSER_VERSION = "3"  # 2: penalty links; 3: 第（一）项 is a reference, not an item, when splitting violations

_PAREN = re.compile(r"[（(]([^（）()]*)[）)]\s*$")
_DATE = re.compile(r"(\d{4})[-.年](\d{1,2})[-.月](\d{1,2})日?")
_DOC_NO = re.compile(r"([\u4e00-\u9fff]{2,24}令\s*第\s*[0-9０-９一二三四五六七八九十百]+\s*号|[\u4e00-\u9fff]{1,12}〔\d{4}〕\d+号)")
_ISSUER = re.compile(r"发布机关[：:]\s*(\S+)")
_ISSUER_LINE = re.compile(r"^\s*(\S{4,40}(?:办公室|委员会|人民政府|管理部|管理局|管理总局|应急管理部|常务委员会))\s*$")
_LEAD_NO = re.compile(r"^\d+[\s_.-]+")


def load_catalog(path: Path | None) -> dict[str, dict[str, str]]:
    """Catalog entries keyed by file name; a missing catalog is empty."""
    if not path or not path.is_file():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {nfkc(d["file"]): {k: str(v) for k, v in d.items() if k != "file"} for d in data.get("document", [])}


def from_filename(name: str) -> dict[str, str]:
    """Title, edition and status encoded in names like `X(2016原文,已修订).txt` or `X(2021-06-10).md`."""
    stem = _LEAD_NO.sub("", nfkc(Path(name).stem)).strip()
    out: dict[str, str] = {}
    m = _PAREN.search(stem)
    if m:
        parts = [p.strip() for p in re.split(r"[,，、]", m.group(1)) if p.strip()]
        status = [p for p in parts if p in STATUSES]
        rest = [p for p in parts if p not in STATUSES]
        if status or any(re.search(r"\d{4}", p) for p in rest):
            stem = stem[: m.start()].strip()
            if status:
                out["status"] = status[0]
            if rest:
                out["edition"] = rest[0]
    out["title"] = stem
    return out


def from_text(text: str) -> dict[str, str]:
    """Title (a leading `# ` heading), 文号, issuer and date found near the top of the text."""
    head = text[:1500]
    out: dict[str, str] = {}
    m = re.search(r"^#\s+(.+)$", head, re.M)
    if m:
        title = m.group(1).strip()
        no = _DOC_NO.match(title)
        if no:
            out["doc_no"] = re.sub(r"\s+", "", no.group(1))
            title = title[no.end() :].strip()
        out["title"] = title
    no = _DOC_NO.search(head)
    if no and "doc_no" not in out:
        out["doc_no"] = re.sub(r"\s+", "", no.group(1))
    m = _ISSUER.search(head)
    if m:
        out["issuer"] = m.group(1)
    else:
        for line in head.splitlines()[:6]:
            mm = _ISSUER_LINE.match(line)
            if mm:
                out["issuer"] = mm.group(1)
                break
    m = re.search(r"(?:发布日期|施行日期)[：:]\s*(\S+)", head) or _DATE.search(head)
    if m:
        d = _DATE.search(m.group(0))
        if d:
            out["date"] = f"{d.group(1)}-{int(d.group(2)):02d}-{int(d.group(3)):02d}"
    return out


def family_of(title: str) -> str:
    """Key shared by editions of one document: the title without country prefix or brackets."""
    t = nfkc(title).replace("中华人民共和国", "")
    return re.sub(r"[\s《》“”\"()（）]", "", t)


def fingerprint(data: bytes, salt: str = "") -> str:
    """Content hash of a file, the parser version and `salt` (settings that shape stored units and vectors)."""
    return hashlib.sha256(f"{PARSER_VERSION}:{salt}".encode() + b"\0" + data).hexdigest()[:20]


def build_meta(path: Path, loaded: LoadedDoc, catalog: dict[str, dict[str, str]], salt: str = "",
               doc_key: str = "") -> DocMeta:
    """Combine text, file name and catalog (strongest last) into the document's metadata; `doc_key` is the
    document's identity (its path relative to the folder ingested; the file name by default)."""
    doc_key = doc_key or nfkc(path.name)
    text = "\n".join(b.text for b in loaded.blocks[:20])
    fromtext = from_text(text) if loaded.kind == "text" else {}
    fromname = from_filename(path.name)
    meta: dict[str, str] = {"title": fromname["title"]}
    if loaded.hints.get("title"):
        meta["title"] = loaded.hints["title"]
    if path.suffix.lower() == ".md" and fromtext.get("title"):
        meta["title"] = fromtext["title"]
    for key in ("doc_no", "issuer"):
        if fromtext.get(key):
            meta[key] = fromtext[key]
    meta["edition"] = fromname.get("edition") or fromtext.get("date", "")
    meta["status"] = fromname.get("status", "现行")
    meta.update(catalog.get(doc_key, catalog.get(nfkc(path.name), {})))
    if meta["status"] not in STATUSES:
        raise ValueError(f"{path.name}: catalog status {meta['status']!r} is not one of {STATUSES}")
    return DocMeta(
        doc_key=doc_key,
        fingerprint=fingerprint(path.read_bytes(), salt),
        title=meta["title"],
        source=str(path.resolve()),
        edition=meta.get("edition", ""),
        status=meta["status"],
        doc_no=meta.get("doc_no", ""),
        issuer=meta.get("issuer", ""),
        family=meta.get("family") or family_of(meta["title"]),
    )
