"""Chroma server mode: a real `chroma run` on 127.0.0.1, ingest and answers through HttpClient."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import MODEL, SEED, cli_env, open_kb, run_cli, two_ingests_together

QUESTIONS = ["重点行业领域重大隐患清零行动的完成时限是什么？", "企业全体员工要做什么公开承诺？", "北京今天限号吗？"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def chroma_server(tmp_path):
    """`chroma run` with its own port and data dir; stopped by PID at teardown."""
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if not exe:
        pytest.fail("the chroma CLI (from the chromadb package) is not installed")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2).read()
                break
            except OSError:
                if time.time() > deadline or proc.poll() is not None:
                    pytest.fail(f"chroma server did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
        log.close()


def _answers(index: Path, env: dict[str, str]) -> list[dict]:
    """The answers to QUESTIONS from `angui ask -` (one JSON line each)."""
    import json

    proc = run_cli("ask", "-", "--index", str(index), env=env, input="\n".join(QUESTIONS))
    assert proc.returncode == 0, proc.stderr
    return [json.loads(x) for x in proc.stdout.splitlines()]


@pytest.mark.slow
def test_ingest_and_answer_through_chroma_server(chroma_server, seed_index_model, tmp_path):
    env = cli_env(MODEL, ANGUI_CHROMA_URL=chroma_server)
    index = tmp_path / "local-files"  # the unit store and embedding cache stay local; the vector index is the server's
    proc = run_cli("ingest", str(SEED), "--index", str(index), env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (index / "chroma").exists()  # vectors went to the server, not to a local PersistentClient
    kb = open_kb(index, MODEL, chroma_url=chroma_server)
    assert kb.vectors.check() == "" and kb.vectors.collection("units").count() == kb.store.count("units") > 0
    stats = run_cli("stats", "--index", str(index), env=env).stdout
    assert "2022年雨花区工贸行业安全生产监督管理工作要点" in stats
    remote = _answers(index, env)
    local = _answers(seed_index_model, cli_env(MODEL))
    for r, lo in zip(remote, local):
        assert r["found"] == lo["found"] and r["answer"] == lo["answer"]
        assert [(c["doc"], c["loc"]) for c in r["citations"]] == [(c["doc"], c["loc"]) for c in lo["citations"]]
    assert remote[0]["found"] and "按市局规定时限推进" in remote[0]["answer"]
    rerun = run_cli("ingest", str(SEED), "--index", str(index), env=env).stdout.splitlines()
    assert [line[0] for line in rerun[:-1]] == ["="]  # one file, unchanged


@pytest.mark.slow
def test_two_ingests_together_through_chroma_server(chroma_server, tmp_path):
    two_ingests_together(tmp_path / "index", tmp_path, cli_env(ANGUI_CHROMA_URL=chroma_server))
