"""Accident grades from counts of the dead or seriously injured (条例第三条: 以上 includes the number)."""

from __future__ import annotations

import pytest

from angui.answer.grades import graded


@pytest.mark.parametrize("question, grade", [
    ("辖区一个小厂干活时死了1个人，对企业罚款幅度是多少？", "一般事故"),
    ("死了两个人归谁调查", "一般事故"),
    ("一次死了3个人的事故算什么等级？", "较大事故"),
    ("造成9人死亡", "较大事故"),
    ("造成10人死亡的事故谁调查", "重大事故"),
    ("死亡三十人", "特别重大事故"),
    ("重伤12人，无人死亡", "较大事故"),
    ("死了2个人，重伤60人", "重大事故"),  # the graver count decides
    ("3名工人死亡", "较大事故"),
    ("事故发生后多久要报告", None),
    ("车间有10个人", None),
    ("死亡3人以下的算一般事故吗", None),  # a threshold, not a count
    ("死了十几个人", None),
    ("死了三十多个人", None),
    ("死了一两个人怎么处理", None),  # a range: no one grade, and no error
    ("造成1.5人死亡", None),
    ("伤亡3人", None),  # casualties, not deaths
])
def test_grade_from_counts(question: str, grade: str | None) -> None:
    assert graded(question)[1] == grade


def test_the_count_gives_way_to_its_grade() -> None:
    text, grade = graded("厂里死了1个人，对企业罚多少")
    assert grade == "一般事故" and text.endswith(grade) and "1个人" not in text and "对企业罚多少" in text
    assert graded("有限空间作业检查哪些内容") == ("有限空间作业检查哪些内容", None)
