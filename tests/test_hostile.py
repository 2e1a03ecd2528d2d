"""Small hostile files under the size cap: each is skipped with a named reason, quickly and in bounded memory,
and nothing already stored is lost."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest

from helpers import REPO, cli_env, open_kb, shared_stream_pdf

SECONDS = 30  # acceptance: each skipped within 30 s
RSS_KB = 1024 * 1024  # and within 1 GB resident memory
# Runs the CLI and writes the process's own peak RSS (VmHWM, which starts afresh at exec) to the file in argv[1].
# getrusage/wait4 would report the test process's size too: a forked child starts with its parent's pages.
PEAK_RSS = """import atexit, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(open("/proc/self/status").read().split("VmHWM:")[1].split()[0]))
sys.argv[0] = "angui"
from angui.cli import main
main()
"""


def declared_huge_xlsx(path: Path) -> Path:
    """5 KB of xlsx whose sheet declares the whole grid A1:XFD1048576."""
    book = openpyxl.Workbook()
    book.active.append(["检查项目", "检查内容"])
    book.active.append(["消防", "灭火器完好"])
    book.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    xml = parts[sheet].decode()
    parts[sheet] = (re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml) if "<dimension" in xml
                    else xml.replace("<sheetData", '<dimension ref="A1:XFD1048576"/><sheetData', 1)).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def docx_bomb(path: Path, gigabytes: float = 1.0) -> Path:
    """A docx of a few MB with a part that expands to about a gigabyte of XML."""
    document = docx.Document()
    document.add_paragraph("第一条 企业应当建立安全生产责任制。")
    document.save(path)
    chunk = b"<w:p><w:r><w:t>" + "隐患".encode() * 2000 + b"</w:t></w:r></w:p>"
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("word/bomb.xml", "w", force_zip64=True) as out:
        for _ in range(int(gigabytes * 1024 ** 3 / len(chunk))):
            out.write(chunk)
    return path


def repeated_line(path: Path, megabytes: int = 20) -> Path:
    """20 MB of one line repeated."""
    line = "第一条 企业应当每日检查一次。\n".encode()
    path.write_bytes(line * (megabytes * 1024 * 1024 // len(line)))
    return path


def long_sheet(path: Path, rows: int = 200_000) -> Path:
    """A sheet of 200,000 rows."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("清单")
    sheet.append(["序号", "检查项目", "检查内容"])
    for n in range(rows):
        sheet.append([n + 1, f"项目{n}", "检查消防设施是否完好"])
    book.save(path)
    return path


HOSTILE = {  # file maker -> words the skip reason must contain
    "declared.xlsx": (declared_huge_xlsx, "声明"),
    "bomb.docx": (docx_bomb, "解压后过大"),
    "shared.pdf": (shared_stream_pdf, "解析超时"),
    "repeated.txt": (repeated_line, "文本过长"),
    "long.xlsx": (long_sheet, "单元过多"),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder / name) for name, (make, _) in HOSTILE.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_file_is_skipped_quickly_in_bounded_memory(name, hostile, seed_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    assert hostile[name].stat().st_size < 50 * 1024 * 1024  # under the size cap: only the budgets stop it
    start = time.monotonic()
    peak = tmp_path / "peak"
    proc = subprocess.run([sys.executable, "-c", PEAK_RSS, str(peak), "ingest", "--json", str(hostile[name]), "--index",
                           str(index)], cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120)
    seconds = time.monotonic() - start
    peak_kb = int(peak.read_text())
    report = json.loads(proc.stdout.splitlines()[-1])
    (result,) = report["files"]
    assert proc.returncode == 2 and result["status"] == "skipped" and HOSTILE[name][1] in result["reason"], result
    assert seconds < SECONDS, f"{name}: {seconds:.1f} s"
    assert peak_kb < RSS_KB, f"{name}: {peak_kb / 1024:.0f} MB"
    print(f"{name}: {seconds:.1f} s, {peak_kb / 1024:.0f} MB, {result['reason']}")
    assert len(open_kb(index).store.documents()) == 1  # the seed document is still there
