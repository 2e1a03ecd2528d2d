"""`angui checklist`: items quoted verbatim from current units, the dust rule's inspection list, the manual's
industry rows, and exports that can be filled in on site."""

from __future__ import annotations

import json

import docx
import pytest

from angui.answer.checklist import build
from angui.answer.sentences import fields
from angui.export import checklist_docx, checklist_markdown

from helpers import open_service, run_cli

DUST_LIST = ["粉尘防爆安全生产责任制和相关安全管理制度的建立、落实情况", "粉尘爆炸风险清单和辨识管控信息档案",
             "粉尘爆炸事故隐患排查治理台账", "粉尘清理和处置记录", "粉尘防爆专项安全生产教育和培训记录", "应急预案的制定、演练情况"]


@pytest.fixture(scope="module")
def service(knowledge_index):
    return open_service(knowledge_index)


def test_dust_checklist_covers_the_rules_inspection_list(service):
    checklist = build(service.composer.retriever, "粉尘涉爆")
    assert len(checklist.items) >= 8
    items = [i.item for i in checklist.items]
    assert all(point in items for point in DUST_LIST)
    art23 = [i for i in checklist.items if i.citation["loc"] == "第二十三条"]
    assert len(art23) == 9 and all(i.citation["doc"] == "工贸企业粉尘防爆安全规定" for i in art23)


def test_every_quote_is_verbatim_and_current(service):
    for topic, industry in (("粉尘涉爆", ""), ("有限空间", ""), ("应急预案", ""), ("煤气", "冶金")):
        checklist = build(service.composer.retriever, topic, industry)
        assert checklist.items, topic
        for i in checklist.items:
            assert i.quote in i.citation["text"] and i.citation["status"] == "现行", (topic, i.item)
        assert len({i.item for i in checklist.items}) == len(checklist.items)  # near-duplicates merged


def test_metallurgy_checklist_draws_on_the_manuals_metallurgy_rows(service):
    checklist = build(service.composer.retriever, "煤气", "冶金")
    rows = [i for i in checklist.items if i.citation["doc"] == "工贸行业较大危险因素辨识与防范指导手册"]
    assert len(rows) >= 8 and all("冶金" in fields(i.citation["text"])["行业"] for i in rows)
    assert all(i.how for i in rows)  # 主要防范措施 says how


def test_superseded_text_never_appears(service):
    checklist = build(service.composer.retriever, "应急预案 评审")
    assert checklist.items and all(i.citation["edition"] != "2016原文" for i in checklist.items)


def test_exports_hold_every_item_its_source_and_a_result_column(service, tmp_path):
    checklist = build(service.composer.retriever, "粉尘涉爆")
    md = checklist_markdown(checklist)
    assert md.count("□符合 □不符合 □不适用") == len(checklist.items) and "## 来源" in md
    out = checklist_docx(checklist, tmp_path / "check.docx")
    table = docx.Document(str(out)).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["序号", "检查内容", "要求 / 方法", "依据", "检查结果", "备注"]
    rows = [[c.text for c in r.cells] for r in table.rows[1:] if r.cells[0].text != r.cells[1].text]  # not group rows
    groups = [r.cells[0].text for r in table.rows[1:] if r.cells[0].text == r.cells[-1].text]
    assert groups == list(dict.fromkeys(i.group for i in checklist.items))  # each group once, as a header row
    assert [r[1] for r in rows] == [i.item for i in checklist.items]
    assert all(r[3] == f"《{i.citation['doc']}》{i.citation['loc']}" for r, i in zip(rows, checklist.items))


@pytest.mark.slow  # CLI processes
def test_cli_checklist_json_contract(knowledge_index):
    got = run_cli("checklist", "粉尘涉爆", "--json", "--index", str(knowledge_index))
    data = json.loads(got.stdout)
    assert set(data) == {"topic", "industry", "items"} and data["topic"] == "粉尘涉爆"
    item = data["items"][0]
    assert set(item) == {"item", "quote", "how", "citation"}
    assert set(item["citation"]) == {"doc", "edition", "status", "loc", "text", "source", "id"}
    none = run_cli("checklist", "春节联欢晚会", "--index", str(knowledge_index))
    assert none.returncode == 2 and "没有找到" in none.stderr


def test_outline_sections_in_teaching_order_every_line_cited(service, tmp_path):
    from angui.answer.outline import SECTIONS
    from angui.answer.outline import build as outline
    from angui.export import outline_docx, outline_markdown

    result = outline(service.composer.retriever, "粉尘涉爆", service.composer.gate)
    assert list(result.sections) == list(SECTIONS)
    filled = [s for s, lines in result.sections.items() if lines]
    assert len(filled) >= 4 and filled == sorted(filled, key=SECTIONS.index)
    for line in result.lines:
        assert line.quote in line.citation["text"] and line.citation["status"] == "现行"
    penalties = result.sections[SECTIONS[3]]
    assert penalties and all(any(w in line.quote for w in ("罚款", "责令", "处分")) for line in penalties)
    md = outline_markdown(result)
    assert all(s in md for s in filled) and md.count("——《") == len(result.lines)
    document = docx.Document(str(outline_docx(result, tmp_path / "outline.docx")))
    assert sum("——《" in p.text for p in document.paragraphs) == len(result.lines)


@pytest.mark.slow  # CLI processes
def test_cli_outline_and_refusal(knowledge_index):
    got = run_cli("outline", "应急预案", "--index", str(knowledge_index))
    assert got.returncode == 0 and "# 应急预案 课程大纲" in got.stdout and "## 来源" in got.stdout
    none = run_cli("outline", "春节联欢晚会", "--index", str(knowledge_index))
    assert none.returncode == 2
