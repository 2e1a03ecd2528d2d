"""Parse a loaded document into citable units: 条 articles, decimal clauses, 一、/（一） points, table rows, paragraphs."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from itertools import groupby

from angui.ingest.split import split_long
from angui.numerals import cn_to_int, int_to_cn
from angui.schema import Block, LoadedDoc, Unit
from angui.text import ITEM_START, nfkc

# Patterns match the NFKC form of a stripped line (full-width digits, spaces and brackets become ASCII).
_CN = "零〇一二三四五六七八九十百千两"
_NUM = rf"[{_CN}]+|\d+"
_ARTICLE = re.compile(rf"^第({_NUM})条(之[{_CN}]+)?(?=$|\s|[:,、。.;(【\[])")
_CHAPTER = re.compile(rf"^第({_NUM})([编章节])")
_CLAUSE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)(?=\s)")
_TOP_SECTION = re.compile(r"^\d{1,2}\s+\S")
_POINT = re.compile(r"^([一二三四五六七八九十百]+)、")
_PAREN = re.compile(r"^\(([一二三四五六七八九十百]+)\)")
_ANNEX = re.compile(r"^附\s*件\s*(\d*)\s*(?::|$)")
_PAGE = re.compile(r"^(?:[-—–]+\s*\d+\s*[-—–]+|第\s*\d+\s*页(?:\s*[/,]?\s*共\s*\d+\s*页)?)$")
_PAGE_TAIL = re.compile(r"\s*[-—–－]\s+\d{1,4}\s+[-—–－]$")
_RULE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,})$")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_TERMINAL = "。;:!?"  # sentence ends, NFKC form
_ROW_NO = re.compile(r"^(?:序号|编号|No\.?)$", re.I)
_HEADING_FIELDS = ("工作任务", "场所/环节/部位", "检查项目", "检查内容", "隐患名称", "项目", "名称", "任务")
_PARA_SIZE = 500


@dataclass
class _Line:
    """One cleaned source line with its page; `cells` is set when the raw line began with a tab."""

    text: str
    page: int | None
    cells: list[str] | None = None

    @property
    def key(self) -> str:
        """The line's match form."""
        return nfkc(self.text)


_Table = tuple[list[dict[str, str]], int | None]  # rows of a flattened table (header -> cell), its page


@dataclass
class _Seg:
    """A unit under construction: source lines, or ready `text` for table rows."""

    loc: str
    kind: str
    path: list[str] = field(default_factory=list)
    page: int | None = None
    lines: list[_Line] = field(default_factory=list)
    heading: str = ""
    text: str = ""


def parse_units(doc: LoadedDoc) -> list[Unit]:
    """Split `doc` into units with unique locs, long ones split by `split_long`."""
    text_blocks = [b for b in doc.blocks if b.fields is None]
    units = _text_units(text_blocks) if any(b.text.strip() for b in text_blocks) else []
    units += _field_rows([b for b in doc.blocks if b.fields is not None])
    seen: dict[str, int] = {}
    for unit in units:  # safety net: locs must be unique within a document
        seen[unit.loc] = seen.get(unit.loc, 0) + 1
        if seen[unit.loc] > 1:
            unit.loc = f"{unit.loc} #{seen[unit.loc]}"
    return split_long(units)


def _text_units(blocks: list[Block]) -> list[Unit]:
    """Units of prose blocks read as one stream (structure flows across pages)."""
    items = _with_tables(_clean_lines(blocks))
    mode = _detect([i.key for i in items if isinstance(i, _Line)])
    seg = _Segmenter(mode)
    for item in items:
        seg.feed(item)
    segs = seg.segs
    if mode == "para":
        segs = _paragraphs(segs[0].lines) + segs[1:]
    if seg.sections == 1:  # a single list: its title is no path
        for s in segs:
            s.path = [] if s.kind == "point" else s.path
    units = []
    for s in segs:
        text = s.text or "\n".join(ln.text for ln in s.lines if ln.text)
        if text:
            page = s.page if s.page is not None else next((ln.page for ln in s.lines if ln.text), None)
            units.append(Unit(s.loc, text, s.kind, s.path, page, s.heading))
    return units


def _clean_lines(blocks: list[Block]) -> list[_Line]:
    """Lines of all blocks without comments, rules and page markers; text broken by a marker is rejoined."""
    out: list[_Line] = []
    comment = pending = False
    for block in blocks:
        for raw in block.text.splitlines():
            text = _MD_HEADING.sub("", raw.strip())
            key = nfkc(text)
            if comment or key.startswith("<!--"):
                comment = "-->" not in key
                continue
            if _RULE.match(key):
                continue
            if _PAGE.match(key):
                while out and not out[-1].text:
                    out.pop()
                pending = bool(out)
                continue
            tail = _PAGE_TAIL.search(text)
            if tail and tail.start() > 0:  # "…安全评价- 3 -": the page ended mid-sentence
                text = text[: tail.start()].rstrip()
                key = nfkc(text)
            if pending and not text:
                continue
            prev = out[-1] if pending else None
            opens = any(p.match(key) for p in (_ARTICLE, _CHAPTER, _CLAUSE, ITEM_START, _ANNEX))  # a new element
            if prev and prev.cells is None and prev.key[-1] not in _TERMINAL and not opens:
                prev.text += text
            else:
                if prev:
                    out.append(_Line("", block.page))
                out.append(_Line(text, block.page, raw.split("\t")[1:] if raw.startswith("\t") else None))
            pending = bool(tail and tail.start() > 0)
    return out


def _with_tables(lines: list[_Line]) -> list[_Line | _Table]:
    """Replace each run of lines that forms a flattened table by one `_Table`."""
    items: list[_Line | _Table] = []
    i = 0
    while i < len(lines):
        found = _take_table(lines, i) if lines[i].cells is not None else None
        items.append(found[0] if found else lines[i])
        i = found[1] if found else i + 1
    return items


def _take_table(lines: list[_Line], start: int) -> tuple[_Table, int] | None:
    """Rebuild a table whose cells start with a tab: header cells, then rows opened by 序号 "1", "2", ...

    Untabbed lines continue the cell above; the table ends at untabbed text after a blank line and a full row
    unless a next numbered row still follows.
    """
    cells: list[list[str]] = []
    ncol = 0
    end = start
    while end < len(lines):
        line = lines[end]
        if line.cells is not None:
            for cell in line.cells:
                if not ncol and nfkc(cell.strip()) == "1":
                    ncol = len(cells)
                cells.append([cell.strip()])
        elif line.text and ncol and len(cells) % ncol == 0 and not lines[end - 1].text:
            after = next((ln.cells for ln in lines[end:] if ln.cells is not None), None)
            if not after or nfkc(after[0].strip()) != str(len(cells) // ncol):
                break  # no further row follows: the text after the table begins here
            cells[-1].append(line.text)
        else:
            cells[-1].append(line.text)
        if not ncol and len(cells) > 12:
            return None
        end += 1
    if ncol < 2:
        return None
    header = ["".join("".join(c).split()) for c in cells[:ncol]]
    body = [_join_cell(c) for c in cells[ncol:]]
    rows = [body[k : k + ncol] for k in range(0, len(body), ncol)]
    if any(len(h) > 20 for h in header) or not all(nfkc(r[0]).isdigit() for r in rows):
        return None
    return ([dict(zip(header, r + [""] * (ncol - len(r)))) for r in rows], lines[start].page), end


def _join_cell(parts: list[str]) -> str:
    """Glue a cell's line fragments; keep a break before list items and after sentence ends."""
    out = ""
    for part in filter(None, parts):
        out += "\n" + part if out and (ITEM_START.match(nfkc(part)) or nfkc(out)[-1] in _TERMINAL) else part
    return out


def _detect(keys: list[str]) -> str:
    """Pick the structure: article, clause, point, paren (（一） items) or para (no structure found)."""
    if sum(1 for k in keys if _ARTICLE.match(k)) >= 2:
        return "article"
    if sum(1 for k in keys if _CLAUSE.match(k)) >= 3:
        return "clause"
    for mode, pattern in (("point", _POINT), ("paren", _PAREN)):
        nums = [n for k in keys if (m := pattern.match(k)) and (n := _num(m.group(1))) is not None]
        in_order = sum(1 for a, b in zip([0, *nums], nums) if b in (1, a + 1))
        if len(nums) >= 2 and 1 <= nums.count(1) <= max(2, len(nums) // 10) and in_order >= 0.8 * len(nums):
            return mode
    return "para"


def _num(s: str) -> int | None:
    """`cn_to_int`, or None for a malformed numeral."""
    try:
        return cn_to_int(s)
    except ValueError:
        return None


def _lead(s: str) -> str:
    """A short heading: the first phrase of `s`, at most 40 chars."""
    return re.split(r"[。；;：:]", s.strip(), maxsplit=1)[0][:40]


def _title_like(key: str) -> bool:
    """A short line without sentence punctuation that is no list item: a heading or list title."""
    return 0 < len(key) <= 50 and key[-1] not in _TERMINAL + "," and not ITEM_START.match(key)


class _Segmenter:
    """Walks lines and tables once, opening a segment wherever the detected mode starts a unit."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.segs = [_Seg("前言", "para")]
        self.path: list[tuple[int, str]] = []  # (level, heading) for 编/章/节 or top clause sections
        self.annex = self.annex_title = self.list_title = ""
        self.sections = self.tables = 0
        self.seen: set[str] = set()

    def feed(self, item: _Line | _Table) -> None:
        """Route one line or table to the segment it belongs to."""
        if isinstance(item, tuple):
            self._table(*item)
            return
        key = item.key
        if not item.text:
            self.segs[-1].lines.append(item)
        elif m := _ANNEX.match(key):
            self.annex = "附件" + m.group(1)
            self.annex_title = re.split(r"[：:]", item.text, maxsplit=1)[1].strip() if ":" in key else ""
            self.segs.append(_Seg(self.annex, "para", page=item.page, lines=[item]))
        elif self.annex:
            self.annex_title = self.annex_title or item.text
            self.segs[-1].lines.append(item)
        elif not self._heading(item, key) and not self._start(item, key):
            self.segs[-1].lines.append(item)

    def _heading(self, item: _Line, key: str) -> bool:
        """Track 编/章/节 (or top-level clause) headings in the path; True if the line was one."""
        if self.mode == "article" and (m := _CHAPTER.match(key)):
            level = "编章节".index(m.group(2))
        elif self.mode == "clause" and _TOP_SECTION.match(key):
            level = 0
        else:
            return False
        if len(key) > 40 or key[-1] in _TERMINAL + ",":
            return False
        self.path = [(lv, t) for lv, t in self.path if lv < level] + [(level, item.text)]
        self.segs.append(_Seg(item.text, "para", [t for _, t in self.path], item.page))
        return True

    def _start(self, item: _Line, key: str) -> bool:
        """Open a new unit if the line starts one in this mode; True if it did."""
        pattern = {"article": _ARTICLE, "clause": _CLAUSE, "point": _POINT, "paren": _PAREN}.get(self.mode)
        m = pattern.match(key) if pattern else None
        num = _num(m.group(1)) if m and self.mode != "clause" else 0
        if not m or num is None:
            return False
        rest = (item.text if len(item.text) == len(key) else key)[m.end() :]
        if self.mode == "article":
            loc, heading, path = f"第{int_to_cn(num)}条{m.group(2) or ''}", "", [t for _, t in self.path]
        elif self.mode == "clause":
            loc, heading, path = m.group(1), _lead(rest), [t for _, t in self.path]
        else:
            self._new_list(num)
            loc = int_to_cn(num) if self.mode == "point" else f"（{int_to_cn(num)}）"
            heading, path = _lead(rest), [self.list_title] if self.list_title else []
            if loc in self.seen:
                loc = f"{self.list_title or f'第{self.sections}部分'} {loc}"
        self.seen.add(loc)
        kind = {"article": "article", "clause": "clause"}.get(self.mode, "point")
        self.segs.append(_Seg(loc, kind, path, item.page, [item], heading))
        return True

    def _new_list(self, num: int) -> None:
        """Start a new list when numbering restarts at 一; its title lines leave the previous point."""
        if not self.sections:
            self.sections = 1
            titles = [ln.text for ln in self.segs[0].lines if _title_like(ln.key)]
            self.list_title = titles[-1] if titles else ""
            return
        if num != 1:
            return
        self.sections += 1
        lines = self.segs[-1].lines
        k = max((i for i in range(1, len(lines)) if _title_like(lines[i].key)), default=0)
        self.list_title = lines[k].text if k else ""
        if k:
            self.segs.append(_Seg(self.list_title, "para", [], lines[k].page, lines[k:]))
            del lines[k:]

    def _table(self, rows: list[dict[str, str]], page: int | None) -> None:
        """Emit one row unit per table row, titled by the annex (or the line above the table)."""
        self.tables += 1
        label = self.annex or f"表{self.tables}"
        above = [ln.text for ln in self.segs[-1].lines if _title_like(ln.key)]
        path = [self.annex_title or above[-1]] if self.annex_title or above else []
        key = _heading_field(rows)
        for n, row in enumerate(rows, 1):
            self.segs.append(_Seg(f"{label} 第{n}项", "row", path, page, [], _row_heading(row, key), _row_text(row)))
        self.segs.append(_Seg(f"{label} 表后", "para", [], page))


def _paragraphs(lines: list[_Line]) -> list[_Seg]:
    """Fallback: units of about `_PARA_SIZE` chars cut between blank-line paragraphs (between lines inside
    a paragraph too long for one unit, e.g. a Word file whose paragraphs come as plain lines)."""
    pieces: list[list[_Line]] = []
    for filled, group in groupby(lines, key=lambda ln: bool(ln.text)):
        para = list(group) if filled else []
        pieces += [para] if sum(len(ln.text) + 1 for ln in para) <= _PARA_SIZE else [[ln] for ln in para]
    segs: list[_Seg] = []
    size = 0
    for piece in filter(None, pieces):
        length = sum(len(ln.text) + 1 for ln in piece)
        if not segs or size + length > _PARA_SIZE:
            segs.append(_Seg(f"第{len(segs) + 1}段", "para", page=piece[0].page))
            size = 0
        segs[-1].lines += piece
        size += length
    return segs


def _field_rows(blocks: list[Block]) -> list[Unit]:
    """One row unit per table-row block, rendered as "列名：值" lines."""
    rows = [b.fields or {} for b in blocks]
    key = _heading_field(rows)
    return [Unit(b.loc or f"第{n}行", _row_text(f), "row", [], b.page, _row_heading(f, key))
            for n, (b, f) in enumerate(zip(blocks, rows), 1)]


def _row_text(fields: dict[str, str]) -> str:
    """A row as "列名：值" lines, empty values left out."""
    return "\n".join(f"{k}：{v.strip()}" for k, v in fields.items() if v and v.strip())


def _heading_field(rows: list[dict[str, str]]) -> str | None:
    """The column that best names a row: a known title column, else the most varied short text column."""
    names = list(dict.fromkeys(k for r in rows for k in r))

    def variety(name: str) -> int:
        values = [(r.get(name) or "").strip() for r in rows]
        texty = any(v and not nfkc(v).isdigit() for v in values) and statistics.median(map(len, values)) <= 20
        return len(set(values)) if texty and not _ROW_NO.match(name.strip()) else 0

    known = [n for n in _HEADING_FIELDS if n in names]
    best = known[0] if known else max(names, key=variety, default=None)
    return best if best and (known or variety(best)) else None


def _row_heading(fields: dict[str, str], key: str | None) -> str:
    """The row's heading field, else its first non-empty, non-number value; at most 40 chars."""
    texts = [v.strip() for k, v in fields.items() if v and not _ROW_NO.match(k) and not nfkc(v.strip()).isdigit()]
    own = (fields.get(key) or "").strip() if key else ""
    return (own or next((t for t in texts if t), ""))[:40]
