"""One writer per index: an advisory lock file naming its holder (pid, start time, command).

The kernel drops a `flock` when its holder dies, however it dies, so a lock is never left behind by a crash and
never taken from a live writer.
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = "write.lock"
POLL_S = 0.5

Echo = Callable[[str], None]


class WriterBusy(Exception):
    """Another writer held the index for longer than the wait allowed."""


@contextmanager
def write_lock(index_dir: Path, wait_s: float, echo: Echo = print) -> Iterator[None]:
    """Hold the index's write lock; wait up to `wait_s` seconds (with one message) for another writer."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / LOCK_NAME
    with path.open("a+", encoding="utf-8") as fh:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = path.read_text(encoding="utf-8").strip() or "未知进程"
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"索引 {index_dir} 正由另一个导入写入（{holder}），等待 {wait_s:g} 秒后仍未结束"
                                     "（ANGUI_WRITE_WAIT）") from None
                if not told:
                    echo(f"索引正由另一个导入写入（{holder}），等待其结束…")
                    told = True
                time.sleep(POLL_S)
        fh.seek(0)
        fh.truncate()
        command = " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))[:200]
        fh.write(f"pid {os.getpid()}，开始于 {time.strftime('%Y-%m-%d %H:%M:%S')}，{command}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()
            fcntl.flock(fh, fcntl.LOCK_UN)
