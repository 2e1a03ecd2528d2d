"""Per-file budgets: a small hostile file must not cost hours or gigabytes; exceeding one skips the file."""

from __future__ import annotations

import signal
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from angui.ingest.errors import SkipFile

MB = 1024 * 1024


class _TimeUp(BaseException):
    """The parse clock ran out (raised from the timer signal, turned into SkipFile by `Budget.clock`)."""


@dataclass
class Budget:
    """Limits for one file, and the clock of its parsing (started by `start`)."""

    max_file_mb: float = 50.0
    max_unzipped_mb: float = 200.0  # sum of the uncompressed parts of a DOCX/XLSX
    max_cells: int = 2_000_000  # declared or real cells of all sheets
    max_chars: int = 2_000_000  # characters extracted
    max_units: int = 20_000  # units (and table rows) made
    max_seconds: float = 20.0  # wall time to load and parse
    _started: float = field(default=0.0, repr=False)

    @classmethod
    def from_settings(cls, settings) -> Budget:
        return cls(settings.max_file_mb, settings.max_unzipped_mb, settings.max_cells_per_file,
                   settings.max_chars_per_file, settings.max_units_per_file, settings.max_parse_seconds)

    def start(self) -> Budget:
        """A copy whose clock starts now."""
        return Budget(self.max_file_mb, self.max_unzipped_mb, self.max_cells, self.max_chars, self.max_units,
                      self.max_seconds, time.monotonic())

    @contextmanager
    def clock(self) -> Iterator[None]:
        """Interrupt whatever runs inside after `max_seconds` (a timer signal; on the main thread only —
        elsewhere `tick` calls between pages and rows are the only check)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def expired(signum, frame):
            raise _TimeUp  # not an Exception: parsers' own `except Exception` cannot swallow it

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, self.max_seconds)
        try:
            yield
        except _TimeUp:
            raise SkipFile(f"解析超时：超过 {self.max_seconds:g} 秒（ANGUI_MAX_PARSE_SECONDS）") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def tick(self) -> None:
        """Skip the file when its time is up (called between pages, rows and articles)."""
        if self._started and time.monotonic() - self._started > self.max_seconds:
            raise SkipFile(f"解析超时：超过 {self.max_seconds:g} 秒（ANGUI_MAX_PARSE_SECONDS）")

    def chars(self, n: int) -> None:
        if n > self.max_chars:
            raise SkipFile(f"文本过长：{n:,} 字符，超过上限 {self.max_chars:,}（ANGUI_MAX_CHARS_PER_FILE）")

    def cells(self, n: int, what: str = "") -> None:
        if n > self.max_cells:
            raise SkipFile(f"表格过大：{what}{n:,} 个单元格，超过上限 {self.max_cells:,}（ANGUI_MAX_CELLS_PER_FILE）")

    def units(self, n: int) -> None:
        if n > self.max_units:
            raise SkipFile(f"可引用单元过多：{n:,} 个，超过上限 {self.max_units:,}（ANGUI_MAX_UNITS_PER_FILE）")

    def unzipped(self, path: Path) -> None:
        """Refuse an OOXML file whose parts expand past the limit (a zip bomb), before any XML is parsed."""
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
        if total > self.max_unzipped_mb * MB:
            raise SkipFile(f"解压后过大：{total / MB:,.0f} MB，超过上限 {self.max_unzipped_mb:g} MB"
                           "（ANGUI_MAX_UNZIPPED_MB）")

