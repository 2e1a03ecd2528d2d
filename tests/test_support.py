"""What a what-is question asks about, and whether a unit names it outside its field labels."""

from __future__ import annotations

import pytest

from angui.answer.support import asked_terms, names_any


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
