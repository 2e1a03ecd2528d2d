"""/check, /quiz, /outline and /diff against the Bot API stand-in: a summary, the Word file, quiz polls."""

from __future__ import annotations

import asyncio
import io
import json

import docx
import pytest
from test_bot import play, running

from botapi_standin import BotApiStandIn
from helpers import open_service

USER = 4242


@pytest.fixture(scope="module")
def service(knowledge_index):
    return open_service(knowledge_index)


@pytest.fixture
def api():
    with BotApiStandIn() as standin:
        yield standin


def _documents(api: BotApiStandIn) -> list[tuple[str, bytes]]:
    """(file name, content) of every file the bot sent."""
    return [params["document"] for params in api.called("sendDocument")]


async def _command(api: BotApiStandIn, text: str, documents: int) -> None:
    api.send_text(USER, text)
    await api.until(lambda: len(api.called("sendDocument")) >= documents, timeout=60)


def test_check_outline_and_diff_send_a_summary_and_a_word_file(api, service):
    async def scenario() -> None:
        async with running(api, service):
            await _command(api, "/check 粉尘涉爆", 1)
            await _command(api, "/outline 应急预案", 2)
            await _command(api, "/diff 应急预案管理办法", 3)
            api.send_text(USER, "/check")
            await api.until(lambda: any("用法：/check" in m["text"] for m in api.sent(USER)))
            await asyncio.sleep(0.2)

    play(scenario)
    texts = [m["text"] for m in api.sent(USER)]
    assert any("粉尘涉爆检查表" in t and "第二十三条" in t for t in texts)
    assert any("课程大纲" in t for t in texts) and any("修改" in t and "新增" in t for t in texts)
    names = [name for name, _ in _documents(api)]
    assert names == ["粉尘涉爆检查表.docx", "应急预案课程大纲.docx", "生产安全事故应急预案管理办法版本对比.docx"]
    table = docx.Document(io.BytesIO(_documents(api)[0][1])).tables[0]
    assert "粉尘清理和处置记录" in [row.cells[1].text for row in table.rows]
    diff_cells = [c.text for t in docx.Document(io.BytesIO(_documents(api)[2][1])).tables for r in t.rows for c in r.cells]
    assert "第二十一条" in diff_cells
    assert not api.errors()


def test_quiz_sends_polls_with_the_right_option_and_the_answer_key(api, service):
    async def scenario() -> None:
        async with running(api, service):
            await _command(api, "/quiz 应急预案", 1)

    play(scenario)
    polls = api.called("sendPoll")
    assert polls and all(p["type"] == "quiz" and p["is_anonymous"] in (False, "false", "False") for p in polls)
    assert all(p["explanation"].startswith("依据") for p in polls)
    (name, data), = _documents(api)
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    for p in polls:
        options = json.loads(p["options"]) if isinstance(p["options"], str) else p["options"]
        ids = json.loads(p["correct_option_ids"]) if isinstance(p["correct_option_ids"], str) else p["correct_option_ids"]
        right = options[int(ids[0])]
        right = right["text"] if isinstance(right, dict) else right
        assert right in body.split("答案与依据")[1]  # the poll's right option is the key's answer
    assert not api.errors()
