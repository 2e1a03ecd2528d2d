"""Penalty links parsed at ingest: explicit article references and listed violations matched to obligations."""

from __future__ import annotations

from pathlib import Path

import pytest

from angui.ingest.loaders import load
from angui.ingest.penalties import explicit_links, is_penalty, link_penalties
from angui.ingest.structure import parse_units
from angui.schema import Unit


def _linked(corpus: Path, name: str) -> dict[str, Unit]:
    units = parse_units(load(corpus / name))
    link_penalties(units)
    return {u.loc: u for u in units}


def test_explicit_reference_list() -> None:
    text = "粉尘涉爆企业违反本规定第十四条、第十五条、第18条的规定，处5万元以下的罚款。依照本规定第二条执行。"
    assert explicit_links(text) == ["第十四条", "第十五条", "第十八条"]
    assert explicit_links("违反本法规定，处二万元以上罚款") == []


def test_work_safety_law_chapter_six(corpus: Path) -> None:
    units = _linked(corpus, "laws/安全生产法(2021-06-10).md")
    assert units["第一百零五条"].links == ["第四十二条"]  # dormitories and exits ↔ the obligation that sets them
    assert {"第二十八条", "第二十四条"} <= set(units["第九十七条"].links)  # training, safety staff
    assert all(not u.links for u in units.values() if not is_penalty(u))


def test_dust_rule_chapter_six(corpus: Path) -> None:
    units = _linked(corpus, "rules/工贸企业粉尘防爆安全规定(2021).md")
    assert units["第二十九条"].links == ["第十四条", "第十五条", "第十六条", "第十八条", "第十九条"]
    assert {"第八条", "第十条", "第十二条"} <= set(units["第二十八条"].links)  # training, emergency plan, hazards


def test_emergency_plan_rule_chapter_six(corpus: Path) -> None:
    units = _linked(corpus, "rules/生产安全事故应急预案管理办法(2019修正).md")
    assert {"第十条", "第二十二条", "第二十四条"} <= set(units["第四十五条"].links)  # risk survey, review, notice
    assert is_penalty(units["第四十四条"]) and not is_penalty(units["第十条"])


@pytest.mark.parametrize("text", ["第一条 企业应当每月检查一次灭火器。", "第二条 本规定自公布之日起施行。"])
def test_obligations_are_not_penalties(text: str) -> None:
    assert not is_penalty(Unit(loc="第一条", text=text))
