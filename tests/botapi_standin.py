"""A Telegram Bot API stand-in for tests and benchmarks: a real HTTP server on 127.0.0.1 that records calls.

It serves queued updates to getUpdates (long poll capped at `poll_cap` seconds), answers the methods the bot
uses, checks what real Telegram checks (4096-char text limit, HTML entities, 64-byte callback data) and
serves uploaded files through /file/bot<token>/<path>.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default as email_policy
from html import unescape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

MAX_TEXT = 4096
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji",
             "code", "pre", "blockquote"}
JSON_PARAMS = {"reply_markup", "commands", "allowed_updates", "reply_parameters", "link_preview_options",
               "entities", "scope"}
_HTML_TOKEN = re.compile(r"<(/?)([a-zA-Z-]*)[^>]*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<&]")


SHUTDOWN_POLL_S = 0.05  # how often serve_forever checks for shutdown (the default 0.5 s slows every test)

class ApiError(Exception):
    """A Bot API error reply (ok: false)."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code, self.description = code, description


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML (unknown or unbalanced tag, stray < or &), or None."""
    stack: list[str] = []
    for m in _HTML_TOKEN.finditer(text):
        token = m[0]
        if token in ("<", "&"):
            return f"Bad Request: can't parse entities: unexpected {token!r} at byte offset {m.start()}"
        if not token.startswith("<"):
            continue
        name = m[2].lower()
        if name not in HTML_TAGS:
            return f"Bad Request: can't parse entities: unsupported start tag {name!r}"
        if not m[1]:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"Bad Request: can't parse entities: can't find end tag corresponding to start tag {name!r}"
    return f"Bad Request: can't parse entities: unclosed tag {stack[-1]!r}" if stack else None


def plain_text(html: str) -> str:
    """What a user sees of an HTML message."""
    return unescape(re.sub(r"<[^>]*>", "", html))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class BotApiStandIn:
    """Bot API server for one bot; use as a context manager (starts and stops the server thread)."""

    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "angui_test_bot",
                 poll_cap: float = 0.2) -> None:
        self.token = token
        self.bot = {"id": int(token.split(":")[0]), "is_bot": True, "first_name": "安规助手", "username": username,
                    "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
        self.poll_cap = poll_cap
        self.calls: list[dict] = []
        self.listeners: list[Callable[[dict], None]] = []  # called (on a server thread) with each call recorded
        self.files: dict[str, tuple[str, bytes]] = {}
        self._updates: list[dict] = []
        self._ids = itertools.count(1)
        self._cond = threading.Condition(threading.RLock())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> BotApiStandIn:
        standin = self

        class Handler(_Handler):
            api = standin

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": SHUTDOWN_POLL_S},
                                        name="botapi-standin", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._updates.clear()
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """The Bot API base URL to give the bot (the token is appended to it)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    # what users do ---------------------------------------------------------------------------------------

    def send_text(self, user_id: int, text: str, chat_id: int | None = None, reply_to: dict | None = None,
                  mention: str | None = None) -> dict:
        """A user writes a text message (a group when chat_id is negative); returns the message."""
        message = self._message(user_id, chat_id, text=text)
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(text.split()[0])})
        if mention and mention in text:
            entities.append({"type": "mention", "offset": utf16_len(text[: text.index(mention)]),
                             "length": utf16_len(mention)})
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        self._push({"message": message})
        return message

    def send_document(self, user_id: int, name: str, content: bytes, chat_id: int | None = None) -> dict:
        """A user sends a file; it is then served by getFile and the file download path."""
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = (f"documents/{file_id}{name[name.rfind('.'):] if '.' in name else ''}", content)
        document = {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": name,
                    "mime_type": "application/octet-stream", "file_size": len(content)}
        message = self._message(user_id, chat_id, document=document)
        self._push({"message": message})
        return message

    def click(self, user_id: int, message: dict, data: str) -> None:
        """A user presses an inline button with this callback data under a bot message."""
        query = {"id": str(next(self._ids)), "from": self._user(user_id), "message": message,
                 "chat_instance": "1", "data": data}
        self._push({"callback_query": query})

    # what the bot did ------------------------------------------------------------------------------------

    def called(self, method: str) -> list[dict]:
        """Parameters of every successful call of a method, in order."""
        with self._cond:
            return [c["params"] for c in self.calls if c["method"] == method and c["ok"]]

    def sent(self, chat_id: int) -> list[dict]:
        """Messages the bot sent to a chat (the stored message objects, text as HTML sent)."""
        with self._cond:
            return [c["result"] for c in self.calls
                    if c["method"] == "sendMessage" and c["ok"] and c["result"]["chat"]["id"] == chat_id]

    def errors(self) -> list[dict]:
        """Calls the stand-in refused (what Telegram would have refused)."""
        with self._cond:
            return [c for c in self.calls if not c["ok"]]

    async def until(self, predicate: Callable[[], bool], timeout: float = 30.0, step: float = 0.005) -> None:
        """Wait (without blocking the event loop) until predicate() holds; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"stand-in: condition not met within {timeout} s")
            await asyncio.sleep(step)

    # internals -------------------------------------------------------------------------------------------

    def _user(self, user_id: int) -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"用户{user_id}", "language_code": "zh-hans"}

    def _chat(self, chat_id: int, user_id: int) -> dict:
        if chat_id < 0:
            return {"id": chat_id, "type": "supergroup", "title": "安全群"}
        return {"id": chat_id, "type": "private", "first_name": f"用户{user_id}"}

    def _message(self, user_id: int, chat_id: int | None, **content: object) -> dict:
        chat_id = user_id if chat_id is None else chat_id
        return {"message_id": next(self._ids), "date": int(time.time()), "chat": self._chat(chat_id, user_id),
                "from": self._user(user_id), **content}

    def _push(self, update: dict) -> None:
        with self._cond:
            self._updates.append({"update_id": next(self._ids), **update})
            self._cond.notify_all()

    def handle(self, method: str, params: dict) -> object:
        """Answer one Bot API call (runs on a server thread)."""
        fn = getattr(self, f"_api_{method}", None)
        entry = {"method": method, "params": params, "time": time.monotonic(), "ok": True, "result": None}
        try:
            entry["result"] = fn(params) if fn else True
            return entry["result"]
        except ApiError as exc:
            entry["ok"], entry["result"] = False, exc.description
            raise
        finally:
            if method != "getUpdates" or entry["result"]:
                with self._cond:
                    self.calls.append(entry)
                    self._cond.notify_all()
                for listener in self.listeners:
                    listener(entry)

    def _api_getMe(self, params: dict) -> dict:
        return self.bot

    def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset", 0) or 0)
        limit = int(params.get("limit", 100) or 100)
        wait = min(float(params.get("timeout", 0) or 0), self.poll_cap)
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and wait:
                self._cond.wait_for(lambda: bool(self._updates), timeout=wait)
            return list(self._updates[:limit])

    def _bot_message(self, params: dict, **content: object) -> dict:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self._ids), "date": int(time.time()), "from": self.bot,
                   "chat": self._chat(chat_id, chat_id), **content}
        markup = params.get("reply_markup")
        if markup:
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    if len(button.get("callback_data", "").encode()) > 64:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            message["reply_markup"] = markup
        return message

    def _checked_text(self, params: dict) -> str:
        text = params.get("text", "")
        if params.get("parse_mode") == "HTML":
            problem = html_problem(text)
            if problem:
                raise ApiError(400, problem)
        if not plain_text(text).strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain_text(text)) > MAX_TEXT or len(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _api_sendMessage(self, params: dict) -> dict:
        return self._bot_message(params, text=self._checked_text(params))

    def _api_editMessageText(self, params: dict) -> dict:
        return self._bot_message(params, text=self._checked_text(params))

    def _api_sendDocument(self, params: dict) -> dict:
        upload = params.get("document")
        name, content = upload if isinstance(upload, tuple) else ("file", str(upload).encode())
        file_id = f"file-{next(self._ids)}"
        self.files[file_id] = (f"documents/{file_id}", content)
        return self._bot_message(params, document={"file_id": file_id, "file_unique_id": f"u{file_id}",
                                                   "file_name": name, "file_size": len(content)})

    def _api_sendPoll(self, params: dict) -> dict:
        options = params.get("options")
        options = json.loads(options) if isinstance(options, str) else options or []
        texts = [o["text"] if isinstance(o, dict) else str(o) for o in options]
        question = str(params.get("question", ""))
        if not 1 <= len(question) <= 300 or not 2 <= len(texts) <= 10 or any(not 1 <= len(t) <= 100 for t in texts):
            raise ApiError(400, "Bad Request: poll question or options out of range")
        ids = params.get("correct_option_ids")
        ids = json.loads(ids) if isinstance(ids, str) else ids or []
        if params.get("type") == "quiz" and (len(ids) != 1 or not 0 <= int(ids[0]) < len(texts)):
            raise ApiError(400, "Bad Request: wrong correct option id")
        if len(str(params.get("explanation", ""))) > 200:
            raise ApiError(400, "Bad Request: poll explanation is too long")
        poll = {"id": f"poll-{next(self._ids)}", "question": question, "type": params.get("type", "regular"),
                "options": [{"text": t, "voter_count": 0, "persistent_id": f"o{i}"} for i, t in enumerate(texts)],
                "correct_option_ids": ids,
                "explanation": params.get("explanation"), "total_voter_count": 0, "is_closed": False,
                "is_anonymous": params.get("is_anonymous") in (True, "true", "True"), "allows_multiple_answers": False,
                "allows_revoting": False, "members_only": False}
        return self._bot_message(params, poll=poll)

    def _api_getFile(self, params: dict) -> dict:
        file_id = params["file_id"]
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(content), "file_path": path}

    def file_content(self, path: str) -> bytes | None:
        return next((content for p, content in self.files.values() if p == path), None)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the bot opens up to 256 connections at once; the default backlog is 5


class _Handler(BaseHTTPRequestHandler):
    """HTTP side of the stand-in: /bot<token>/<method> and /file/bot<token>/<path>."""

    api: BotApiStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - keep the server quiet
        pass

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)  # PTB percent-encodes the ':' of the token in file URLs
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        file_prefix = f"/file/bot{self.api.token}/"
        if path.startswith(file_prefix):
            content = self.api.file_content(path[len(file_prefix):])
            self._reply(HTTPStatus.OK if content is not None else HTTPStatus.NOT_FOUND, content or b"not found")
            return
        prefix = f"/bot{self.api.token}/"
        if not path.startswith(prefix):
            self._json(HTTPStatus.UNAUTHORIZED, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        params = dict(parse_qsl(url.query)) | self._params(body)
        try:
            result = self.api.handle(path[len(prefix):], params)
        except ApiError as exc:
            self._json(exc.code, {"ok": False, "error_code": exc.code, "description": exc.description})
            return
        self._json(HTTPStatus.OK, {"ok": True, "result": result})

    def _params(self, body: bytes) -> dict:
        ctype = self.headers.get("Content-Type", "")
        if not body:
            return {}
        if ctype.startswith("application/json"):
            return json.loads(body)
        if ctype.startswith("multipart/form-data"):
            message = BytesParser(policy=email_policy).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            params: dict = {}
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                data = part.get_payload(decode=True)
                params[name] = (part.get_filename(), data) if part.get_filename() else _decode(name, data.decode())
            return params
        return {k: _decode(k, v) for k, v in parse_qsl(body.decode(), keep_blank_values=True)}

    def _json(self, status: int, payload: dict) -> None:
        self._reply(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json")

    def _reply(self, status: int, body: bytes, ctype: str = "application/octet-stream") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except ConnectionError:  # the client gave up (a long poll cut short at shutdown)
            self.close_connection = True


def _decode(name: str, value: str) -> object:
    """A form value: the JSON-encoded parameters (reply_markup, commands, …) decoded, the rest kept as text."""
    return json.loads(value) if name in JSON_PARAMS else value
