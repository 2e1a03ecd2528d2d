"""Read one file into a LoadedDoc, or raise SkipFile saying (in Chinese) why it cannot be read."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import logging
import os
import re
import shutil
import warnings
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import docx
import openpyxl
import xlrd
from charset_normalizer import from_bytes
from docx.table import Table, _Row
from pypdf import PdfReader

from angui.ingest.budget import Budget
from angui.ingest.doc_tables import DOC_CONVERTERS, doc_blocks
from angui.ingest.errors import SkipFile
from angui.ingest.quality import empty_reason, garbage_reason
from angui.schema import Block, LoadedDoc
from angui.text import nfkc

_HEADER_MAX_CHARS = 20  # a header cell is short
_HEADER_SEARCH_ROWS = 20  # title rows above the header are looked for this far down
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")
UTF16_PLAUSIBLE = 0.95  # share of plausible characters for bytes to be taken as UTF-16 without a BOM
_CTRL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\x0c\x1a\x1b")

logging.getLogger("pypdf").setLevel(logging.ERROR)


def _newlines(text: str) -> str:
    """Turn CRLF, CR and Unicode line separators into \\n."""
    return _NEWLINES.sub("\n", text)


def _decode(data: bytes) -> str:
    """Decode text bytes: BOM, strict UTF-8, strict GB18030, then charset-normalizer's guess.

    Newlines are left alone: CSV cells may hold line separators that must not split rows.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SkipFile(f"文本编码错误（{encoding}）：{exc.reason}") from exc
    head = data[:8192]
    utf16 = _utf16_without_bom(head) if b"\x00" in head or not _utf8_start(head) else None
    if utf16:
        try:
            return data.decode(utf16)
        except UnicodeDecodeError as exc:
            raise SkipFile(f"文本编码错误（{utf16}）：{exc.reason}") from exc
    if b"\x00" in head or sum(head.count(b) for b in _CTRL_BYTES) > len(head) * 0.05:
        raise SkipFile("二进制内容，不是文本文件")
    for encoding in ("utf-8", "gb18030"):
        if (text := _strict(data, encoding)) is not None:
            return text
    best = from_bytes(data).best()
    if best is None:
        raise SkipFile("无法识别文本编码（不是 UTF-8/GBK）")
    return str(best)


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _utf8_start(head: bytes) -> bool:
    """Whether the first bytes of a file are UTF-8 (a character cut off at the end is allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return True
    except UnicodeDecodeError:
        return False


def _plausible(text: str) -> float:
    """Share of characters that Chinese regulatory text is made of: CJK ideographs and punctuation, ASCII."""
    ok = sum(ch.isascii() and (ch.isprintable() or ch in "\t\n\r") or "\u4e00" <= ch <= "\u9fff"
             or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef" for ch in text)
    return ok / max(len(text), 1)


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes read as such text (saved as UTF-16 without a byte-order
    mark), else None. Only asked once the bytes are not UTF-8, where ASCII pairs would look like ideographs."""
    even = head[: len(head) // 2 * 2]
    for encoding in ("utf-16-le", "utf-16-be"):
        if len(even) >= 16 and _plausible(even.decode(encoding, errors="replace")) > UTF16_PLAUSIBLE:
            return encoding
    return None


def _load_text(path: Path, budget: Budget) -> LoadedDoc:
    """Plain text or Markdown: one block with the whole text."""
    text = _decode(path.read_bytes())
    budget.chars(len(text))
    return LoadedDoc(str(path), [Block(_newlines(text))])


def _load_pdf(path: Path, budget: Budget) -> LoadedDoc:
    """PDF with a text layer: one block per page that has text."""
    with path.open("rb") as fh:
        head = fh.read(1024)
        fh.seek(max(0, path.stat().st_size - 4096))
        tail = fh.read()
    if b"%PDF-" not in head:
        raise SkipFile("PDF 文件损坏或不完整：缺少 %PDF 文件头")
    if b"%%EOF" not in tail:
        raise SkipFile("PDF 文件损坏或不完整：缺少结尾标记 %%EOF（文件被截断？）")
    blocks: list[Block] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(path)
            if reader.is_encrypted:
                try:
                    opened = bool(reader.decrypt(""))
                except Exception:  # a missing crypto dependency, an unknown algorithm
                    opened = False
                if not opened:
                    raise SkipFile("PDF 已加密，无法读取")
            chars = 0
            for number, page in enumerate(reader.pages, start=1):
                budget.tick()
                text = _newlines(page.extract_text() or "")
                chars += len(text)
                budget.chars(chars)
                if text.strip():
                    blocks.append(Block(text, page=number))
            title = (reader.metadata or {}).get("/Title")
        except SkipFile:
            raise
        except Exception as exc:  # pypdf raises many kinds of errors on broken files
            raise SkipFile(f"PDF 文件损坏或不完整：{exc}") from exc
    if not blocks:
        raise SkipFile("PDF 无文本层（扫描件？） no text layer (scanned?)")
    return LoadedDoc(str(path), blocks, hints=_title_hint(title))


def _title_hint(title: object) -> dict[str, str]:
    """Hints dict with the file's own title, when it has one."""
    return {"title": str(title).strip()} if title and str(title).strip() else {}


def _load_docx(path: Path, budget: Budget) -> LoadedDoc:
    """Word 2007+: paragraphs as text blocks, table rows (after the header) as field blocks."""
    if not zipfile.is_zipfile(path):
        raise SkipFile("不是有效的 DOCX（ZIP）文件")
    budget.unzipped(path)
    with zipfile.ZipFile(path) as zf:
        if "word/document.xml" not in zf.namelist():
            raise SkipFile("ZIP 中没有 Word 文档（word/document.xml）")
    try:
        document = docx.Document(str(path))
    except Exception as exc:
        raise SkipFile(f"DOCX 文件损坏：{exc}") from exc
    blocks: list[Block] = []
    lines: list[str] = []
    tables = 0
    for item in document.iter_inner_content():
        if not isinstance(item, Table):
            lines.append(item.text)
            continue
        grid = [_docx_row(row) for row in item.rows]
        header_at = _header_row(grid)
        if header_at is None or header_at == len(grid) - 1:  # a layout table: keep it as text
            lines += ["\t" + "\t".join(cell for cell in row if cell) for row in grid]
            continue
        lines += ["\t".join(cell for cell in row if cell) for row in grid[:header_at]]  # title rows
        if "".join(lines).strip():
            blocks.append(Block(_newlines("\n".join(lines))))
        lines = []
        tables += 1
        blocks += _row_blocks(grid[header_at], grid[header_at + 1 :], f"表{tables} ")
    if "".join(lines).strip():
        blocks.append(Block(_newlines("\n".join(lines))))
    return LoadedDoc(str(path), blocks, hints=_title_hint(document.core_properties.title))


def _docx_row(row: _Row) -> list[str]:
    """Cell texts by grid column; a merged cell's text is kept in its first column only."""
    out = [""] * row.grid_cols_before
    previous = None
    for cell in row.cells:
        out.append(cell.text if cell._tc is not previous else "")
        previous = cell._tc
    return out


def _load_csv(path: Path, budget: Budget) -> LoadedDoc:
    """CSV: first row is the header, each further row one block."""
    text = _decode(path.read_bytes())
    budget.chars(len(text))
    if reason := empty_reason(text):
        raise SkipFile(reason)
    first = _newlines(text).split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise SkipFile(f"CSV 格式错误：{exc}") from exc
    return LoadedDoc(str(path), _row_blocks(rows[0], rows[1:], ""), kind="table")


def _load_xlsx(path: Path, budget: Budget) -> LoadedDoc:
    """Excel 2007+: per sheet, the rows under the header row (declared and real sizes within the budget)."""
    if zipfile.is_zipfile(path):
        budget.unzipped(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            sheets = {ws.title: _xlsx_rows(ws, budget) for ws in book.worksheets}
            title = book.properties.title
        finally:
            book.close()
    except SkipFile:
        raise
    except Exception as exc:
        raise SkipFile(f"XLSX 文件损坏或格式不对：{exc}") from exc
    return LoadedDoc(str(path), _sheet_blocks(sheets), kind="table", hints=_title_hint(title))


def _xlsx_rows(ws, budget: Budget) -> list[list[str]]:
    """A read-only sheet's cell texts; a sheet declaring (or holding) more cells than the budget is refused."""
    if ws.max_row and ws.max_column:
        budget.cells(ws.max_row * ws.max_column, f"工作表“{ws.title}”声明 {ws.max_row:,} 行 × {ws.max_column:,} 列，")
    rows, cells = [], 0
    for row in ws.iter_rows(values_only=True):
        cells += len(row)
        budget.cells(cells, f"工作表“{ws.title}”")
        if len(rows) % 1000 == 0:
            budget.units(len(rows) - _HEADER_SEARCH_ROWS)  # each row below the header becomes a unit
            budget.tick()
        rows.append([_cell_text(v) for v in row])
    return rows


def _load_xls(path: Path, budget: Budget) -> LoadedDoc:
    """Excel 97-2003: like .xlsx, with merged cells filled down so each row carries its category."""
    try:
        try:
            book = xlrd.open_workbook(str(path), formatting_info=True)
        except NotImplementedError:  # formatting info is not read for every BIFF version
            book = xlrd.open_workbook(str(path))
        sheets = {}
        for sheet in book.sheets():
            budget.cells(sheet.nrows * sheet.ncols, f"工作表“{sheet.name}”")
            grid = [[_xls_cell(c, book.datemode) for c in sheet.row(r)] for r in range(sheet.nrows)]
            for rlo, rhi, clo, _chi in sheet.merged_cells:
                for r in range(rlo + 1, min(rhi, len(grid))):
                    grid[r][clo] = grid[rlo][clo]
            sheets[sheet.name] = grid
    except Exception as exc:
        raise SkipFile(f"XLS 文件损坏或格式不对：{exc}") from exc
    return LoadedDoc(str(path), _sheet_blocks(sheets), kind="table")


def _xls_cell(cell: xlrd.sheet.Cell, datemode: int) -> str:
    """Text of an xlrd cell: dates as ISO, error cells empty."""
    if cell.ctype == xlrd.XL_CELL_DATE:
        return _cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
    return "" if cell.ctype == xlrd.XL_CELL_ERROR else _cell_text(cell.value)


def _cell_text(value: object) -> str:
    """Text of a spreadsheet value: whole numbers without ".0", midnight datetimes as dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _sheet_blocks(sheets: dict[str, list[list[str]]]) -> list[Block]:
    """Row blocks of every sheet; locs name the sheet only when more than one sheet has rows."""
    per_sheet = {}
    for name, grid in sheets.items():
        header_at = _header_row(grid)
        if header_at is not None:
            per_sheet[name] = _row_blocks(grid[header_at], grid[header_at + 1 :], "")
    per_sheet = {name: blocks for name, blocks in per_sheet.items() if blocks}
    if len(per_sheet) > 1:
        for name, blocks in per_sheet.items():
            for block in blocks:
                block.loc = f"{name} {block.loc}"
    return [block for blocks in per_sheet.values() for block in blocks]


def _header_row(grid: list[list[str]]) -> int | None:
    """Index of the header: the first row with >= 2 distinct, short, non-empty cells."""
    for index, row in enumerate(grid[:_HEADER_SEARCH_ROWS]):
        cells = {_header_text(c) for c in row} - {""}
        if len(cells) >= 2 and all(len(c) <= _HEADER_MAX_CHARS for c in cells):
            return index
    return None


def _header_text(cell: str) -> str:
    """A header cell on one line: whitespace runs collapsed, and dropped between Chinese characters."""
    text = re.sub(r"\s+", " ", cell).strip()
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", text)


def _row_blocks(header: list[str], rows: Iterable[list[str]], prefix: str) -> list[Block]:
    """One block per data row: fields {header: value} in column order, loc "<prefix>第n行".

    n counts every row under the header. Empty rows, rows repeating the header and rows equal
    to the row before (vertically merged cells) give no block.
    """
    names = [_header_text(h) for h in header]
    blocks: list[Block] = []
    previous: dict[str, str] | None = None
    for number, row in enumerate(rows, start=1):
        fields: dict[str, str] = {}
        for column, raw in enumerate(row):
            value = _newlines(raw).strip()
            if not value:
                continue
            name = names[column] if column < len(names) and names[column] else f"第{column + 1}列"
            if name not in fields:
                fields[name] = value
            elif value not in fields[name].split("\n"):
                fields[name] += "\n" + value
        if not fields or fields == previous or all(k == _header_text(v) for k, v in fields.items()):
            continue
        blocks.append(Block("", fields=fields, loc=f"{prefix}第{number}行"))
        previous = fields
    return blocks


def _load_doc(path: Path, budget: Budget) -> LoadedDoc:
    """Word 97-2003: the first of antiword, catdoc and LibreOffice whose text is readable.

    antiword's tables become one block per row; the other converters give one text block.
    """
    found = [(name, exe, run) for name, exes, run in DOC_CONVERTERS
             if (exe := next(filter(None, map(shutil.which, exes)), None))]
    if not found:
        raise SkipFile("无法读取 .doc：需要安装 antiword 或 catdoc（apt-get install antiword catdoc）或 LibreOffice")
    failures: list[str] = []
    for name, exe, run in found:
        try:
            text = _newlines(run(exe, path))
        except SkipFile as exc:
            failures.append(exc.reason)
            continue
        if reason := empty_reason(text):
            failures.append(reason)
        elif reason := garbage_reason(text):
            failures.append(f"文本乱码（{name} 转换失败或编码错误）：{reason}")
        else:
            return LoadedDoc(str(path), doc_blocks(text) if name == "antiword" else [Block(text)])
    raise SkipFile("；".join(dict.fromkeys(failures)))


_LOADERS: dict[str, Callable[[Path, Budget], LoadedDoc]] = {
    ".txt": _load_text, ".md": _load_text, ".pdf": _load_pdf, ".docx": _load_docx,
    ".doc": _load_doc, ".csv": _load_csv, ".xlsx": _load_xlsx, ".xls": _load_xls,
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_LOADERS)


def load(path: Path, budget: Budget | None = None) -> LoadedDoc:
    """Load one file by its suffix within the budget; raise SkipFile when it cannot be ingested."""
    budget = (budget or Budget()).start()
    max_mb = budget.max_file_mb
    loader = _LOADERS.get(path.suffix.lower())
    if loader is None:
        raise SkipFile(f"不支持的文件类型 {path.suffix.lower() or '（无扩展名）'}")
    if not path.is_file():
        raise SkipFile("文件不存在或不是普通文件")
    size = path.stat().st_size
    if size == 0:
        raise SkipFile("空文件（0 字节）")
    size_mb = size / 1024 / 1024
    if size_mb > max_mb:
        shown = f"{size_mb:.1f}" if size_mb >= 0.1 else f"{size_mb:.4f}"
        raise SkipFile(f"文件过大：{shown} MB，超过上限 {max_mb:g} MB（ANGUI_MAX_FILE_MB）")
    doc = loader(path, budget)
    budget.units(len(doc.blocks))
    _check_text(doc)
    return doc


def _check_text(doc: LoadedDoc) -> None:
    """Refuse a document with no text, or whose text is garbage."""
    parts = [b.text for b in doc.blocks]
    parts += [f"{k}\n{v}" for b in doc.blocks for k, v in (b.fields or {}).items()]
    text = "\n".join(parts)
    if reason := empty_reason(text):
        raise SkipFile(reason if doc.kind == "text" else "表格中没有数据行")
    if reason := garbage_reason(text):
        raise SkipFile(f"文本乱码（转换失败或编码错误）：{reason}")


def iter_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Expand folders (recursively, sorted, hidden entries and READMEs skipped) into files with supported suffixes,
    each with its document key: the path relative to the folder given (a file named explicitly: its name).

    Files named explicitly are kept whatever their suffix, so that load() reports them.
    """
    found: dict[Path, str] = {}
    for path in paths:
        if not path.is_dir():
            found.setdefault(path, nfkc(path.name))
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and Path(name).stem.upper() != "README" \
                        and Path(name).suffix.lower() in SUPPORTED_SUFFIXES:
                    file = Path(root) / name
                    found.setdefault(file, nfkc(file.relative_to(path).as_posix()))
    return list(found.items())
