"""`angui diff`: the two editions of the emergency-plan rule compared provision by provision, with exports."""

from __future__ import annotations

import docx
import pytest

from angui.answer.diff import ADDED, CHANGED, DiffError, compare, mark_words
from angui.export import diff_docx, diff_markdown

from helpers import KNOWLEDGE, ingest_into, open_kb, run_cli


@pytest.fixture(scope="module")
def rules_index(tmp_path_factory):
    index = tmp_path_factory.mktemp("rules") / "index"
    ingest_into(index, KNOWLEDGE / "rules", KNOWLEDGE / "laws" / "安全生产法(2021-06-10).md")
    return index


def test_article_21_changed_from_shall_to_may(rules_index):
    diff = compare(open_kb(rules_index).store, "应急预案管理办法")
    assert diff.current["edition"] == "2019修正" and diff.old["status"] == "已修订"
    (art21,) = [c for c in diff.of_kind(CHANGED) if c.new_loc == "第二十一条"]
    assert "前款规定以外的其他生产经营单位应当对本单位编制的应急预案进行论证" in art21.old_text
    assert "前款规定以外的其他生产经营单位可以根据自身需要，对本单位编制的应急预案进行论证" in art21.new_text
    assert "[-应当-]{+可以根据自身需要，+}" in art21.marked and "{+、运输+}" in art21.marked
    assert diff.unchanged > 10 and len(diff.of_kind(ADDED)) >= 1


def test_compared_texts_are_verbatim_from_their_units(rules_index):
    store = open_kb(rules_index).store
    diff = compare(store, "应急预案管理办法")
    texts = {fp: " ".join(u.text for u in store.iter_units() if u.meta["fingerprint"] == fp)
             for fp in (diff.current["fingerprint"], diff.old["fingerprint"])}
    for c in diff.changes:
        assert all(line in texts[diff.current["fingerprint"]] for line in c.new_text.splitlines())
        assert all(line in texts[diff.old["fingerprint"]] for line in c.old_text.splitlines())


def test_one_edition_or_unknown_document_is_explained(rules_index):
    store = open_kb(rules_index).store
    with pytest.raises(DiffError, match="只有一个版本"):
        compare(store, "安全生产法")
    with pytest.raises(DiffError, match="没有名为"):
        compare(store, "食品安全法")


def test_word_marks_ignore_layout_but_keep_the_sources_characters():
    assert mark_words("一、应当（甲）\n论证", "一、可以（甲） 论证") == "一、[-应当-]{+可以+}（甲） 论证"


def test_markdown_and_docx_exports_hold_every_change_and_both_sources(rules_index, tmp_path):
    diff = compare(open_kb(rules_index).store, "应急预案管理办法")
    md = diff_markdown(diff)
    assert "~~应当~~**可以根据自身需要，**" in md and "## 来源" in md and "2016原文（已修订）" in md
    out = diff_docx(diff, tmp_path / "diff.docx")
    document = docx.Document(str(out))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert all(c.new_loc in cells or c.old_loc in cells for c in diff.changes)
    body = "\n".join(p.text for p in document.paragraphs)
    assert "2019修正（现行）" in body and "2016原文（已修订）" in body
    struck = [r.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs
              for r in p.runs if r.font.strike]
    assert "应当" in struck


@pytest.mark.slow  # CLI processes
def test_cli_diff(rules_index, tmp_path):
    got = run_cli("diff", "应急预案管理办法", "--index", str(rules_index))
    assert got.returncode == 0 and "修改 第二十一条" in got.stdout
    bad = run_cli("diff", "安全生产法", "--index", str(rules_index))
    assert bad.returncode == 2 and "无法对比" in bad.stderr
