"""Helpers for the web channel's tests: tokens, an app over an index, and `angui serve` / `angui dingtalk` run as
real processes on 127.0.0.1 (started, waited for, stopped by PID)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from helpers import REPO, cli_env, open_service, settings_for

READER = "reader-token-0001"
OTHER_READER = "reader-token-0002"
ADMIN = "admin-token-00001"
START_TIMEOUT_S = 60
OUTPUT = Path(os.environ.get("ANGUI_TEST_OUTPUT", REPO / "test-output"))  # screenshots and downloads (not committed)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_app(index: Path, **overrides: object):
    """The FastAPI app over an index (test embedder), with a reader, a second reader and an admin token."""
    from angui.web.app import create_app

    values = {"api_tokens": (READER, OTHER_READER), "admin_tokens": (ADMIN,), **overrides}
    return create_app(settings_for(index, **values), open_service(index, **values))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll `url` until it answers; a process that exits first fails with its log."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} in {START_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")


@contextmanager
def process(args: list[str], env: dict[str, str], health: str, log: Path) -> Iterator[subprocess.Popen]:
    """Run `python -m angui ARGS` until the block ends; stopped by PID (SIGTERM, then SIGKILL)."""
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "angui", *args], cwd=REPO, env=env, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_until_up(health, proc, log)
        yield proc
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def served(index: Path, log_dir: Path, **env: str) -> Iterator[str]:
    """`angui serve` over an index on a free loopback port; yields its base URL."""
    port = free_port()
    environment = cli_env(ANGUI_API_TOKENS=f"{READER},{OTHER_READER}", ANGUI_ADMIN_TOKENS=ADMIN, **env)
    base = f"http://127.0.0.1:{port}"
    with process(["serve", "--index", str(index), "--port", str(port)], environment, f"{base}/healthz",
                 log_dir / f"serve-{port}.log"):
        yield base
