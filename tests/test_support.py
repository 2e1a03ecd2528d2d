"""What a question names that its evidence must name too: a what-is subject, standards cited by number."""

from __future__ import annotations

import pytest

from angui.answer.support import asked_terms, names_any, standards


@pytest.mark.parametrize("question, terms", [
    ("今年消防宣传月的口号是什么？", ["口号", "消防宣传月"]),  # the head and its owner, without 今年
    ("什么是重大事故隐患？", ["重大事故隐患"]),
    ("“有限空间”到底指什么", ["有限空间"]),  # quotes and 到底 only say how it asks
    ("职业禁忌的定义", ["职业禁忌"]),
    ("开展这项执法检查工作的目的是什么？", []),  # 目的 is a word, not 目 + 的; its owner is too long to be named verbatim
    ("注册安全工程师考试报名条件是什么？", []),  # a description, not a term
    ("有限空间作业要检查哪些内容？", []),  # no what-is question
])
def test_asked_terms(question, terms):
    assert asked_terms(question) == terms


def test_a_field_label_does_not_name_the_term():
    front_matter = "- 发布机关：应急管理部\n- 适用主题：应急预案, 备案"
    assert not names_any([front_matter], ["主题"])
    assert names_any([front_matter], ["备案"])
    assert names_any(["第二条 重大危险源，是指……"], ["口号", "重大危险源"])


def test_standards_cited_by_number_match_however_they_are_written():
    assert standards("GB/T 33000企业安全生产标准化基本规范一共几个要素") == {("gb", "33000")}
    assert standards("依据：《水泥工厂职业安全卫生设计规范》（ＧＢ５０５７７）") == {("gb", "50577")}  # full-width
    assert standards("GB5959.2、AQ 3009-2007 与 GBZ 2.1") == {("gb", "5959.2"), ("aq", "3009"), ("gbz", "2.1")}
    assert standards("ABGB12 型号、第33000号") == set()  # letters inside a word, a bare number
