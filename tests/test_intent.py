"""Question intent: cues in the question (the earliest wins, the rest are facets), with a confidence."""

from __future__ import annotations

import pytest

from angui.answer.intent import GENERAL, IntentClassifier
from angui.embeddings import EmbeddingCache, HashEmbedder


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> IntentClassifier:
    embedder = HashEmbedder()
    return IntentClassifier(embedder, EmbeddingCache(tmp_path_factory.mktemp("c") / "c.sqlite", embedder.name))


@pytest.mark.parametrize("question, intent", [
    ("动火作业审批由谁签字？", "who"),
    ("没有设置安全警示标志怎么罚？", "penalty"),
    ("作出行政处罚决定后几天内要公示？", "deadline"),  # 处罚 names the topic, the question asks when
    ("起重机械多久检验一次？", "deadline"),
    ("检修安排在哪几个月？", "deadline"),
    ("行灯电压最高多少伏？", "number"),
    ("压力容器多久要定期检验一次？", "deadline"),  # a device named 压力…, not a pressure asked
    ("储罐的设计压力不能超过多少？", "number"),
    ("什么是有限空间？", "definition"),
    ("危险作业怎么界定的，包括哪些作业？", "definition"),
    ("主要负责人有哪些职责？", "list"),
    ("哪些单位要建专职消防队？", "list"),
    ("“拒绝违章指挥”出自哪一条？", "source"),
    ("2016版和2019版相比改了什么？", "edition"),
    ("动火前要做啥准备？", "howto"),
])
def test_cue_intents(classifier: IntentClassifier, question: str, intent: str) -> None:
    qvec = HashEmbedder().embed_query(question)
    got = classifier.classify(question, qvec)
    assert got.name == intent and 0.5 <= got.confidence <= 1.0


def test_facets_and_confidence(classifier: IntentClassifier) -> None:
    q = "这项任务谁牵头，什么时候完成？"
    got = classifier.classify(q, HashEmbedder().embed_query(q))
    assert got.name == "who" and got.has("deadline") and not got.has("penalty")


def test_question_without_cue_falls_back_to_examples_or_general(classifier: IntentClassifier) -> None:
    q = "粉尘车间"
    got = classifier.classify(q, HashEmbedder().embed_query(q))
    assert got.facets == frozenset() and (got.name == GENERAL or got.confidence >= 0.5)
