"""Ranking signals that do not depend on meaning: verbatim phrases, question words, obligation before penalty;
each test also shows the order the signal changes (with the signal off, the other unit wins)."""

from __future__ import annotations

import pytest

from angui.answer import retrieve
from angui.answer.phrases import phrases
from angui.answer.retrieve import searched_words
from angui.lexical import BM25Index, tokenize

from helpers import ingest_into, open_service

INVESTIGATION = ("第一条 组织事故调查的部门应当将事故调查报告报本级人民政府，并报上一级人民政府备案。\n"
                 "第二条 较大事故由设区的市级人民政府负责组织调查。\n")
DRILLS = ("第五条 生产经营单位应当每年组织一次应急预案演练。演练应当结合本单位的事故风险特点进行，演练结束后应当对"
          "演练效果进行评估，撰写评估报告，分析存在的问题，并对应急预案提出修订意见，评估报告应当存档备查。\n"
          "第二十条 生产经营单位未每年组织一次应急预案演练的，由应急管理部门责令限期改正，可以处1万元以上3万元以下的"
          "罚款；逾期未改正的，责令停产停业整顿，并对其直接负责的主管人员处1万元以下的罚款。\n")
PLANS = ("第六条 编制应急预案前，编制单位应当进行事故风险辨识、评估和应急资源调查。\n"
         "第七条 应急预案之前已经编制并备案的，修订后应当按照本办法重新备案。\n")

TAIL = "；情节特别严重、影响特别恶劣的，应急管理部门可以按照前款罚款数额的二倍以上五倍以下对负有责任的生产经营单位处以罚款。"
FINES = ("第一条 发生生产安全事故，对负有责任的生产经营单位除要求其依法承担相应的赔偿等责任外，由应急管理部门处以罚款。\n"
         f"第二条 发生一般事故的，对负有责任的生产经营单位处三十万元以上一百万元以下的罚款{TAIL}\n"
         f"第三条 发生较大事故的，对负有责任的生产经营单位处一百万元以上二百万元以下的罚款{TAIL}\n")


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory):
    src = tmp_path_factory.mktemp("ranking")
    (src / "事故调查办法.txt").write_text(INVESTIGATION, encoding="utf-8")
    (src / "应急演练办法.txt").write_text(DRILLS, encoding="utf-8")
    (src / "事故罚款办法.txt").write_text(FINES, encoding="utf-8")
    (src / "应急预案办法.txt").write_text(PLANS, encoding="utf-8")
    index = src / "index"
    assert not ingest_into(index, src).skipped
    service = open_service(index)
    service.composer.gate.min_cover = 0.0  # the test embedder gates on term coverage; here only ordering matters
    return service


def first_loc(service, question: str) -> str:
    return service.ask(question).citations[0].loc


def test_phrases_join_adjacent_words_and_skip_stop_words() -> None:
    found = phrases("较大事故归哪一级政府组织调查", lambda t: 1.0)
    assert "较大事故" in found and found["较大事故"] == 2.0
    assert not any("哪" in p for p in found)
    assert phrases("的了吗", lambda t: 1.0) == {}


def test_question_words_are_not_search_terms() -> None:
    assert "一级" in tokenize("较大事故归哪一级政府组织调查")
    assert "一级" not in tokenize(searched_words("较大事故归哪一级政府组织调查")[0])
    assert {"较大", "事故", "调查"} <= set(tokenize(searched_words("较大事故归哪一级政府组织调查")[0]))
    assert "个人" not in tokenize(searched_words("厂里死了1个人罚多少")[0])  # the count gives way to its grade
    assert searched_words("厂里死了1个人罚多少")[1] == "一般事故"


def test_unit_holding_the_asked_phrase_ranks_first(service, monkeypatch) -> None:
    question = "较大事故归哪一级政府组织调查？"
    assert first_loc(service, question) == "第二条"
    monkeypatch.setattr(retrieve, "PHRASE_WEIGHT", 0.0)
    monkeypatch.setattr(retrieve, "QUESTION_WORDS", retrieve.re.compile("(?!)"))
    assert first_loc(service, question) == "第一条"  # without phrases, 哪一级 matches 上一级


def test_relative_times_are_searched_as_provisions_write_them(service, monkeypatch) -> None:
    assert searched_words("编制应急预案之前要做什么")[0].startswith("编制应急预案前")
    assert "公布后" in searched_words("公布以后多少天内备案")[0]
    for kept in ("可以前往", "所以前面", "3人以内的事故"):  # inside another word, after a count
        assert searched_words(kept)[0] == kept
    assert "前要" not in tokenize(searched_words("动火之前要检测什么")[0])
    assert "预案前" in phrases(searched_words("编制应急预案之前要做什么")[0], lambda t: 1.0)  # one phrase
    question = "编制应急预案之前，企业要做哪几项工作？"
    monkeypatch.setattr(retrieve, "ACTOR_BOOST", 0.0)  # 编制单位应当 would also lift 第六条: this signal alone
    assert first_loc(service, question) == "第六条"  # 编制应急预案前
    monkeypatch.setattr(retrieve, "RELATIVE_TIME", retrieve.re.compile("(?!)"))
    assert first_loc(service, question) == "第七条"  # 应急预案之前 verbatim


def scores(service, question: str) -> dict[str, float]:
    return {h.unit.meta["loc"]: h.score for h in service.composer.retriever.search(question).hits}


def test_penalty_provision_yields_to_the_obligation_unless_a_penalty_is_asked(service, monkeypatch) -> None:
    asked, not_asked = "企业未组织应急预案演练怎么罚", "企业应急预案演练要注意什么"
    assert first_loc(service, asked) == "第二十条"
    assert first_loc(service, not_asked) == "第五条"
    before = {q: scores(service, q) for q in (asked, not_asked)}
    kept = 1 - retrieve.PENALTY_DEMOTE
    monkeypatch.setattr(retrieve, "PENALTY_DEMOTE", 0.0)
    after = {q: scores(service, q) for q in (asked, not_asked)}
    assert before[asked] == after[asked]  # a penalty question keeps the penalty provision's full score
    assert before[not_asked]["第二十条"] == pytest.approx(kept * after[not_asked]["第二十条"])
    assert before[not_asked]["第五条"] == after[not_asked]["第五条"]


def test_a_count_of_the_dead_finds_the_provision_for_its_grade(service) -> None:
    assert first_loc(service, "厂里死了1个人，对企业罚多少") == "第二条"
    assert first_loc(service, "厂里死了5个人，对企业罚多少") == "第三条"


HAZARDS = ("序号,场所/环节/部位,较大危险因素,主要防范措施\n"
           "1,有限空间作业,未辨识有限空间作业场所，未设置警示标识,（１）辨识有限空间作业场所，设置警示标识；（２）执行作业审批；（３）作业前检测\n")
CHECKLIST = ("序号,隐患自查标准,自查标准项具体描述\n"
             "1,作业现场管理,是否遵守“先通风、再检测、后作业”的原则。禁止采用纯氧通风换气。\n")


def test_a_self_check_question_is_answered_from_the_checklists(tmp_path, monkeypatch) -> None:
    (tmp_path / "手册.csv").write_text(HAZARDS, encoding="utf-8")
    (tmp_path / "有限空间自查表.csv").write_text(CHECKLIST, encoding="utf-8")
    assert not ingest_into(tmp_path / "index", tmp_path / "手册.csv", tmp_path / "有限空间自查表.csv").skipped
    service = open_service(tmp_path / "index")
    service.composer.gate.min_cover = 0.0
    question = "有限空间作业自查清单，要查哪些点？"
    assert "点" not in tokenize(searched_words(question)[0])  # 哪些点 asks how, not what
    assert service.ask(question).citations[0].doc.startswith("有限空间自查表")
    monkeypatch.setattr(retrieve, "SELF_CHECK_BOOST", 0.0)
    assert not service.ask(question).citations[0].doc.startswith("有限空间自查表")  # the hazard row has more terms


def test_an_unknown_abbreviation_stands_for_the_indexed_words_that_keep_its_characters_in_order() -> None:
    index = BM25Index()
    texts = ["使用单位应当在有效期届满前一个月提出定期检验要求。", "在可行性研究阶段进行安全预评价。", "持续不断改进。",
             "定期检查，建立台账。"]
    index.build(((str(n), tokenize(t)) for n, t in enumerate(texts)), "test")
    assert index.expansions("定检") == ["定期检查", "定期检验"]  # the most frequent first, then by text
    assert index.expansions("可研") == ["可行性研究"]
    assert index.expansions("不改") == []  # a negation + verb is a phrase (逾期不改), not 不断改进
    assert index.expansions("定期") == []  # known words stay as they are
    assert index.expansions("检定") == []  # the first character must lead


PADDING = "使用单位应当建立安全技术档案，记录设计文件、产品质量合格证明、安装及使用维护保养说明、监督检验证明等相关技术资料和文件。"
PRESSURE = (f"第八条 使用单位应当在检验合格有效期届满前一个月提出定期检验要求。{PADDING}\n"
            f"第九条 压力容器使用单位应当申请办理使用登记。{PADDING}\n")


def test_an_abbreviation_is_searched_as_the_words_it_stands_for(tmp_path, monkeypatch) -> None:
    (tmp_path / "特种设备办法.txt").write_text(PRESSURE, encoding="utf-8")
    assert not ingest_into(tmp_path / "index", tmp_path / "特种设备办法.txt").skipped
    service = open_service(tmp_path / "index")
    question = "压力容器检验合格快到期了，要提前多久申请定检？"
    retrieval = service.composer.retriever.search(question)
    assert "定期检验" in retrieval.terms and "定检" not in retrieval.terms
    assert retrieval.hits[0].unit.meta["loc"] == "第八条"  # 定检 → 定期检验
    monkeypatch.setattr(retrieve, "EXPANSIONS", 0)
    assert service.composer.retriever.search(question).hits[0].unit.meta["loc"] == "第九条"  # 压力容器, 申请 win


INJURY = ("第十七条 职工发生事故伤害，所在单位应当自事故伤害发生之日起30日内，向社会保险行政部门提出工伤认定申请。\n"
          "第二十条 社会保险行政部门应当自受理工伤认定申请之日起60日内作出工伤认定的决定，并书面通知职工所在单位。\n")


def test_the_rule_whose_subject_is_the_asked_role_ranks_first(tmp_path, monkeypatch) -> None:
    assert retrieve.ASKED_ROLE.findall("单位要在多少天内去社保部门申请？") == ["单位"]  # 部门 is where, not who
    assert retrieve.ASKED_ROLE.findall("列出生产经营单位主要负责人的全部职责") == []  # 主要 is no 要
    assert retrieve.MODAL.search("编制应急预案前，编制单位应当").group() == "应当"  # 应急 is no modal
    (tmp_path / "工伤办法.txt").write_text(INJURY, encoding="utf-8")
    assert not ingest_into(tmp_path / "index", tmp_path / "工伤办法.txt").skipped
    service = open_service(tmp_path / "index")
    question = "工人受了伤，单位要在多少天内去社保部门申请工伤认定？"
    assert service.composer.retriever.search(question).hits[0].unit.meta["loc"] == "第十七条"  # 所在单位应当
    monkeypatch.setattr(retrieve, "ACTOR_BOOST", 0.0)
    assert service.composer.retriever.search(question).hits[0].unit.meta["loc"] == "第二十条"


def test_a_how_long_question_lifts_the_unit_that_states_a_counted_time(tmp_path, monkeypatch) -> None:
    (tmp_path / "检验办法.txt").write_text(
        "第八条 气瓶使用单位应当定期申请检验，按时进行检验检测，检验不合格的不得继续使用。\n"
        "第九条 气瓶使用单位应当在检验合格有效期届满前1个月申请检验。\n", encoding="utf-8")
    assert not ingest_into(tmp_path / "index", tmp_path / "检验办法.txt").skipped
    service = open_service(tmp_path / "index")
    with_boost = scores(service, "气瓶要提前多久申请检验？")
    monkeypatch.setattr(retrieve, "INTENT_BOOST", 0.0)
    without = scores(service, "气瓶要提前多久申请检验？")
    assert with_boost["第九条"] == pytest.approx((1 + 0.15) * without["第九条"])  # 1个月 answers 多久
    assert with_boost["第八条"] == pytest.approx(without["第八条"])  # 定期 is a time, not how long


def test_a_penalty_by_another_act_lifts_that_acts_units(tmp_path, monkeypatch) -> None:
    (tmp_path / "危险品条例.txt").write_text(
        "第七十六条 危险品生产企业应当取得安全生产许可证。\n"
        "第七十七条 未依法取得危险品安全生产许可证从事危险品生产的，依照《许可证条例》的规定处罚。\n", encoding="utf-8")
    (tmp_path / "许可证条例.txt").write_text(
        "第十九条 未取得许可证擅自进行生产的，责令停止生产，并处10万元以上50万元以下的罚款。\n"
        "第二十条 许可证有效期满未办理延期手续，继续进行生产的，处5万元以上10万元以下的罚款。\n", encoding="utf-8")
    assert not ingest_into(tmp_path / "index", tmp_path).skipped
    service = open_service(tmp_path / "index")
    asked = "危险品生产企业没取得安全生产许可证就生产，罚多少？"
    lifted = scores(service, asked)
    monkeypatch.setattr(retrieve, "REFERRAL", retrieve.re.compile("(?!)"))
    plain = scores(service, asked)
    for loc in ("第十九条", "第二十条"):  # the act the top penalty refers to
        assert lifted[loc] == pytest.approx((1 + retrieve.FAMILY_BOOST) * plain[loc])
    assert lifted["第七十七条"] == pytest.approx(plain["第七十七条"])  # the referring act itself is not lifted
