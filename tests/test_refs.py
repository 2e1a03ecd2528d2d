"""Exact references in questions: numerals, short names, abbreviations."""

from __future__ import annotations

import pytest

from angui.answer.refs import document_names, find_references, mentioned_families, unheld_documents

FAMILIES = ["安全生产法", "生产安全事故应急预案管理办法", "工贸企业粉尘防爆安全规定", "安全生产许可证条例",
            "生产安全事故报告和调查处理条例", "消防法"]


@pytest.mark.parametrize("question, loc, family", [
    ("安全生产法第四十一条", "第四十一条", "安全生产法"),
    ("安法41条", "第四十一条", "安全生产法"),
    ("《中华人民共和国安全生产法》第一百一十九条是什么", "第一百一十九条", "安全生产法"),
    ("应急预案管理办法第26条", "第二十六条", "生产安全事故应急预案管理办法"),
    ("粉尘防爆规定第十条", "第十条", "工贸企业粉尘防爆安全规定"),
    ("事故报告条例第九条", "第九条", "生产安全事故报告和调查处理条例"),
    ("消防法第６０条", "第六十条", "消防法"),
])
def test_named_article(question, loc, family):
    (ref,) = find_references(question, FAMILIES)
    assert ref.loc == loc and ref.families[0] == family


def test_bare_article_has_no_family():
    (ref,) = find_references("第四十一条讲什么", FAMILIES)
    assert ref.loc == "第四十一条" and ref.families == []


def test_counting_words_are_not_references():
    assert find_references("企业要落实哪3条措施？", FAMILIES) == []
    assert find_references("有限空间作业检查哪些内容？", FAMILIES) == []


def test_annex_items_rows_and_clauses():
    locs = [r.loc for r in find_references("附件第4项和第12行，还有4.2.1条款", FAMILIES)]
    assert locs == ["附件 第4项", "第12行", "4.2.1"]


def test_longest_name_wins_and_unrelated_names_do_not_match():
    assert mentioned_families("安全生产许可证条例第五条", FAMILIES)[0] == "安全生产许可证条例"
    assert mentioned_families("三同时是什么？", FAMILIES) == []


def test_an_alias_inside_a_longer_name_is_no_mention():
    assert mentioned_families("道路交通安全法第二十条", FAMILIES + ["特种设备安全法"]) == []  # not 安全法, not 特种设备安全法
    assert mentioned_families("违反安全法第二十一条要罚多少", FAMILIES) == ["安全生产法"]
    assert mentioned_families("按安法怎么处罚", FAMILIES) == ["安全生产法"]
    assert mentioned_families("某某条例第5条", FAMILIES) == []  # 条例 alone names no document


def test_documents_the_knowledge_base_lacks():
    assert document_names("《职业健康监护技术规范》第6条讲的什么") == ["职业健康监护技术规范"]
    assert unheld_documents("道路交通安全法第二十条", FAMILIES) == ["道路交通安全法"]
    assert unheld_documents("刑法第134条", FAMILIES) == ["刑法"]
    for held in ("2016版应急预案管理办法第二十一条", "请问安全生产法第二十条", "粉尘防爆规定第29条", "《消防法》第六十条",
                 "16年原版88号令第二十一条", "安法第四十一条"):
        assert unheld_documents(held, FAMILIES) == [], held
