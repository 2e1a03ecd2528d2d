"""Legacy Word (.doc) helpers: the text converters, and Word tables rebuilt from antiword output.

antiword prints a table as |cell|cell| lines; a cell's text wraps over several lines, and on such
continuation lines the other columns are empty.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from angui.ingest.errors import SkipFile
from angui.schema import Block
from angui.text import ITEM_START

DOC_TIMEOUT_S = 20  # a converter past this is killed and the file skipped (a hostile .doc must not stall ingest)

_HEADER_MAX_CHARS = 20  # a header cell is short
_BREAK_AFTER = "。；？！;?!"  # a fragment ending so closes a sentence or list item
_WORD = re.compile(r"[!-~]+|.")  # an ASCII word, else one character

Row = dict[str, str]
Carry = tuple[list[str], list[str]]  # a table's header and its last row's leading values


def parse_pipe_tables(text: str) -> list[str | Row]:
    """Split antiword output into reading order: text chunks (lines outside tables) and table rows.

    A row is {header: cell text} in column order, empty cells left out.
    """
    items: list[str | Row] = []
    lines: list[str] = []
    table: list[list[str]] = []
    last: Carry | None = None
    for line in [*text.split("\n"), ""]:
        cells = _cells(line)
        if table and (cells is None or len(cells) != len(table[0]) or cells == table[0]):
            rows, last = _table_rows(table, last)
            items += rows
            table = []
        if cells is not None and len(cells) > 1:
            if chunk := "\n".join(lines).strip("\n"):
                items.append(chunk)
            lines = []
            table.append(cells)
        else:
            lines.append("".join(cells).strip() if cells is not None else line.strip())
    if chunk := "\n".join(lines).strip("\n"):
        items.append(chunk)
    return items


def doc_blocks(text: str) -> list[Block]:
    """Blocks of antiword output: one text block per chunk, one block per table row, locs "第n行" over the file."""
    blocks: list[Block] = []
    rows = 0
    for item in parse_pipe_tables(text):
        if isinstance(item, str):
            blocks.append(Block(item))
        else:
            rows += 1
            blocks.append(Block("", fields=item, loc=f"第{rows}行"))
    return blocks


def _cells(line: str) -> list[str] | None:
    """The raw cells of a |cell|cell| line (padding kept), or None for a line outside tables."""
    line = line.rstrip()
    if len(line) < 2 or not (line.startswith("|") and line.endswith("|")):
        return None
    return line[1:-1].split("|")


def _width(text: str) -> int:
    """Display width in antiword's terms: wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wraps(above: str, part: str) -> bool:
    """True when `part` continues the fragment `above` (padding kept): its first word did not fit there."""
    text = above.rstrip(" ")
    if not text.strip():
        return False
    word = _WORD.match(part).group()
    space = text[-1].isascii() and text[-1].isalnum() and word.isascii()  # ASCII words wrap at a space
    return _width(word) + space > len(above) - len(text)


def _join(text: str, part: str, new_item: bool = False) -> str:
    """Append a wrapped fragment: a newline before a new item, a space between ASCII words, else nothing."""
    if not text or not part:
        return text + part
    if new_item:
        return f"{text}\n{part}"
    if text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum():
        return f"{text} {part}"
    return text + part


def _continues_header(above: list[str], cells: list[str], header: list[str]) -> bool:
    """True when every non-empty cell of a line continues the wrapped header fragment above it."""
    parts = [(i, c.strip()) for i, c in enumerate(cells) if c.strip()]
    return bool(parts) and all(_wraps(above[i], p) and len(_join(header[i], p)) <= _HEADER_MAX_CHARS for i, p in parts)


def _table_rows(table: list[list[str]], last: Carry | None) -> tuple[list[Row], Carry]:
    """Rows of one table; fill-down goes on from `last` when this table repeats its header."""
    header = [c.strip() for c in table[0]]
    start = 1
    while start < len(table) and _continues_header(table[start - 1], table[start], header):
        header = [_join(h, c.strip()) for h, c in zip(header, table[start])]
        start += 1
    lead = max(1, len(header) - 2)
    grouped = _group(table[start:], lead)
    filled = last[1] if last and last[0] == header else [""] * lead
    rows: list[Row] = []
    for cells in grouped:
        first = next((i for i in range(lead) if cells[i]), lead)
        cells[:first] = filled[:first]  # merged cells: the values of the row above fill down
        filled = cells[:lead]
        fields = {name or f"第{i + 1}列": "\n".join(dict.fromkeys(value.split("\n")))  # merged rows repeat lines
                  for i, (name, value) in enumerate(zip(header, cells)) if value}
        if any(cells[lead:]) and any(value != name for name, value in fields.items()):  # no repeated header
            rows.append(fields)
    return rows, (header, filled)


def _group(lines: list[list[str]], lead: int) -> list[list[str]]:
    """Cell texts per table row: a row starts where a leading column starts a new cell.

    A fragment starts a new cell unless it continues a wrapped fragment right above it. In the
    other columns a new cell, or a fragment after a sentence end or opening a numbered item, is
    kept on its own line.
    """
    rows: list[list[str]] = []
    above = [""] * len(lines[0]) if lines else []
    for cells in lines:
        parts = [c.strip() for c in cells]
        new = [bool(p) and not _wraps(a, p) for a, p in zip(above, parts)]
        if not rows or any(new[:lead]):
            rows.append([""] * len(parts))
        row = rows[-1]
        for i, part in enumerate(parts):
            if part:
                end = row[i][-1:]
                item = new[i] or end in tuple(_BREAK_AFTER) or bool(ITEM_START.match(part) and not end.isascii())
                row[i] = _join(row[i], part, i >= lead and item)
        above = cells
    return rows


def _antiword_text(exe: str, path: Path) -> str:
    """antiword's UTF-8 text, lines unwrapped (-w 0) so table cells wrap as little as possible."""
    return _convert([exe, "-m", "UTF-8.txt", "-w", "0", str(path)], "antiword").decode("utf-8", "replace")


def _catdoc_text(exe: str, path: Path) -> str:
    """catdoc's UTF-8 text, paragraphs unwrapped."""
    return _convert([exe, "-d", "utf-8", "-w", str(path)], "catdoc").decode("utf-8", "replace")


def _soffice_text(exe: str, path: Path) -> str:
    """LibreOffice's plain-text export."""
    with tempfile.TemporaryDirectory() as out:
        _convert([exe, "--headless", "--convert-to", "txt:Text", "--outdir", out, str(path)], "LibreOffice")
        converted = Path(out) / f"{path.stem}.txt"
        if not converted.is_file():
            raise SkipFile("LibreOffice 转换失败：没有生成文本文件")
        return converted.read_bytes().decode("utf-8", "replace")


DOC_CONVERTERS: tuple[tuple[str, tuple[str, ...], Callable[[str, Path], str]], ...] = (
    ("antiword", ("antiword",), _antiword_text),
    ("catdoc", ("catdoc",), _catdoc_text),
    ("LibreOffice", ("soffice", "libreoffice"), _soffice_text),
)


def _convert(command: list[str], name: str) -> bytes:
    """Run a converter and return its stdout; failures and timeouts become SkipFile."""
    try:
        done = subprocess.run(command, capture_output=True, timeout=DOC_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SkipFile(f"{name} 转换超时（{DOC_TIMEOUT_S} 秒）") from exc
    except OSError as exc:
        raise SkipFile(f"{name} 无法运行：{exc}") from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip()[:200]
        raise SkipFile(f"{name} 转换失败（退出码 {done.returncode}）：{detail}")
    return done.stdout
