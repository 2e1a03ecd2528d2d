"""The DingTalk robot adapter end to end: DingTalk's stand-in → `angui dingtalk` → `angui serve`, all real processes
on 127.0.0.1; the request signature (timestamp + HMAC-SHA256 of the AppSecret) is checked before anything is asked."""

from __future__ import annotations

import time

import httpx
import pytest

from angui.web.dingtalk import BAD_SIGN, EMPTY, STALE, UNREACHABLE, check

from dingtalk_standin import DingTalkStandIn, dingtalk_sign
from helpers import cli_env, run_cli
from web_helpers import READER, bearer, free_port, process, served

SECRET = "SEC-test-app-secret-0123456789"
QUESTION = "有限空间作业前要做什么检测？"


@pytest.fixture(scope="module")
def api(knowledge_copy):
    with served(knowledge_copy, knowledge_copy.parent) as base:
        yield base


def _adapter(api_url: str, token: str, log_dir):
    port = free_port()
    env = cli_env(ANGUI_DINGTALK_SECRET=SECRET, ANGUI_DINGTALK_API_URL=api_url, ANGUI_DINGTALK_API_TOKEN=token)
    base = f"http://127.0.0.1:{port}"
    return base, process(["dingtalk", "--port", str(port)], env, f"{base}/healthz", log_dir / f"dingtalk-{port}.log")


@pytest.fixture(scope="module")
def robot(api, tmp_path_factory):
    base, running = _adapter(api, READER, tmp_path_factory.mktemp("robot"))
    with running:
        yield DingTalkStandIn(f"{base}/dingtalk", SECRET)


def test_a_signed_question_gets_the_cited_answer_as_markdown(robot, api):
    response = robot.send(QUESTION)
    assert response.status_code == 200
    reply = response.json()
    assert reply["msgtype"] == "markdown" and reply["markdown"]["title"] == "安规助手"
    text = reply["markdown"]["text"]
    answer = httpx.post(f"{api}/api/ask", json={"question": QUESTION}, headers=bearer(READER)).json()
    body = answer["answer"].split("\n\n依据：\n")[0]
    assert body.split("\n")[0] in text and "**依据**" in text
    for c in answer["citations"]:
        assert f"[{c['n']}] 《{c['doc']}》" in text and c["loc"] in text


@pytest.mark.parametrize(("change", "why"), [
    ({"secret": "another-secret"}, BAD_SIGN),
    ({"timestamp": str(int(time.time() * 1000) - 2 * 3_600_000)}, STALE),
    ({"headers": {}}, STALE),
    ({"headers": {"timestamp": "abc", "sign": "x"}}, STALE),
])
def test_a_request_dingtalk_did_not_sign_is_refused(robot, change, why):
    response = robot.send(QUESTION, **change)
    assert response.status_code == 401 and response.json()["error"] == why


def test_an_empty_message_gets_help_and_a_non_message_an_error(robot):
    assert robot.send("   ").json()["markdown"]["text"] == EMPTY
    ts = str(int(time.time() * 1000))
    broken = httpx.post(robot.callback_url, content=b"not json", headers={"timestamp": ts, "sign": dingtalk_sign(ts, SECRET)})
    assert broken.status_code == 422 and "JSON" in broken.json()["error"]


def test_the_apis_refusal_or_absence_is_told_in_chinese(api, tmp_path):
    base, running = _adapter(api, "wrong-token-000", tmp_path)
    with running:
        assert DingTalkStandIn(f"{base}/dingtalk", SECRET).send(QUESTION).json()["markdown"]["text"] == "访问口令无效。"
    base, running = _adapter(f"http://127.0.0.1:{free_port()}", READER, tmp_path)
    with running:
        assert DingTalkStandIn(f"{base}/dingtalk", SECRET).send(QUESTION).json()["markdown"]["text"] == UNREACHABLE


def test_signature_check_follows_dingtalks_rule():
    now = 1_700_000_000_000
    sign = dingtalk_sign(str(now), SECRET)
    assert check(str(now), sign, SECRET, now) is None
    assert check(str(now - 3_600_000), dingtalk_sign(str(now - 3_600_000), SECRET), SECRET, now) is None
    assert check(str(now - 3_600_001), dingtalk_sign(str(now - 3_600_001), SECRET), SECRET, now) == STALE
    assert check(str(now), sign[:-2] + "AA", SECRET, now) == BAD_SIGN


def test_the_adapter_will_not_start_without_its_secret_and_token():
    result = run_cli("dingtalk", env=cli_env(), timeout=60)
    assert result.returncode == 1 and "ANGUI_DINGTALK_SECRET" in result.stderr and "Traceback" not in result.stderr
