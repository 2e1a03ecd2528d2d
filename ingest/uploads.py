"""Admin uploads (bot and web): which files are accepted, and ingesting one in a child `angui ingest` process.

The child has its own memory and CPU time: questions keep being answered meanwhile, a hostile file that
exhausts memory kills only the child, and the answer service sees the new documents through the store's
generation number on its next question.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from angui.settings import Settings, env_name
from angui.text import nfkc

UPLOAD_SUFFIXES = (".pdf", ".docx", ".xlsx", ".txt", ".csv", ".md")
UPLOADS = "uploads"
LOCK_FILE = "upload.lock"  # in the index dir, beside write.lock
PREVIOUS = ".previous"  # earlier uploads of a name while a new one is ingested (hidden: ingest skips dot folders)
MB = 1024 * 1024
MAX_NAME_BYTES = 200  # file names past this are shortened (most file systems stop at 255 bytes)
PROGRESS_EVERY_S = 2.0  # progress lines passed on at most this often (Telegram allows ~1 edit a second)
UPLOAD_TIMEOUT_S = 1800  # a child ingest still running after this is killed (its write lock dies with it)
# the knowledge-base settings a child ingest needs (the rest are the bot's own)
CHILD_FIELDS = ("index_dir", "chroma_url", "embedding", "catalog", "embed_max_chars", "max_file_mb", "max_unzipped_mb",
                "max_cells_per_file", "max_chars_per_file", "max_units_per_file", "max_parse_seconds", "write_wait")

Progress = Callable[[str], Awaitable[None]]


def upload_dir(settings: Settings) -> Path:
    """Where uploaded files are kept (under the index dir), so each document's source stays readable."""
    folder = settings.index_dir / UPLOADS
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def safe_name(name: str) -> str:
    """A file name that can be stored: no folders, no control characters, at most MAX_NAME_BYTES bytes."""
    name = re.sub(r"[\x00-\x1f/\\]", "_", Path(name).name).lstrip(".") or "upload"  # a dot file would be hidden
    suffix = Path(name).suffix[:10]
    stem = name[: len(name) - len(suffix)] if suffix else name
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def set_aside(path: Path) -> Path | None:
    """Move an earlier upload of the same name aside (it may be the live version's source); returns where."""
    if not path.exists():
        return None
    keep = path.parent / PREVIOUS / path.name
    keep.parent.mkdir(exist_ok=True)
    os.replace(path, keep)
    return keep


def settle(path: Path, previous: Path | None, stored: bool) -> None:
    """After the ingest: a stored upload stays and the earlier file goes; a refused one is removed and the earlier
    file (still the live version's source) comes back."""
    if stored:
        if previous:
            previous.unlink(missing_ok=True)
        return
    path.unlink(missing_ok=True)
    if previous:
        os.replace(previous, path)


def upload_problem(name: str, size: int | None, max_mb: float) -> str | None:
    """Why an uploaded file is refused (in Chinese), or None when it may be ingested."""
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        shown = suffix or "无扩展名"
        return f"不支持的文件类型（{shown}）。可上传 PDF、DOCX、XLSX、TXT、CSV、MD 文件。"
    if size and size > max_mb * MB:
        return f"文件过大：{size / MB:.1f} MB，超过上限 {max_mb:g} MB（ANGUI_MAX_FILE_MB）。"
    return None


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of a child ingest: this process's, with the knowledge-base settings made explicit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANGUI_")}
    for name in CHILD_FIELDS:
        value = getattr(settings, name)
        if value is not None:
            env[env_name(name)] = str(value)
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def ingest_upload(settings: Settings, path: Path, progress: Progress) -> dict:
    """Ingest one file in a child process, passing its progress lines on (throttled); returns its report,
    or {"error": reason} when the child failed."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "angui", "ingest", "--json", str(path), env=child_env(settings),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, stdin=asyncio.subprocess.DEVNULL)
    last = 0.0
    tail: list[str] = []

    async def follow() -> None:
        nonlocal last
        buffer = b""
        while chunk := await proc.stderr.read(4096):
            buffer += chunk
            *lines, buffer = re.split(rb"[\r\n]", buffer)
            for line in filter(None, (raw.decode("utf-8", "replace").strip() for raw in lines)):
                tail[:] = [*tail[-4:], line]
                if time.monotonic() - last >= PROGRESS_EVERY_S:
                    last = time.monotonic()
                    try:
                        await progress(line)
                    except Exception:  # a refused edit (flood control) must not stop draining the child's output
                        pass

    try:
        out, _ = await asyncio.wait_for(asyncio.gather(proc.stdout.read(), follow()), UPLOAD_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return {"error": f"导入超过 {UPLOAD_TIMEOUT_S // 60} 分钟，已中止"}
    except asyncio.CancelledError:  # the server is stopping: the child goes too (its write lock dies with it)
        proc.kill()
        raise
    await proc.wait()
    try:
        return json.loads(out.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        last_line = f"；最后输出：{tail[-1]}" if tail else ""
        return {"error": f"导入进程异常退出（退出码 {proc.returncode}{last_line}）"}


@asynccontextmanager
async def upload_slot(settings: Settings) -> AsyncIterator[None]:
    """One upload at a time per index, across processes (the bot and the web server share the uploads folder)."""
    settings.index_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.index_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def kept(report: dict | None, before: str | None, after: str | None) -> bool:
    """Whether an upload's file stays: its document (keyed by the file name) is live in a version that came from
    it — new (the fingerprint changed) or the same content again (reported unchanged) — and not a refusal."""
    if after is None:
        return False
    if after != before:
        return True
    return bool(report) and "error" not in report and all(f["status"] == "unchanged" for f in report["files"])


async def ingest_in_place(settings: Settings, name: str, put: Callable[[Path], Awaitable[None]], progress: Progress,
                          documents: Callable[[], dict[str, dict]]) -> tuple[dict, bool]:
    """Under the upload lock: set an earlier upload of the name aside, `put` the new file in its place, ingest it
    in a child, then keep it or bring the earlier file back (also when cancelled). Returns (report, kept)."""
    async with upload_slot(settings):
        path = upload_dir(settings) / safe_name(name)
        key = nfkc(path.name)  # a file ingested by itself is keyed by its name
        before = documents().get(key, {}).get("fingerprint")
        previous = set_aside(path)  # the live version's file comes back if this upload is refused
        report: dict | None = None
        try:
            await put(path)
            report = await ingest_upload(settings, path, progress)
        finally:
            stored = kept(report, before, documents().get(key, {}).get("fingerprint"))
            settle(path, previous, stored)
    return report, stored
