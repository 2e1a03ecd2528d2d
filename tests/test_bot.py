"""The Telegram bot end to end: the real Application against a Bot API stand-in on 127.0.0.1, plus its helpers."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest
from bot_helpers import play, running

from angui.answer.model import Answer, Citation, Statement
from angui.answer.service import AnswerService
from angui.bot.telegram_app import MAX_VOTE_CHANGES
from angui.bot.telegram_format import render_answer, split_message
from angui.bot.telegram_texts import ADMIN_ONLY, ERROR_TEXT, REFUSAL, SOURCES_SENT, UPLOAD_REFUSED
from angui.feedback import hash_user, load_key
from angui.ingest.uploads import safe_name, upload_problem
from angui.ratelimit import RateLimiter
from angui.settings import Settings

from botapi_standin import BotApiStandIn, html_problem, plain_text
from helpers import SEED, cli_env, ingest_into, open_service, run_cli, shared_stream_pdf

ESCAPE_NAME = "高温压力容器操作规程.txt"
ESCAPE_TEXT = ("高温压力容器操作规程\n\n第一条 温度<80℃ & 压力>1MPa 时，操作人员应当每小时巡检一次并记录读数。\n\n"
               "第二条 超过上述限值时应当立即停机，并报告安全管理人员。\n")
ESCAPED = "温度&lt;80℃ &amp; 压力&gt;1MPa"
QUESTIONS = ["有限空间作业检查哪些内容？", "三同时是什么？", "安全生产标准化什么时候完成？", "隐患清零行动聚焦哪些行业？"]
pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> AnswerService:
    """knowledge/ plus a small file whose text holds <, > and &, ingested once into a session index."""
    root = tmp_path_factory.mktemp("bot")
    extra = root / ESCAPE_NAME
    extra.write_text(ESCAPE_TEXT, encoding="utf-8")
    ingest_into(root / "index", SEED, extra)
    return open_service(root / "index")


@pytest.fixture
def api() -> BotApiStandIn:
    with BotApiStandIn() as standin:
        yield standin


def answers(api: BotApiStandIn, chat: int) -> list[dict]:
    """The bot's answer messages in a chat (the part carrying the buttons)."""
    return [m for m in api.sent(chat) if "reply_markup" in m]


def button(message: dict, label: str) -> str:
    return next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                if b["text"] == label)


async def ask(api: BotApiStandIn, user: int, question: str) -> dict:
    before = len(answers(api, user))
    api.send_text(user, question)
    await api.until(lambda: len(answers(api, user)) > before)
    return answers(api, user)[-1]


async def press(api: BotApiStandIn, user: int, message: dict, label: str) -> list[dict]:
    """Press a button; returns the messages it brought."""
    before = len(api.sent(user))
    api.click(user, message, button(message, label))
    await api.until(lambda: len(api.sent(user)) > before and api.called("answerCallbackQuery"))
    await asyncio.sleep(0.3)  # let every part of a split reply arrive
    return api.sent(user)[before:]


# --- end to end ----------------------------------------------------------------------------------------------


def test_allowed_user_gets_cited_answer(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, allowed_users=frozenset({100})):
            api.send_text(100, "/start")
            await api.until(lambda: api.sent(100))
            assert "有限空间作业检查哪些内容？" in api.sent(100)[0]["text"]
            reply = await ask(api, 100, "有限空间作业检查哪些内容？")
        assert "《" in reply["text"] and "[1]" in reply["text"] and "依据" in reply["text"]
        assert reply["text"] in [p["text"] for p in api.called("sendMessage") if p.get("parse_mode") == "HTML"]
        assert {"chat_id": "100", "action": "typing"}.items() <= api.called("sendChatAction")[0].items()
        assert [c["command"] for c in api.called("setMyCommands")[0]["commands"]] == ["ask", "check", "quiz", "outline",
                                                                                      "diff", "sources", "help", "start"]
        assert not api.errors()

    play(scenario)


def test_outside_allow_list_refused(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, allowed_users=frozenset({100}), allowed_chats=frozenset({-500})):
            api.send_text(200, "三同时是什么？")
            await api.until(lambda: api.sent(200))
            api.send_text(201, "/ask 三同时是什么？", chat_id=-600)
            api.send_text(202, "@angui_test_bot 三同时是什么？", chat_id=-500, mention="@angui_test_bot")
            await api.until(lambda: api.sent(-600) and answers(api, -500))
        assert [m["text"] for m in api.sent(200)] == [REFUSAL]
        assert [m["text"] for m in api.sent(-600)] == [REFUSAL]
        assert "三同时" not in json.dumps(api.sent(200) + api.sent(-600), ensure_ascii=False)
        assert "《" in answers(api, -500)[0]["text"]  # anyone in an allowed chat may ask

    play(scenario)


def test_group_answers_only_when_addressed(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service):
            api.send_text(300, "三同时是什么？", chat_id=-700)
            await asyncio.sleep(0.5)
            assert not api.sent(-700)
            api.send_text(300, "/ask 三同时是什么？", chat_id=-700)
            await api.until(lambda: len(answers(api, -700)) == 1)
            api.send_text(300, "有限空间 @angui_test_bot", chat_id=-700, mention="@angui_test_bot")
            await api.until(lambda: len(answers(api, -700)) == 2)
            api.send_text(300, "那么谁牵头？", chat_id=-700, reply_to=answers(api, -700)[-1])
            await api.until(lambda: len(answers(api, -700)) == 3)

    play(scenario)


def test_source_text_escaped(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service):
            reply = await ask(api, 100, "温度超过80℃压力超过1MPa时怎么办？")
            assert ESCAPED in reply["text"]
            full = await press(api, 100, reply, "原文")
        assert any(ESCAPED in m["text"] for m in full)
        assert "温度<80℃ & 压力>1MPa" in plain_text(reply["text"])
        assert not api.errors()

    play(scenario)


def test_long_answer_arrives_in_parts(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, answer_k=30):
            reply = await ask(api, 100, "有限空间作业检查哪些内容？")
            parts = await press(api, 100, reply, "原文")
        assert len(parts) >= 2
        assert all(len(p["text"]) <= 4096 and html_problem(p["text"]) is None for p in parts)
        labels = [line for p in parts for line in p["text"].splitlines() if line.startswith("<b>[")]
        assert len(labels) == len(service.ask("有限空间作业检查哪些内容？", 30).citations) > 10
        assert all(line.endswith("</b>") for line in labels)  # no citation line was cut
        assert not api.errors()

    play(scenario)


def test_buttons(api: BotApiStandIn, service: AnswerService) -> None:
    user = 987654321
    feedback = service.settings.index_dir / "feedback.jsonl"

    async def scenario() -> None:
        async with running(api, service):
            reply = await ask(api, user, "三同时是什么？")
            full = await press(api, user, reply, "原文")
            assert "<blockquote>" in full[0]["text"] and "同时设计、同时施工" in full[0]["text"]
            more = await press(api, user, reply, "更多依据")
            assert "更多依据" in more[0]["text"] and "<b>[6]</b>" in more[0]["text"]
            await press_vote(api, user, reply)

    play(scenario)
    rows = [json.loads(line) for line in feedback.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in rows if r["user"] == hash_user(user, load_key(feedback.with_suffix(".key")))]
    assert len(mine) == 1 and mine[0]["vote"] == "up" and mine[0]["question"] == "三同时是什么？"
    assert mine[0]["citations"][0]["doc"] and mine[0]["citations"][0]["loc"]
    assert str(user) not in feedback.read_text(encoding="utf-8")


async def press_vote(api: BotApiStandIn, user: int, reply: dict) -> None:
    """👍 twice: one stored vote, two thanks."""
    for _ in range(2):
        count = len(api.called("answerCallbackQuery"))
        api.click(user, reply, button(reply, "👍"))
        await api.until(lambda n=count: len(api.called("answerCallbackQuery")) > n)
    assert "感谢反馈" in api.called("answerCallbackQuery")[-1]["text"]


def test_repeated_presses_send_the_full_text_once_and_vote_flips_are_bounded(api: BotApiStandIn,
                                                                            service: AnswerService) -> None:
    user = 55501
    feedback = service.settings.index_dir / "feedback.jsonl"

    async def click(reply: dict, label: str) -> None:
        count = len(api.called("answerCallbackQuery"))
        api.click(user, reply, button(reply, label))
        await api.until(lambda: len(api.called("answerCallbackQuery")) > count)

    async def scenario() -> None:
        async with running(api, service):
            reply = await ask(api, user, "三同时是什么？")
            before = len(api.sent(user))
            for _ in range(6):
                await click(reply, "原文")
            await asyncio.sleep(0.3)
            assert len(api.sent(user)) - before == 1  # one full text, however often the button is pressed
            assert api.called("answerCallbackQuery")[-1]["text"] == SOURCES_SENT
            for n in range(20):
                await click(reply, "👍" if n % 2 == 0 else "👎")

    play(scenario)
    key = load_key(feedback.with_suffix(".key"))
    mine = [json.loads(x) for x in feedback.read_text(encoding="utf-8").splitlines()]
    assert len([r for r in mine if r["user"] == hash_user(user, key)]) == MAX_VOTE_CHANGES


def test_rate_limit_bites(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, rate_limit=10):
            for i in range(11):
                api.send_text(100, QUESTIONS[i % len(QUESTIONS)])
            await api.until(lambda: len(api.sent(100)) >= 11)
            await asyncio.sleep(0.3)
        texts = [m["text"] for m in api.sent(100)]
        assert len(answers(api, 100)) == 10
        assert [t for t in texts if "太频繁" in t] == ["您提问太频繁了，请 60 秒后再试（每分钟最多 10 个问题）。"]

    play(scenario)


def test_admin_upload_ingested(api: BotApiStandIn, tmp_path: Path) -> None:
    fresh = open_service(tmp_path / "index")

    async def scenario() -> None:
        async with running(api, fresh, admin_users=frozenset({1})):
            api.send_document(1, "说明.exe", b"MZ")
            api.send_document(1, ESCAPE_NAME, ESCAPE_TEXT.encode("utf-8"))
            await api.until(lambda: any("知识库现有" in m["text"] for m in api.called("editMessageText")), timeout=60)
            api.send_text(1, "/sources")
            await api.until(lambda: any("已入库文档" in m["text"] for m in api.sent(1)))
            reply = await ask(api, 1, "温度超过80℃压力超过1MPa时怎么办？")
        assert any("不支持的文件类型（.exe）" in m["text"] for m in api.sent(1))
        assert len(api.called("getFile")) == 1  # the .exe was refused before any download
        summary = api.called("editMessageText")[-1]["text"]
        assert "入库 1" in summary and "已入库《高温压力容器操作规程》：3 个单元" in summary
        assert "《高温压力容器操作规程》" in next(m["text"] for m in api.sent(1) if "已入库文档" in m["text"])
        assert ESCAPED in reply["text"]

    play(scenario)


def test_non_admin_upload_refused(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, admin_users=frozenset({1})):
            api.send_document(2, ESCAPE_NAME, ESCAPE_TEXT.encode("utf-8"))
            api.send_text(2, "/reload")
            await api.until(lambda: len(api.sent(2)) == 2)
        # updates are handled concurrently, so the two replies may arrive in either order
        assert sorted(m["text"] for m in api.sent(2)) == sorted([UPLOAD_REFUSED, ADMIN_ONLY])
        assert not api.called("getFile")

    play(scenario)


def test_admin_reload(api: BotApiStandIn, service: AnswerService) -> None:
    async def scenario() -> None:
        async with running(api, service, admin_users=frozenset({1})):
            api.send_text(1, "/reload")
            await api.until(lambda: api.sent(1))
        assert api.sent(1)[0]["text"] == "索引已重新加载，共 2 个文档。"

    play(scenario)


def test_errors_reach_users_as_apology(api: BotApiStandIn, service: AnswerService) -> None:
    class Broken(AnswerService):
        def ask(self, question: str, k: int = 5) -> Answer:
            raise RuntimeError("index unreadable")

    async def scenario() -> None:
        async with running(api, Broken(service.kb, service.composer)):
            api.send_text(100, "三同时是什么？")
            await api.until(lambda: api.sent(100))
        assert [m["text"] for m in api.sent(100)] == [ERROR_TEXT]

    play(scenario)


@pytest.mark.timeout(150)
def test_many_users_concurrently(api: BotApiStandIn, service: AnswerService) -> None:
    users = range(1000, 1020)

    async def scenario() -> None:
        async with running(api, service, rate_limit=1000):
            for i in range(10):
                for user in users:
                    api.send_text(user, QUESTIONS[(user + i) % len(QUESTIONS)])
            await api.until(lambda: sum(len(answers(api, u)) for u in users) >= 200, timeout=100)
        assert [len(answers(api, u)) for u in users] == [10] * 20
        assert not api.errors()

    play(scenario, limit=130)


# --- helpers -------------------------------------------------------------------------------------------------


def test_split_message_keeps_lines_tags_and_entities() -> None:
    cites = [f"<b>[{n}] 《某规程》(2020版) 第{n}条</b>\n<blockquote>" + "温度&lt;80℃；" * 90 + "</blockquote>"
             for n in range(1, 9)]
    html = "\n\n".join(cites) + "\n" + "<i>" + "很长的一行，" * 1500 + "</i>"
    parts = split_message(html)
    assert len(parts) > 3 and all(len(p) <= 4096 for p in parts)
    assert all(html_problem(p) is None for p in parts)  # tags balanced, no cut entity
    labels = [line for p in parts for line in p.splitlines() if line.startswith("<b>[")]
    assert labels == [c.split("\n")[0] for c in cites]
    assert "".join(plain_text(p) for p in parts).replace("\n", "") == plain_text(html).replace("\n", "")
    assert split_message("短消息") == ["短消息"] and split_message("  ") == []


def test_render_answer_escapes_and_numbers() -> None:
    cite = Citation(n=1, doc="规程", edition="2020", status="已废止", loc="第一条", text=ESCAPE_TEXT, quote="",
                    source="x", page=None, score=1.0)
    answer = Answer("q", True, lead=[Statement("温度<80℃ & 压力>1MPa", 1)], points=[Statement("a<b", 1)],
                    citations=[cite], warnings=["[1] 出自已废止文本"])
    html = render_answer(answer)
    assert ESCAPED in html and "<b>[1]</b> 《规程》(2020) 第一条【已废止】" in html
    assert "<b>检查要点：</b>\n1. a&lt;b [1]" in html and "<b>依据：</b>" in html
    assert html_problem(html) is None and "⚠️" in html
    assert plain_text(html).splitlines()[:4] == answer.text.splitlines()[:4]  # same lines as the plain text


def test_rate_limiter_sliding_window() -> None:
    now = [0.0]
    limiter = RateLimiter(limit=2, window=60, clock=lambda: now[0])
    assert limiter.acquire("a") == 0 and limiter.acquire("a") == 0
    assert limiter.acquire("a") == 60 and limiter.acquire("b") == 0
    now[0] = 30.0
    assert limiter.acquire("a") == 30
    now[0] = 60.0
    assert limiter.acquire("a") == 0


def test_bot_settings_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "42:abc")
    monkeypatch.setenv("ANGUI_ALLOWED_USERS", "1, 2")
    monkeypatch.setenv("ANGUI_ALLOWED_CHATS", "-100123")
    monkeypatch.setenv("ANGUI_TELEGRAM_BASE_URL", "http://127.0.0.1:8081/bot")
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_token == "42:abc" and settings.allowed_users == {1, 2}
    assert settings.base_file_url == "http://127.0.0.1:8081/file/bot" and settings.rate_limit == 10
    assert settings.allows(2, 5) and settings.allows(9, -100123) and not settings.allows(9, 9)


def test_upload_problem() -> None:
    assert upload_problem("a.PDF", 10, 50) is None
    assert "不支持" in upload_problem("a.exe", 10, 50)
    assert "过大" in upload_problem("a.txt", 60 * 1024 * 1024, 50)



@pytest.mark.slow
def test_questions_are_answered_while_an_upload_is_ingested(api: BotApiStandIn, tmp_path: Path) -> None:
    index = tmp_path / "index"
    ingest_into(index, SEED)
    fresh = open_service(index)
    pdf = shared_stream_pdf(tmp_path / "慢.pdf").read_bytes()  # about 20 s of parsing before it is refused

    async def scenario() -> None:
        async with running(api, fresh, admin_users=frozenset({1})):
            api.send_document(1, "慢.pdf", pdf)
            await api.until(lambda: any("正在导入" in m["text"] for m in api.sent(1)), timeout=30)
            await asyncio.sleep(1.0)  # the child ingest is parsing now
            for question in QUESTIONS[:3]:
                start = time.monotonic()
                await ask(api, 2, question)
                assert time.monotonic() - start < 2.0, question
            await api.until(lambda: any("知识库现有" in m["text"] for m in api.called("editMessageText")), timeout=60)
        final = api.called("editMessageText")[-1]["text"]
        assert "未导入 慢.pdf：解析超时" in final and "知识库现有 1 个文档" in final

    play(scenario)


def test_long_upload_names_are_shortened_to_a_storable_name() -> None:
    name = "安全生产" * 40 + ".pdf"  # 483 bytes: more than a file system allows
    short = safe_name(name)
    assert short.endswith(".pdf") and len(short.encode("utf-8")) <= 200 and short.startswith("安全生产")
    assert safe_name("../../etc/passwd.txt") == "passwd.txt" and safe_name("a\x00b.md") == "a_b.md"


def test_a_rejected_token_gives_one_line_without_the_token(api: BotApiStandIn, service: AnswerService) -> None:
    wrong = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawXyz"
    env = cli_env(TELEGRAM_BOT_TOKEN=wrong, ANGUI_TELEGRAM_BASE_URL=api.base_url,
                  ANGUI_INDEX_DIR=str(service.settings.index_dir))
    got = run_cli("bot", env=env, timeout=120)
    out = got.stdout + got.stderr
    assert got.returncode == 1 and "Traceback" not in out and wrong not in out, out
    assert out.strip().splitlines()[-1].startswith("出错：Telegram 拒绝了机器人令牌")


@pytest.mark.slow  # a CLI ingest in another process
def test_the_bot_answers_from_a_document_replaced_by_an_outside_ingest(api: BotApiStandIn, tmp_path: Path) -> None:
    index = tmp_path / "index"
    doc = tmp_path / "叉车.txt"
    doc.write_text("第一条 企业应当在三月底前完成叉车年度检验。\n", encoding="utf-8")
    ingest_into(index, SEED, doc)
    fresh = open_service(index)

    async def scenario() -> None:
        async with running(api, fresh):
            before = await ask(api, 7, "叉车年度检验什么时候完成？")
            doc.write_text("第一条 企业应当在六月底前完成叉车年度检验。\n", encoding="utf-8")
            outside = await asyncio.create_subprocess_exec(sys.executable, "-m", "angui", "ingest", str(doc), "--index",
                                                           str(index), env=cli_env(), stdout=asyncio.subprocess.DEVNULL)
            assert await outside.wait() == 0
            after = await ask(api, 7, "叉车年度检验什么时候完成？")
        assert "三月底" in before["text"] and "六月底" in after["text"] and "三月底" not in after["text"]

    play(scenario)


def test_a_refused_reupload_keeps_the_live_versions_file(tmp_path: Path) -> None:
    from angui.ingest.uploads import set_aside, settle

    path = tmp_path / "规程.txt"
    path.write_text("第一条 旧版本。\n", encoding="utf-8")
    previous = set_aside(path)
    path.write_bytes(b"\x00\x01 binary")  # the new upload, refused by the ingest
    settle(path, previous, stored=False)
    assert path.read_text(encoding="utf-8") == "第一条 旧版本。\n" and not previous.exists()
    previous = set_aside(path)
    path.write_text("第一条 新版本。\n", encoding="utf-8")
    settle(path, previous, stored=True)
    assert path.read_text(encoding="utf-8") == "第一条 新版本。\n" and not previous.exists()
    assert set_aside(tmp_path / "没有.txt") is None
