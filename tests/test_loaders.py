"""Loaders and text-quality checks, on the real corpus and on bad inputs made on the fly."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter

from angui.ingest.budget import Budget
from angui.ingest.doc_tables import doc_blocks, parse_pipe_tables
from angui.ingest.errors import SkipFile
from angui.ingest.loaders import SUPPORTED_SUFFIXES, iter_files, load
from angui.ingest.quality import garbage_reason
from angui.ingest.structure import parse_units

from helpers import KNOWLEDGE, text_pdf, written

MANUAL = "manual/工贸行业较大危险因素辨识与防范指导手册(2016版).csv"
GARBLED_DOC = "checklists/19 特种设备隐患检查.doc"
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed")


def skip_reason(path: Path, **kwargs: float) -> str:
    """The SkipFile reason load() gives for `path`; fails the test when it loads."""
    with pytest.raises(SkipFile) as info:
        load(path, **kwargs)
    return info.value.reason


def pipe_table(widths: list[int], *lines: list[str]) -> str:
    """antiword-style table lines: each cell padded to its column's display width, between pipes."""
    def pad(cell: str, width: int) -> str:
        return cell + " " * (width - sum(1 + (unicodedata.east_asian_width(c) in "WF") for c in cell))
    return "\n".join("|" + "|".join(pad(c, w) for c, w in zip(cells, widths)) + "|" for cells in lines)


def row_values(blocks: list) -> str:
    """All field values of the row blocks, one per line."""
    return "\n".join(v for b in blocks if b.fields for v in b.fields.values())


# --- real files -------------------------------------------------------------------------------


def test_law_markdown_decodes() -> None:
    doc = load(KNOWLEDGE / "laws" / "安全生产法(2021-06-10).md")
    assert doc.kind == "text" and len(doc.blocks) == 1
    text = doc.blocks[0].text
    assert "第二十一条" in text and "\r" not in text and "\u2028" not in text


def test_2016_rule_txt() -> None:
    doc = load(KNOWLEDGE / "rules" / "生产安全事故应急预案管理办法(2016原文,已修订).txt")
    assert "第一条" in doc.blocks[0].text and doc.blocks[0].page is None


def test_manual_csv_rows() -> None:
    doc = load(KNOWLEDGE / MANUAL)
    assert doc.kind == "table" and len(doc.blocks) == 1128
    assert [b.loc for b in doc.blocks[:2]] == ["第1行", "第2行"] and doc.blocks[-1].loc == "第1128行"
    first = doc.blocks[0].fields
    assert first is not None and first["序号"] == "1" and first["行业"] == "纺织行业"
    for header in ("较大危险因素", "易发生的事故类型", "主要防范措施", "依据"):
        assert header in first
    assert all(b.text == "" and b.fields for b in doc.blocks)


@needs_antiword
def test_checklists(corpus: Path) -> None:
    files = sorted((corpus / "checklists").iterdir())
    assert len(files) == 24
    docs = {path.name[:2]: load(path) for path in files}  # all load, 05/07/19 too (catdoc garbles those)
    for key, doc in docs.items():
        units = parse_units(doc)
        assert units and len({u.loc for u in units}) == len(units), key
        if doc.path.endswith(".doc"):
            rows = [b for b in doc.blocks if b.fields]
            assert doc.kind == "text" and len(rows) >= 1, key
            assert [b.loc for b in rows] == [f"第{n}行" for n in range(1, len(rows) + 1)], key
            assert any(u.kind == "row" for u in units), key
    assert "起重吊运是否有专人指挥" in row_values(docs["05"].blocks)
    assert "固定式煤气报警器" in row_values(docs["07"].blocks)
    assert "先通风、再检测、后作业" in row_values(docs["06"].blocks)
    assert "液氨储罐" in row_values(docs["03"].blocks)
    assert docs["03"].blocks[0].text == "非化工液氨使用企业隐患排查治理标准" and docs["03"].blocks[-1].text.startswith("备注：")
    special = [b.fields for b in docs["19"].blocks if b.fields]
    assert len(special) == 21 and special[1] == {  # 设备名称 fills down; the empty 检查情况 column is dropped
        "设备名称": "锅炉", "隐患自查标准": "登记及检验标志", "自查标准项具体描述": "应有使用登记证。\n应在检验有效期内。"}
    assert special[0]["自查标准项具体描述"].startswith("锅炉作业人员") and "使用登记证" in row_values(docs["19"].blocks)


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc not installed")
def test_checklists_through_catdoc(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "antiword" else which(name, *a, **k))
    reason = skip_reason(corpus / GARBLED_DOC)  # catdoc misreads it as 8-bit text: mostly mojibake
    assert reason.startswith("文本乱码（catdoc 转换失败或编码错误）：")
    doc = load(corpus / "checklists" / "03 非化工液氨使用企业隐患排查治理标准.doc")
    assert len(doc.blocks) == 1 and doc.blocks[0].fields is None and "液氨储罐" in doc.blocks[0].text


def test_pipe_table_wrapped_cells() -> None:
    text = "\n".join(["", "  高温熔融金属运输作业隐患排查治理表", pipe_table(
        [20, 20, 6],
        ["隐患自查标准", "自查标准项具体描述", "检查情况"],
        ["吊运装有铁水、钢水、", "起重吊运是否有专人指", "　"],
        ["液渣的罐或红热电极操", "挥。", ""],
        ["作", "", ""],
        ["", "吊运钢包是否检查确认", "　"],
        ["", "挂钩可靠。", ""],
        ["外部运输", "Keep the UPS and", "　"],
        ["", "alarm on.", ""],
    ), "", "备注：本标准中，相关法律法规变更后", "需及时调整。"])
    assert parse_pipe_tables(text) == [
        "高温熔融金属运输作业隐患排查治理表",
        {"隐患自查标准": "吊运装有铁水、钢水、液渣的罐或红热电极操作",
         "自查标准项具体描述": "起重吊运是否有专人指挥。\n吊运钢包是否检查确认挂钩可靠。"},
        {"隐患自查标准": "外部运输", "自查标准项具体描述": "Keep the UPS and alarm on."},
        "备注：本标准中，相关法律法规变更后\n需及时调整。",
    ]


def test_pipe_table_four_columns_fill_down() -> None:
    text = pipe_table(
        [8, 8, 20, 8],
        ["设备名称", "隐患自查", "自查标准项具体描述", "检查情况"],
        ["", "标准", "", ""],  # the header wraps
        ["锅炉", "作业人员", "锅炉作业人员应当考核", ""],
        ["", "", "合格，取得证书。", ""],
        ["", "登记标志", "应有使用登记证。", ""],
        ["", "", "应在检验有效期内。", ""],
        ["", "其他", "不应超压使用。", ""],
        ["", "运行", "应填写记录。", ""],  # right under a short cell: a new cell, not a wrapped one
        ["电梯", "", "", ""],  # a category row without text only fills down
        ["", "维保情况", "应有维保记录。", "有"],
        ["设备名称", "隐患自查", "自查标准项具体描述", "检查情况"],  # a repeated header
        ["", "标准", "", ""],
        ["", "安全装置", "报警装置应可靠。", ""],
    )
    assert parse_pipe_tables(text) == [
        {"设备名称": "锅炉", "隐患自查标准": "作业人员", "自查标准项具体描述": "锅炉作业人员应当考核合格，取得证书。"},
        {"设备名称": "锅炉", "隐患自查标准": "登记标志", "自查标准项具体描述": "应有使用登记证。\n应在检验有效期内。"},
        {"设备名称": "锅炉", "隐患自查标准": "其他", "自查标准项具体描述": "不应超压使用。"},
        {"设备名称": "锅炉", "隐患自查标准": "运行", "自查标准项具体描述": "应填写记录。"},
        {"设备名称": "电梯", "隐患自查标准": "维保情况", "自查标准项具体描述": "应有维保记录。", "检查情况": "有"},
        {"设备名称": "电梯", "隐患自查标准": "安全装置", "自查标准项具体描述": "报警装置应可靠。"},
    ]


def test_pipe_tables_several_in_one_document() -> None:
    first = pipe_table([4, 8, 20, 6], ["序号", "检查项目", "检查内容", "依据"], ["1", "通风", "先通风、再检测、后作业。", ""],
                       ["2", "照明", "（1）应急照明完好。", "消防法"], ["", "", "（2）疏散指示有效。", ""])
    second = pipe_table([6, 20], ["类别", "要求"], ["煤气", "设置报警器。"])
    blocks = doc_blocks("\n".join(["表一", first, "说明：见附件。", second]))
    assert [(b.text, b.loc) for b in blocks] == [("表一", None), ("", "第1行"), ("", "第2行"), ("说明：见附件。", None),
                                                 ("", "第3行")]
    assert blocks[2].fields == {"序号": "2", "检查项目": "照明", "检查内容": "（1）应急照明完好。\n（2）疏散指示有效。",
                                "依据": "消防法"}
    assert blocks[4].fields == {"类别": "煤气", "要求": "设置报警器。"}


def test_xls_rows_carry_merged_category(corpus: Path) -> None:
    doc = load(corpus / "checklists" / "12 加油站.xls")
    assert doc.kind == "table" and len(doc.blocks) > 40
    second = doc.blocks[1]
    assert second.loc == "第2行"
    assert second.fields is not None
    assert second.fields["Ⅱ级隐患自查标准"] == "生产设备设施及工艺"  # merged down from the row above
    assert second.fields["Ⅲ级隐患自查标准"] == "油罐"
    assert second.fields["自查标准项具体描述"].startswith("设有油气回收系统")
    assert "无锡市加油站事故隐患排查治理表" not in str(doc.blocks)  # the title row is not a row


def test_xls_that_xls2csv_cannot_read(corpus: Path) -> None:
    doc = load(corpus / "checklists" / "20 危化品经营.xls")
    assert len(doc.blocks) > 50
    assert all(b.fields and "自查标准项具体描述" in b.fields for b in doc.blocks[:10])


def test_garbage_flags_mojibake_only(corpus: Path) -> None:
    converted = subprocess.run(["catdoc", "-d", "utf-8", str(corpus / GARBLED_DOC)], capture_output=True, check=True)
    assert garbage_reason(converted.stdout.decode("utf-8", "replace"))
    law = (KNOWLEDGE / "laws" / "安全生产法(2021-06-10).md").read_text(encoding="utf-8")
    assert garbage_reason(law.encode("gbk").decode("latin-1"))
    assert garbage_reason(law[:300].encode("gbk").decode("latin-1"))
    assert garbage_reason(law.encode("utf-8").decode("gbk", "replace"))  # wrong code page, CJK-looking
    mojibake_part = law[:1500].encode("gbk").decode("latin-1")
    assert "异常字符占全文" not in (garbage_reason(law + mojibake_part) or "")  # diluted over the whole text ...
    assert "有一段 1000 字" in (garbage_reason(law + mojibake_part) or "")  # ... but not in its worst window
    for folder in ("laws", "rules", "seed", "manual"):
        for path in (corpus / folder).iterdir():
            assert garbage_reason(path.read_text(encoding="utf-8")) is None, path.name
    assert garbage_reason("La sécurité au travail, à l'égard des salariés. " * 20) is None


# --- bad and made-up inputs -------------------------------------------------------------------


def test_unsupported_and_empty_and_too_big(tmp_path: Path) -> None:
    odd = tmp_path / "a.xyz"
    odd.write_text("x")
    assert skip_reason(odd) == "不支持的文件类型 .xyz"
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert skip_reason(empty) == "空文件（0 字节）"
    blank = tmp_path / "blank.md"
    blank.write_text(" \n\t\n　\n", encoding="utf-8")
    assert skip_reason(blank) == "文件内容为空（仅空白字符）"
    big = tmp_path / "big.txt"
    big.write_text("安全" * 2000, encoding="utf-8")
    reason = skip_reason(big, budget=Budget(max_file_mb=0.001))
    assert reason.startswith("文件过大") and "0.001 MB" in reason and "ANGUI_MAX_FILE_MB" in reason


def test_text_encodings(tmp_path: Path) -> None:
    cases = {
        "gbk.txt": "第一条　为了加强安全生产工作，防止和减少生产安全事故。\r\n第二条".encode("gbk"),
        "bom.txt": "\ufeff第一条　安全第一\r\n第二条".encode(),
        "utf16.md": "第一条　安全第一\n第二条".encode("utf-16"),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        text = load(tmp_path / name).blocks[0].text
        assert text.startswith("第一条") and "\r" not in text and text.endswith("\n第二条"), name


def test_binary_txt(tmp_path: Path) -> None:
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 8)
    assert skip_reason(path) == "二进制内容，不是文本文件"


def test_latin1_mojibake_txt(tmp_path: Path) -> None:
    path = tmp_path / "mojibake.txt"
    path.write_text("第一条　为了加强安全生产工作，防止和减少生产安全事故。".encode("gbk").decode("latin-1"), encoding="utf-8")
    assert skip_reason(path).startswith("文本乱码（转换失败或编码错误）：")


def test_pdf_with_text(tmp_path: Path) -> None:
    path = tmp_path / "ok.pdf"
    path.write_bytes(text_pdf("Article 21 work safety"))
    doc = load(path)
    assert [(b.text, b.page) for b in doc.blocks] == [("Article 21 work safety", 1)]


def test_bad_pdfs(tmp_path: Path) -> None:
    good = text_pdf("Article 21 work safety")
    cases = {
        "random.pdf": os.urandom(4096),
        "truncated.pdf": good[: len(good) * 2 // 3],
        "no_xref.pdf": b"%PDF-1.4\n" + os.urandom(2048) + b"\n%%EOF\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert skip_reason(tmp_path / name).startswith("PDF 文件损坏或不完整："), name
    locked = PdfWriter(clone_from=PdfReader(io.BytesIO(good)))
    locked.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    (tmp_path / "locked.pdf").write_bytes(written(locked))
    assert skip_reason(tmp_path / "locked.pdf") == "PDF 已加密，无法读取"
    blank = PdfWriter()
    blank.add_blank_page(width=200, height=200)
    (tmp_path / "scan.pdf").write_bytes(written(blank))
    assert skip_reason(tmp_path / "scan.pdf") == "PDF 无文本层（扫描件？） no text layer (scanned?)"


def test_pdf_encrypted_with_empty_password_opens(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(text_pdf("Open me"))))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    (tmp_path / "open.pdf").write_bytes(written(writer))
    assert load(tmp_path / "open.pdf").blocks[0].text == "Open me"


def test_bad_docx(tmp_path: Path) -> None:
    fake = tmp_path / "fake.docx"
    fake.write_text("这不是 Word 文件", encoding="utf-8")
    assert skip_reason(fake) == "不是有效的 DOCX（ZIP）文件"
    with zipfile.ZipFile(tmp_path / "other.docx", "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert skip_reason(tmp_path / "other.docx") == "ZIP 中没有 Word 文档（word/document.xml）"


def test_docx_paragraphs_and_table(tmp_path: Path) -> None:
    document = docx.Document()
    document.core_properties.title = "工作要点"
    document.add_paragraph("一、积极推动安全生产责任落实。")
    table = document.add_table(rows=4, cols=3)
    for row, cells in zip(table.rows, [["序号", "工作任务", "牵头单位"], ["1", "学习培训", "区局"],
                                       ["2", "专项整治", ""], ["3", "", ""]]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    table.cell(2, 2).merge(table.cell(3, 2))  # vertical merge: row 3 shares 牵头单位 with row 2
    table.cell(2, 2).text = "应急局"
    table.cell(3, 0).merge(table.cell(3, 1))  # horizontal merge: one value, shown once
    table.cell(3, 0).text = "3"
    document.add_paragraph("二、扎实推进专项整治。")
    document.add_table(rows=1, cols=2).rows[0].cells[0].text = "签发："  # one row: a layout table, kept as text
    path = tmp_path / "plan.docx"
    document.save(str(path))
    doc = load(path)
    assert doc.kind == "text" and doc.hints == {"title": "工作要点"}
    assert doc.blocks[0].text == "一、积极推动安全生产责任落实。" and doc.blocks[0].fields is None
    rows = [(b.loc, b.fields) for b in doc.blocks[1:4]]
    assert rows == [
        ("表1 第1行", {"序号": "1", "工作任务": "学习培训", "牵头单位": "区局"}),
        ("表1 第2行", {"序号": "2", "工作任务": "专项整治", "牵头单位": "应急局"}),
        ("表1 第3行", {"序号": "3", "牵头单位": "应急局"}),
    ]
    assert doc.blocks[4].text == "二、扎实推进专项整治。\n\t签发：" and len(doc.blocks) == 5


def test_xlsx_header_after_title_and_sheet_names(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "冶金"
    first.append(["冶金企业隐患排查表"])
    first.append(["序号", "检查项目", "检查内容"])
    first.append([1, "煤气", "煤气区域应设置固定式报警仪。"])
    first.append([None, None, None])
    first.append([2, "高温", "熔融金属吊运应使用冶金起重机。"])
    second = book.create_sheet("有色")
    second.append(["序号", "检查内容"])
    second.append([1, "铝加工深井铸造应设置紧急排放系统。"])
    book.create_sheet("空表")
    path = tmp_path / "list.xlsx"
    book.save(path)
    doc = load(path)
    assert doc.kind == "table"
    assert [(b.loc, b.fields) for b in doc.blocks] == [
        ("冶金 第1行", {"序号": "1", "检查项目": "煤气", "检查内容": "煤气区域应设置固定式报警仪。"}),
        ("冶金 第3行", {"序号": "2", "检查项目": "高温", "检查内容": "熔融金属吊运应使用冶金起重机。"}),
        ("有色 第1行", {"序号": "1", "检查内容": "铝加工深井铸造应设置紧急排放系统。"}),
    ]


def test_bad_spreadsheets(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(os.urandom(1000))
    assert skip_reason(tmp_path / "bad.xlsx").startswith("XLSX 文件损坏或格式不对")
    (tmp_path / "bad.xls").write_bytes(os.urandom(1000))
    assert skip_reason(tmp_path / "bad.xls").startswith("XLS 文件损坏或格式不对")
    (tmp_path / "header.csv").write_text("序号,检查内容\n", encoding="utf-8")
    assert skip_reason(tmp_path / "header.csv") == "表格中没有数据行"


def test_doc_without_converter(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # neither antiword, catdoc nor LibreOffice can be found
    reason = skip_reason(corpus / "checklists" / "03 非化工液氨使用企业隐患排查治理标准.doc")
    assert reason == "无法读取 .doc：需要安装 antiword 或 catdoc（apt-get install antiword catdoc）或 LibreOffice"


def test_iter_files(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for name in ("b/2.md", "b/1.PDF", "a.txt", "notes.xyz", ".hidden.txt", ".git/x.txt", "README.md"):
        (tmp_path / name).write_text("x")
    named = tmp_path / "notes.xyz"
    assert iter_files([tmp_path, named]) == [(tmp_path / "a.txt", "a.txt"), (tmp_path / "b/1.PDF", "b/1.PDF"),
                                             (tmp_path / "b/2.md", "b/2.md"), (named, "notes.xyz")]
    # a README named explicitly is kept; a file given by name is keyed by its name
    assert iter_files([tmp_path / "README.md"]) == [(tmp_path / "README.md", "README.md")]
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".pdf", ".docx", ".doc", ".csv", ".xlsx", ".xls"}


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("text", ["第一条 企业应当建立安全生产责任制，落实全员岗位责任。\n" * 10,
                                  "第一条 企业应当对 LED 照明每 30 天检查一次。\n" * 10])
def test_utf16_without_bom_is_read(tmp_path: Path, encoding: str, text: str) -> None:
    path = tmp_path / "规定.txt"
    path.write_bytes(text.encode(encoding))
    assert load(path).blocks[0].text == text


def test_gbk_and_binary_are_not_taken_for_utf16(tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(("第一条 企业应当建立安全生产责任制。\n" * 10).encode("gbk"))
    assert load(gbk).blocks[0].text.startswith("第一条")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(256)) * 40)
    assert skip_reason(binary) == "二进制内容，不是文本文件"
