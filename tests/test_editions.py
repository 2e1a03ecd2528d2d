"""Editions in retrieval: twins matched by base loc (split units too), the current text always first."""

from __future__ import annotations

import pytest

from helpers import ingest_into, open_service

FILLER = "生产经营单位应当建立应急演练记录，演练结束后应当对演练效果进行评估，撰写评估报告，分析存在的问题。" * 14
OLD = ("第一条 为了规范应急演练，制定本办法。\n"
       "第二条 生产经营单位应当每年至少组织一次综合应急预案演练。\n"
       "第三条 本办法自公布之日起施行。\n")
NEW = ("第一条 为了规范应急演练，制定本办法。\n"
       f"第二条 {FILLER}生产经营单位应当每半年至少组织一次综合应急预案演练，并报告演练情况。\n"
       "第三条 本办法自公布之日起施行。\n")
QUESTIONS = ["综合应急预案演练多久组织一次？", "应急预案演练有什么要求", "应急演练办法第二条", "综合应急预案演练的规定新旧版本有什么变化？"]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("editions")
    (src / "应急演练办法(2016原文,已修订).txt").write_text(OLD, encoding="utf-8")
    (src / "应急演练办法(2019修正).txt").write_text(NEW, encoding="utf-8")
    index = src / "index"
    report = ingest_into(index, src)
    assert not report.skipped
    service = open_service(index)
    service.composer.gate.min_cover = 0.0  # the test embedder gates on term coverage; here only ordering matters
    return service


def test_current_article_is_split_into_parts(service) -> None:
    locs = {u.meta["loc"] for u in service.kb.store.iter_units() if u.meta["status"] == "现行"}
    assert {"第二条(1/2)", "第二条(2/2)"} <= locs


@pytest.mark.parametrize("question", QUESTIONS)
def test_superseded_unit_never_first_and_always_after_its_twin(service, question: str) -> None:
    answer = service.ask(question)
    assert answer.found and answer.citations[0].status == "现行"
    for c in answer.citations:
        if c.status != "现行":
            twins = [t for t in answer.citations if t.status == "现行" and t.loc.split("(")[0] == c.loc.split("(")[0]]
            assert twins and twins[0].n < c.n, (question, [(x.n, x.loc, x.status) for x in answer.citations])


def test_twin_of_a_split_unit_is_its_closest_part(service) -> None:
    retriever = service.composer.retriever
    old = next(u for u in service.kb.store.iter_units() if u.meta["status"] == "已修订" and u.meta["loc"] == "第二条")
    hits = retriever.search("每年至少组织一次综合应急预案演练", 5).hits
    assert hits[0].unit.meta["status"] == "现行" and hits[0].unit.meta["base_loc"] == "第二条"
    assert "每半年" in hits[0].unit.text  # the part that says what the superseded unit said
    assert retriever.superseded(hits[0].unit).id == old.id


def test_edition_change_answer_quotes_both_editions(service) -> None:
    answer = service.ask("综合应急预案演练的规定新旧版本有什么变化？")
    assert answer.signals["intent"] == "edition"
    body = answer.body
    assert "与2016原文（已修订）相比：" in body
    cited = {s.cite for s in answer.lead if s.cite}
    statuses = {answer.citations[n - 1].status for n in cited}
    assert statuses == {"现行", "已修订"}
    assert any("每年至少组织一次" in s.text for s in answer.lead) and any("每半年" in s.text for s in answer.lead)


def test_signals_are_in_the_json(service) -> None:
    result = service.ask("综合应急预案演练多久组织一次？").to_dict()
    assert result["signals"]["intent"] == "deadline" and "cover" in result["signals"]


def test_edition_change_with_one_citation_adds_the_superseded_text(service) -> None:
    answer = service.ask("综合应急预案演练的规定新旧版本有什么变化？", 1)
    assert [c.status for c in answer.citations] == ["现行", "已修订"]
    assert {s.cite for s in answer.lead if s.cite} == {1, 2}
