"""Accident grades from counts of the dead or seriously injured (条例第三条: 以上 includes the number)."""

from __future__ import annotations

import pytest

from angui.answer.grades import accident_grade


@pytest.mark.parametrize("question, grade", [
    ("辖区一个小厂干活时死了1个人，对企业罚款幅度是多少？", "一般事故"),
    ("死了两个人归谁调查", "一般事故"),
    ("一次死了3个人的事故算什么等级？", "较大事故"),
    ("造成9人死亡", "较大事故"),
    ("造成10人死亡的事故谁调查", "重大事故"),
    ("死亡三十人", "特别重大事故"),
    ("重伤12人，无人死亡", "较大事故"),
    ("死了2个人，重伤60人", "重大事故"),  # the graver count decides
    ("事故发生后多久要报告", None),
    ("车间有10个人", None),
])
def test_grade_from_counts(question: str, grade: str | None) -> None:
    assert accident_grade(question) == grade
