"""Telegram HTML for answers, full texts and the document list, split into messages of at most 4096 chars."""

from __future__ import annotations

import re
from html import escape

from angui.answer.model import BASIS_HEADING, POINTS_HEADING, Answer, Citation

MAX_MESSAGE = 4096
QUOTE_CHARS = 200
_SLACK = 256  # room kept in every part for tags re-opened from the previous part and closed at its end
_TAG = re.compile(r"<(/?)([a-zA-Z-]+)[^>]*>")
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|[^<&]")
_SOFT_BREAKS = frozenset("。；！？，、")


def esc(text: str) -> str:
    """Escape source text for Telegram HTML (<, >, &)."""
    return escape(text, quote=False)


def citation_label(c: Citation) -> str:
    """《title》(edition) loc, with the status when not current and the page when known."""
    return c.label + (f"（第 {c.page} 页）" if c.page is not None else "")


def render_answer(answer: Answer) -> str:
    """The answer as HTML: escaped lead lines, bold headings, numbered points, bold citation numbers, warnings."""
    lines = [esc(s.plain()) for s in answer.lead]
    if answer.points:
        lines += ["", f"<b>{esc(POINTS_HEADING)}</b>"]
        lines += [esc(f"{i}. {p.plain()}") for i, p in enumerate(answer.points, 1)]
    if answer.citations:
        lines += ["", f"<b>{esc(BASIS_HEADING)}</b>"] + [f"<b>[{c.n}]</b> {esc(c.label)}" for c in answer.citations]
    if answer.warnings:
        lines += ["", f"⚠️ <i>注意：{esc('；'.join(answer.warnings))}</i>"]
    return "\n".join(lines)


def render_fulltext(citations: list[Citation]) -> str:
    """Every cited unit in full: a bold label line, then its escaped text quoted."""
    blocks = [f"<b>[{c.n}] {esc(citation_label(c))}</b>\n<blockquote>{esc(c.text)}</blockquote>" for c in citations]
    return "\n\n".join(blocks) or "本回答没有引用条文。"


def render_more(citations: list[Citation], start: int) -> str:
    """Further provisions, numbered on from `start`, each with its most relevant sentences."""
    blocks = ["<b>更多依据</b>（上面的回答之外的相关条文）："]
    for n, c in enumerate(citations, start):
        quote = c.quote or c.text
        if len(quote) > QUOTE_CHARS:
            quote = quote[:QUOTE_CHARS] + "……"
        blocks.append(f"<b>[{n}]</b> {esc(citation_label(c))}\n{esc(quote)}")
    return "\n\n".join(blocks)


def render_sources(docs: dict[str, dict]) -> str:
    """The live documents: title, edition, status and unit count, current editions first."""
    if not docs:
        return "知识库中还没有文档。"
    ordered = sorted(docs.values(), key=lambda m: (m.get("family", ""), m.get("status") != "现行", m["title"]))
    lines = [f"<b>已入库文档 {len(docs)} 个：</b>"]
    for i, m in enumerate(ordered, 1):
        edition = f"({m['edition']})" if m.get("edition") else ""
        lines.append(f"{i}. 《{esc(m['title'])}》{esc(edition)} {esc(m.get('status', ''))} · {m.get('units', 0)} 条")
    return "\n".join(lines)


def split_message(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Split HTML into parts of at most `limit` chars, at blank lines, then lines, then sentence ends.

    A block (text between blank lines) that fits in one message is never divided, so a citation line stays
    with its text; tags and entities are never cut, and tags open at a cut are closed and re-opened.
    """
    if len(text) <= limit:
        return [text] if _visible(text) else []
    return _Splitter(limit).split(text)


class _Splitter:
    """Greedy packer behind split_message."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.room = limit - _SLACK
        self.parts: list[str] = []
        self.head = ""  # tags re-opened at the start of the current part
        self.body: list[str] = []
        self.size = 0
        self.opened: list[str] = []

    def split(self, text: str) -> list[str]:
        for b, block in enumerate(text.split("\n\n")):
            if len(block) <= self.room and not self._fits("\n\n" + block):
                self._flush()
            for i, line in enumerate(block.split("\n")):
                for j, piece in enumerate(_cut(line, self.room)):
                    glue = "" if j else "\n" if i else "\n\n" if b else ""
                    self._add(glue, piece)
        self._flush()
        return self.parts

    def _fits(self, piece: str) -> bool:
        return self.size + len(piece) + len(_closers(_apply(self.opened, piece))) <= self.limit

    def _add(self, glue: str, piece: str) -> None:
        if not self._fits(glue + piece):
            self._flush()
        if not self.body:
            glue = ""  # a part never starts with blank lines
        self.body.append(glue + piece)
        self.size += len(glue) + len(piece)
        self.opened = _apply(self.opened, piece)

    def _flush(self) -> None:
        part = self.head + "".join(self.body) + _closers(self.opened)
        if self.body and _visible(part):
            self.parts.append(part)
        self.head = "".join(self.opened)
        self.body, self.size = [], len(self.head)


def _cut(line: str, room: int) -> list[str]:
    """Cut an over-long line into pieces of at most `room` chars, preferring sentence ends, never in a tag."""
    if len(line) <= room:
        return [line]
    pieces: list[str] = []
    seg: list[str] = []
    size = soft = 0
    for tok in _TOKEN.findall(line):
        if size + len(tok) > room and seg:
            k = soft if soft > len(seg) // 2 else len(seg)
            pieces.append("".join(seg[:k]))
            seg = seg[k:]
            size, soft = sum(map(len, seg)), 0
        seg.append(tok)
        size += len(tok)
        if tok in _SOFT_BREAKS:
            soft = len(seg)
    pieces.append("".join(seg))
    return pieces


def _apply(opened: list[str], html: str) -> list[str]:
    """The stack of open tags after `html`."""
    stack = list(opened)
    for m in _TAG.finditer(html):
        if not m[1]:
            stack.append(m[0])
            continue
        for i in range(len(stack) - 1, -1, -1):
            if _TAG.match(stack[i])[2] == m[2]:
                del stack[i]
                break
    return stack


def _closers(opened: list[str]) -> str:
    return "".join(f"</{_TAG.match(tag)[2]}>" for tag in reversed(opened))


def _visible(html: str) -> bool:
    """Whether the HTML has any text besides tags and whitespace."""
    return bool(re.sub(r"<[^>]*>", "", html).strip())
