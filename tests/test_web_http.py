"""`angui serve` as a real process: uvicorn on 127.0.0.1 answering over HTTP — every endpoint, the token rules,
bad inputs, server-sent events, concurrent clients, a temporary token when none is set, and a taken port."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from helpers import REPO, cli_env, open_service, run_cli, shared_stream_pdf
from web_helpers import ADMIN, READER, bearer, free_port, process, served

QUESTION = "有限空间作业前要做什么检测？"


@pytest.fixture(scope="module")
def index(knowledge_copy):
    return knowledge_copy


@pytest.fixture(scope="module")
def base(index):
    with served(index, index.parent) as url:
        yield url


def test_every_endpoint_over_http(base, index):
    get = lambda path, **kw: httpx.get(base + path, headers=bearer(READER), timeout=60, **kw)  # noqa: E731
    post = lambda path, **kw: httpx.post(base + path, headers=bearer(READER), timeout=60, **kw)  # noqa: E731
    answer = post("/api/ask", json={"question": QUESTION}).json()
    assert answer == open_service(index).ask(QUESTION).to_dict()
    unit = get("/api/units/" + answer["citations"][0]["id"]).json()
    assert unit["text"] == answer["citations"][0]["text"]
    assert get("/api/documents").json()["count"] == 18
    word = post("/api/checklist", json={"topic": "有限空间", "format": "docx"})
    assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(word.content)).namelist()
    assert post("/api/quiz", json={"topic": "应急预案", "n": 3}).json()["questions"]
    assert post("/api/outline", json={"topic": "粉尘涉爆", "format": "md"}).text.startswith("#")
    assert "第二十一条" in get("/api/diff", params={"document": "应急预案管理办法", "format": "md"}).text
    assert post("/api/feedback", json={"question": QUESTION, "vote": "up"}).json()["ok"] is True
    assert get("/api/session").json() == {"admin": False, "rate_limit": 60, "mode": "extractive", "k": 5,
                                          "max_question_chars": 1000, "industries": ["冶金", "有色", "建材", "机械", "轻工", "纺织"]}
    assert httpx.get(base + "/healthz").json()["status"] == "ok"
    assert "swagger-ui" in httpx.get(base + "/docs").text and httpx.get(base + "/openapi.json").json()["paths"]
    assert "token-gate" in httpx.get(base + "/").text


def test_token_rules_and_bad_inputs_over_http(base, index):
    before = open_service(index).kb.store.generation()
    assert httpx.post(base + "/api/ask", json={"question": QUESTION}).json()["code"] == "no_token"
    assert httpx.get(base + "/api/documents", headers=bearer("x" * 12)).json()["code"] == "bad_token"
    upload = httpx.post(base + "/api/documents", files={"file": ("a.txt", "第一条 测试。".encode())}, headers=bearer(READER))
    assert upload.status_code == 403
    for body in ({"question": ""}, {"question": "问" * 10_000}, {"question": 1}, {"question": QUESTION, "k": -1}):
        response = httpx.post(base + "/api/ask", json=body, headers=bearer(READER))
        assert response.status_code == 422 and re.search(r"[\u4e00-\u9fff]", response.json()["error"])
    bad = httpx.post(base + "/api/documents", files={"file": ("坏.docx", b"PK\x03\x04 broken zip")}, headers=bearer(ADMIN),
                     timeout=120)
    assert bad.status_code == 422 and bad.json()["code"] == "not_ingested" and "坏.docx" in bad.json()["error"]
    assert open_service(index).kb.store.generation() == before


def test_stream_true_in_extractive_mode_is_one_answer_event(base):
    with httpx.stream("POST", base + "/api/ask", json={"question": QUESTION, "stream": True}, headers=bearer(READER)) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = r.read().decode()
    events = re.findall(r"event: (\w+)\ndata: (.*)\n\n", text)
    assert [e[0] for e in events] == ["answer"] and json.loads(events[0][1])["question"] == QUESTION


def test_twenty_concurrent_clients_lose_nothing(base):
    questions = ["有限空间作业前要做什么检测？", "安全生产法第四十一条", "三同时是什么？", "粉尘涉爆企业要检查什么？"]

    def client(n: int) -> list[str]:
        token = READER if n % 2 else ADMIN
        with httpx.Client(base_url=base, headers=bearer(token), timeout=120) as http:
            return [http.post("/api/ask", json={"question": questions[(n + i) % 4]}).json()["question"] for i in range(3)]

    with ThreadPoolExecutor(20) as pool:
        got = list(pool.map(client, range(20)))
    assert got == [[questions[(n + i) % 4] for i in range(3)] for n in range(20)]


def test_questions_are_answered_while_an_upload_is_being_ingested(seed_copy, tmp_path):
    pdf = shared_stream_pdf(tmp_path / "慢.pdf").read_bytes()  # parsing runs into the budget before it is refused
    with served(seed_copy, tmp_path, ANGUI_MAX_PARSE_SECONDS="6") as url, ThreadPoolExecutor(1) as pool:
        upload = pool.submit(httpx.post, f"{url}/api/documents", files={"file": ("慢.pdf", pdf)}, headers=bearer(ADMIN),
                             timeout=120)
        time.sleep(2.0)  # the child ingest is parsing now
        for question in ("安全生产标准化什么时候完成？", "隐患清零行动聚焦哪些行业？", "三同时是什么？"):
            answer = httpx.post(f"{url}/api/ask", json={"question": question}, headers=bearer(READER), timeout=30)
            assert answer.status_code == 200 and answer.json()["found"], question
            assert not upload.done(), question  # answered while the ingest still runs: it did not wait for it
        refused = upload.result()
    assert refused.status_code == 422 and "解析超时" in refused.json()["error"]


def test_without_tokens_serve_prints_a_temporary_admin_token(index, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    with process(["serve", "--index", str(index), "--port", str(port)], cli_env(), f"http://127.0.0.1:{port}/healthz", log):
        token = re.search(r"临时管理员口令 (\S+)", log.read_text()).group(1)
        assert httpx.get(f"http://127.0.0.1:{port}/api/session", headers=bearer(token)).json()["admin"] is True
        assert httpx.get(f"http://127.0.0.1:{port}/api/documents").status_code == 401
        taken = run_cli("serve", "--index", str(index), "--port", str(port), timeout=60)
    assert taken.returncode == 1 and f"无法监听 127.0.0.1:{port}" in taken.stderr and "Traceback" not in taken.stderr


def test_a_short_token_is_a_settings_error(index):
    result = subprocess.run([sys.executable, "-m", "angui", "serve", "--index", str(index)], cwd=REPO, capture_output=True,
                            text=True, env=cli_env(ANGUI_API_TOKENS="short"), timeout=60)
    assert result.returncode == 1 and "ANGUI_API_TOKENS" in result.stderr and "8 个字符" in result.stderr
