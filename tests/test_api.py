"""The HTTP API through FastAPI's TestClient over the bundled knowledge (test embedder): every endpoint, the token
rules, bad inputs as Chinese JSON errors that change nothing stored, downloads, uploads, limits and CORS."""

from __future__ import annotations

import io
import json
import re

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openai_standin import OpenAIStandIn

from angui.feedback import FEEDBACK_FILE

from helpers import SEED, open_service, pdf_bytes
from web_helpers import ADMIN, OTHER_READER, READER, bearer, make_app

QUESTION = "有限空间作业前要做什么检测？"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ERROR_KEYS = {"error", "code"}
# every endpoint that serves corpus content, with a valid request body
ENDPOINTS = [
    ("post", "/api/ask", {"json": {"question": QUESTION}}),
    ("get", "/api/documents", {}),
    ("get", "/api/units/x:第一条", {}),
    ("post", "/api/checklist", {"json": {"topic": "有限空间"}}),
    ("post", "/api/quiz", {"json": {"topic": "有限空间", "n": 2}}),
    ("post", "/api/outline", {"json": {"topic": "粉尘涉爆"}}),
    ("get", "/api/diff", {"params": {"document": "应急预案管理办法"}}),
    ("post", "/api/feedback", {"json": {"question": QUESTION, "vote": "up"}}),
    ("get", "/api/session", {}),
    ("post", "/api/documents", {"files": {"file": ("a.txt", "第一条 测试。".encode())}}),
]


@pytest.fixture(scope="module")
def index(knowledge_copy):
    return knowledge_copy  # feedback is written beside it


@pytest.fixture(scope="module")
def client(index):
    return TestClient(make_app(index), raise_server_exceptions=False)


def stored(index) -> tuple[int, dict]:
    """What the store holds: generation number and the registry (to show a request changed nothing)."""
    kb = open_service(index).kb
    return kb.store.generation(), kb.store.documents()


def assert_error(response, status: int) -> dict:
    """A JSON error with a Chinese message and no traceback."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= ERROR_KEYS and CHINESE.search(body["error"]), body
    assert "Traceback" not in response.text and "File \"" not in response.text
    return body


def test_ask_gives_the_cli_json_and_each_citation_opens_its_unit(client, index):
    response = client.post("/api/ask", json={"question": QUESTION, "k": 3}, headers=bearer(READER))
    assert response.status_code == 200
    answer = response.json()
    assert answer == open_service(index).ask(QUESTION, 3).to_dict()  # the same contract as `angui ask --json`
    assert answer["found"] and len(answer["citations"]) <= 3
    for c in answer["citations"]:
        unit = client.get(f"/api/units/{c['id']}", headers=bearer(READER)).json()
        assert (unit["doc"], unit["loc"], unit["text"], unit["status"]) == (c["doc"], c["loc"], c["text"], c["status"])


def test_a_refusal_is_an_answer_not_an_error(client):
    response = client.post("/api/ask", json={"question": "今天中午食堂吃什么？"}, headers=bearer(READER))
    assert response.status_code == 200 and response.json()["found"] is False


@pytest.mark.parametrize(("method", "path", "kwargs"), ENDPOINTS, ids=[e[1] for e in ENDPOINTS])
def test_no_token_or_a_wrong_one_gets_no_content(client, method, path, kwargs):
    for headers, code in (({}, "no_token"), (bearer("not-a-token-at-all"), "bad_token"),
                          ({"Authorization": READER}, "no_token")):
        response = getattr(client, method)(path, headers=headers, **kwargs)
        assert assert_error(response, 401)["code"] == code and set(response.json()) == ERROR_KEYS
        assert response.headers["www-authenticate"] == "Bearer"


def test_uploads_need_an_admin_token_and_health_needs_none(client):
    response = client.post("/api/documents", files={"file": ("a.txt", b"x")}, headers=bearer(READER))
    assert assert_error(response, 403)["code"] == "not_admin"
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == 18 and set(health) == {"status", "documents", "generation"}
    assert client.get("/api/session", headers=bearer(ADMIN)).json()["admin"] is True
    assert client.get("/api/session", headers=bearer(READER)).json()["admin"] is False


BAD_INPUTS = [
    ("post", "/api/ask", {"json": {"question": ""}}, "问题不能为空"),
    ("post", "/api/ask", {"json": {"question": "   \n"}}, "问题不能为空"),
    ("post", "/api/ask", {"json": {"question": "安" * 10_000}}, "问题过长：10000 字"),
    ("post", "/api/ask", {"json": {}}, "缺少问题"),
    ("post", "/api/ask", {"json": {"question": 42}}, "问题应为文字"),
    ("post", "/api/ask", {"json": {"question": ["a"]}}, "问题应为文字"),
    ("post", "/api/ask", {"json": {"question": QUESTION, "k": "五"}}, "引用条数 k应为整数"),
    ("post", "/api/ask", {"json": {"question": QUESTION, "k": 0}}, "不能小于 1"),
    ("post", "/api/ask", {"json": {"question": QUESTION, "k": 500}}, "不能大于 20"),
    ("post", "/api/ask", {"json": {"question": QUESTION, "stream": "maybe"}}, "应为 true 或 false"),
    ("post", "/api/ask", {"json": {"questoin": QUESTION}}, "不认识的字段"),
    ("post", "/api/ask", {"json": [QUESTION]}, "请求体应为 JSON 对象"),
    ("post", "/api/ask", {"content": b"{question", "headers": {"Content-Type": "application/json"}}, "不是有效的 JSON"),
    ("post", "/api/checklist", {"json": {"topic": "有限空间", "industry": "火星"}}, "行业应为"),
    ("post", "/api/checklist", {"json": {"topic": "有限空间", "format": "pdf"}}, "格式 format应为"),
    ("post", "/api/checklist", {"json": {"topic": "x" * 51}}, "主题过长"),
    ("post", "/api/quiz", {"json": {"topic": "有限空间", "n": 0}}, "题数 n不能小于 1"),
    ("post", "/api/quiz", {"json": {"topic": "有限空间", "n": "十"}}, "题数 n应为整数"),
    ("post", "/api/outline", {"json": {"topic": ""}}, "主题不能为空"),
    ("get", "/api/diff", {}, "缺少文件名称"),
    ("post", "/api/feedback", {"json": {"question": QUESTION, "vote": "meh"}}, "评价 vote应为 up、down 之一"),
    ("post", "/api/feedback", {"json": {"question": QUESTION, "vote": "up", "citations": "x"}}, "应为列表"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "says"), BAD_INPUTS, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_INPUTS)])
def test_bad_input_is_a_chinese_json_error_and_changes_nothing(client, index, method, path, kwargs, says):
    before = stored(index)
    headers = {**bearer(READER), **kwargs.pop("headers", {})} if "headers" in kwargs else bearer(READER)
    body = assert_error(getattr(client, method)(path, headers=headers, **dict(kwargs)), 422)
    assert says in body["error"], body
    assert stored(index) == before


def test_unknown_things_are_404s_in_chinese(client):
    assert assert_error(client.get("/api/units/nothing:第九百条", headers=bearer(READER)), 404)["code"] == "no_unit"
    assert assert_error(client.get("/api/nowhere", headers=bearer(READER)), 404)["code"] == "http_404"
    assert assert_error(client.put("/api/ask", headers=bearer(READER)), 405)["code"] == "http_405"
    missing = client.get("/api/diff", params={"document": "不存在的办法"}, headers=bearer(READER))
    assert assert_error(missing, 404)["code"] == "no_editions"
    nothing = client.post("/api/checklist", json={"topic": "月球采矿"}, headers=bearer(READER))
    assert assert_error(nothing, 404)["code"] == "nothing_found"


def test_checklist_as_json_word_and_markdown(client, index):
    request = {"topic": "有限空间"}
    data = client.post("/api/checklist", json=request, headers=bearer(READER)).json()
    assert data["topic"] == "有限空间" and len(data["items"]) >= 3
    store = open_service(index).kb.store
    for item in data["items"]:
        assert item["quote"] in item["citation"]["text"]
        assert [u.text for u in store.get([item["citation"]["id"]])] == [item["citation"]["text"]]
    word = client.post("/api/checklist", json={**request, "format": "docx"}, headers=bearer(READER))
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in word.headers["content-disposition"] and "attachment" in word.headers["content-disposition"]
    text = "\n".join(cell.text for table in Document(io.BytesIO(word.content)).tables for row in table.rows
                     for cell in row.cells)
    assert data["items"][0]["item"][:20] in text and "符合" in text
    md = client.post("/api/checklist", json={**request, "format": "md"}, headers=bearer(READER))
    assert md.headers["content-type"].startswith("text/markdown") and data["items"][0]["item"][:20] in md.text


def test_quiz_outline_and_diff(client):
    quiz = client.post("/api/quiz", json={"topic": "有限空间", "n": 4}, headers=bearer(READER)).json()
    assert 1 <= len(quiz["questions"]) <= 4
    assert all(q["answer"] in q["citation"]["text"] or q["answer"] in q["options"] for q in quiz["questions"])
    outline = client.post("/api/outline", json={"topic": "粉尘涉爆"}, headers=bearer(READER)).json()
    assert any(outline["sections"].values())
    diff = client.get("/api/diff", params={"document": "应急预案管理办法"}, headers=bearer(READER)).json()
    assert diff["counts"] == {"修改": 28, "新增": 2, "删去": 1} and diff["old"]["status"] != "现行"
    word = client.get("/api/diff", params={"document": "应急预案管理办法", "format": "docx"}, headers=bearer(READER))
    assert word.status_code == 200 and Document(io.BytesIO(word.content)).paragraphs


def test_documents_list_every_stored_document_with_its_origin(client, index):
    data = client.get("/api/documents", headers=bearer(READER)).json()
    assert data["count"] == 18 == len(data["documents"])
    assert {d["doc_key"] for d in data["documents"]} == set(stored(index)[1])
    assert {d["origin"] for d in data["documents"]} == {"随附"}
    assert any(d["status"] != "现行" for d in data["documents"])


def test_feedback_is_stored_with_the_token_hashed(client, index):
    response = client.post("/api/feedback", json={"question": QUESTION, "vote": "down",
                                                  "citations": [{"doc": "安全生产法", "loc": "第四十一条"}]},
                           headers=bearer(OTHER_READER))
    assert response.json()["ok"] is True
    row = json.loads((index / FEEDBACK_FILE).read_text(encoding="utf-8").splitlines()[-1])
    assert (row["vote"], row["channel"], row["citations"]) == ("down", "web", [{"doc": "安全生产法", "loc": "第四十一条"}])
    assert OTHER_READER not in json.dumps(row)


def test_each_token_has_its_own_rate_limit(index):
    client = TestClient(make_app(index, api_rate_limit=3))
    for _ in range(3):
        assert client.get("/api/session", headers=bearer(READER)).status_code == 200
    limited = client.get("/api/session", headers=bearer(READER))
    assert assert_error(limited, 429)["code"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    assert client.get("/api/session", headers=bearer(OTHER_READER)).status_code == 200


def test_cors_is_off_unless_origins_are_named(index):
    preflight = {"Origin": "http://oa.example.cn", "Access-Control-Request-Method": "POST"}
    closed = TestClient(make_app(index)).options("/api/ask", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = TestClient(make_app(index, cors_origins=("http://oa.example.cn",))).options("/api/ask", headers=preflight)
    assert opened.headers["access-control-allow-origin"] == "http://oa.example.cn"


def test_a_crash_inside_a_route_is_a_json_500_without_traceback(index, monkeypatch):
    app = make_app(index)
    service = app.state.web.service
    monkeypatch.setattr(service, "ask", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom at /secret/path")))
    response = TestClient(app, raise_server_exceptions=False).post("/api/ask", json={"question": QUESTION},
                                                                  headers=bearer(READER))
    assert assert_error(response, 500)["code"] == "internal" and "/secret/path" not in response.text


def test_the_page_and_docs_load_nothing_from_the_internet(client):
    page = client.get("/")
    assert page.status_code == 200 and "安规助手" in page.text
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/docs-assets/swagger-ui-bundle.js" in docs.text
    for text in (page.text, client.get("/static/app.js").text, client.get("/static/app.css").text):
        assert not re.search(r"https?://|(src|href)=[\"']?//", text)
    assert not re.search(r"(src|href|url)[=:(]\s*[\"']?(https?:)?//", docs.text)
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    paths = set(client.get("/openapi.json").json()["paths"])
    assert {"/api/ask", "/api/documents", "/api/units/{unit_id}", "/api/checklist", "/api/quiz", "/api/outline",
            "/api/diff", "/api/feedback", "/healthz"} <= paths


def test_streamed_llm_answer_arrives_as_server_sent_events(index):
    with OpenAIStandIn({}) as standin:
        client = TestClient(make_app(index, answer_mode="llm", llm_base_url=standin.base_url, llm_model="m",
                                     llm_api_key="k", llm_timeout=5, llm_retries=0))
        base = client.post("/api/ask", json={"question": QUESTION, "llm": False}, headers=bearer(READER)).json()
        quote = base["citations"][0]["quote"].split("\n")[0]
        standin.replies = {QUESTION: f"{quote}[1]"}
        response = client.post("/api/ask", json={"question": QUESTION, "stream": True}, headers=bearer(READER))
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [(m[0], json.loads(m[1])) for m in re.findall(r"event: (\w+)\ndata: (.*)\n\n", response.text)]
    tokens = [data["text"] for name, data in events if name == "token"]
    assert len(tokens) > 1 and "".join(tokens) == standin.replies[QUESTION]
    name, answer = events[-1]
    assert name == "answer" and answer["mode"] == "llm" and answer["sentences"][0]["ok"] is True


def test_a_good_upload_is_ingested_and_answered(seed_copy):
    client = TestClient(make_app(seed_copy), raise_server_exceptions=False)
    text = "第一条 本规定适用于本市冷库氨制冷作业。\n第二条 氨制冷机房应当设置氨气浓度报警装置，并每月测试一次。\n"
    response = client.post("/api/documents", files={"file": ("冷库氨制冷安全规定.txt", text.encode("gb18030"))},
                           headers=bearer(ADMIN))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["documents"] == 2 and [f["status"] for f in report["files"]] == ["ok"]
    listed = client.get("/api/documents", headers=bearer(READER)).json()["documents"]
    assert {d["title"]: d["origin"] for d in listed}["冷库氨制冷安全规定"] == "上传"
    answer = client.post("/api/ask", json={"question": "氨制冷机房的氨气浓度报警装置多久测试一次？"},
                         headers=bearer(READER)).json()
    assert answer["found"] and "每月测试一次" in answer["answer"]


@pytest.mark.parametrize(("name", "data", "status", "code"), [
    ("病毒.exe", b"MZ\x90\x00", 415, "bad_upload"),
    ("空文件.txt", b"", 422, "empty_file"),
    ("坏的.pdf", pdf_bytes([b"<< /Type /Catalog >>"])[:40], 422, "not_ingested"),
    ("过大.txt", "第一条 过大。".encode() * 40_000, 413, "too_large"),
])
def test_a_bad_upload_is_refused_and_changes_nothing(seed_copy, name, data, status, code):
    client = TestClient(make_app(seed_copy, max_file_mb=0.5), raise_server_exceptions=False)
    before = stored(seed_copy)
    response = client.post("/api/documents", files={"file": (name, data)}, headers=bearer(ADMIN))
    assert assert_error(response, status)["code"] == code
    assert stored(seed_copy) == before
    uploads = seed_copy / "uploads"
    assert not [p for p in uploads.rglob("*") if p.is_file()] if uploads.exists() else True


def test_an_upload_can_report_its_progress_as_server_sent_events(seed_copy):
    client = TestClient(make_app(seed_copy), raise_server_exceptions=False)
    text = "第一条 本规定适用于冷库氨制冷作业。\n第二条 氨制冷机房应当设置氨气浓度报警装置。\n"
    good = client.post("/api/documents", params={"stream": "true"}, headers=bearer(ADMIN),
                       files={"file": ("冷库氨制冷安全规定.txt", text.encode())})
    assert good.status_code == 200 and good.headers["content-type"].startswith("text/event-stream")
    events = [(m[0], json.loads(m[1])) for m in re.findall(r"event: (\w+)\ndata: (.*)\n\n", good.text)]
    assert events[0][0] == "progress" and events[0][1]["line"]
    assert events[-1][0] == "report" and events[-1][1]["documents"] == 2
    before = stored(seed_copy)
    bad = client.post("/api/documents", params={"stream": "true"}, headers=bearer(ADMIN),
                      files={"file": ("坏的.pdf", b"%PDF-1.4 not really")})
    name, body = [(m[0], json.loads(m[1])) for m in re.findall(r"event: (\w+)\ndata: (.*)\n\n", bad.text)][-1]
    assert name == "error" and body["code"] == "not_ingested" and "坏的.pdf" in body["error"]
    assert stored(seed_copy) == before


def _raw(app, path: str, headers: dict[str, str], chunks: list[bytes]) -> tuple[int, dict, int]:
    """Call the ASGI app directly: (status, JSON body, how many body chunks it read)."""
    import asyncio

    read, sent = 0, []

    async def receive() -> dict:
        nonlocal read
        read += 1
        body = chunks[read - 1] if read <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": read < len(chunks)}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()], "http_version": "1.1",
             "scheme": "http", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1), "root_path": ""}
    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), read


def test_a_body_is_not_read_for_a_caller_without_the_right_token_nor_past_its_cap(seed_copy):
    app = make_app(seed_copy, max_file_mb=1)
    form = {"content-type": "multipart/form-data; boundary=x"}
    head = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\n'
    chunks = [head] + [b"x" * 65536] * 64  # a 4 MB file part
    for headers, status in (({}, 401), (bearer(READER), 403), ({**bearer(ADMIN), "content-length": str(4 << 20)}, 413)):
        code, body, read = _raw(app, "/api/documents", {**form, **headers}, chunks)
        assert (code, read) == (status, 0) and CHINESE.search(body["error"])
    code, body, read = _raw(app, "/api/documents", {**form, **bearer(ADMIN)}, chunks)  # chunked: no length given
    assert code == 413 and body["code"] == "too_large" and read < len(chunks)
    code, body, _ = _raw(app, "/api/ask", {"content-type": "application/json", **bearer(READER)}, [b" " * (2 << 20)])
    assert code == 413 and "请求过大" in body["error"]
    assert not [p for p in (seed_copy / "uploads").rglob("*") if p.is_file()]


def test_an_upload_of_stored_content_under_a_new_name_leaves_no_file(seed_copy):
    client = TestClient(make_app(seed_copy))
    response = client.post("/api/documents", files={"file": ("复制.txt", SEED.read_bytes())}, headers=bearer(ADMIN))
    assert response.status_code == 200 and response.json()["files"][0]["status"] == "unchanged"
    assert not (seed_copy / "uploads" / "复制.txt").exists() and response.json()["documents"] == 1


def test_a_streamed_upload_always_ends_with_report_or_error(seed_copy, monkeypatch):
    app = make_app(seed_copy)
    monkeypatch.setattr(app.state.web.service, "refresh", lambda: (_ for _ in ()).throw(RuntimeError("boom")))
    response = TestClient(app).post("/api/documents", params={"stream": "true"}, headers=bearer(ADMIN),
                                    files={"file": ("冷库.txt", "第一条 冷库应当每日巡检。".encode())})
    name, body = [(m[0], json.loads(m[1])) for m in re.findall(r"event: (\w+)\ndata: (.*)\n\n", response.text)][-1]
    assert name == "error" and body["code"] == "internal" and "boom" not in response.text


def test_small_refusals_in_chinese(client):
    blank = client.get("/api/diff", params={"document": "  "}, headers=bearer(READER))
    assert assert_error(blank, 422)["error"].endswith("不能为空。")
    long_vote = client.post("/api/feedback", json={"question": "问" * 5000, "vote": "up"}, headers=bearer(READER))
    assert "过长" in assert_error(long_vote, 422)["error"]
    no_file = client.post("/api/documents", files={"file": ("", b"x")}, headers=bearer(ADMIN))
    assert "缺少上传文件" in assert_error(no_file, 422)["error"]
    slash = client.post("/api/checklist", json={"topic": "粉尘/涉爆", "format": "md"}, headers=bearer(READER))
    assert slash.status_code in (200, 404)
    if slash.status_code == 200:
        assert "%2F" in slash.headers["content-disposition"] and "/" not in slash.headers["content-disposition"].split("''")[1]


def test_what_stays_after_an_upload():
    from angui.ingest.uploads import kept, safe_name

    ok, same = {"files": [{"status": "ok"}]}, {"files": [{"status": "unchanged"}]}
    assert kept(ok, None, "f1") and kept(ok, "f0", "f1") and kept(same, "f1", "f1")
    assert not kept({"files": [{"status": "skipped"}]}, "f1", "f1") and not kept(same, None, None)
    assert not kept({"error": "x"}, "f1", "f1") and kept(None, "f0", "f1") and not kept(None, "f1", "f1")
    assert safe_name(".隐藏.txt") == "隐藏.txt"
