"""A Bot API stand-in on 127.0.0.1: speaks Telegram's JSON so the real Application can run.

It runs a threaded HTTP server in the background (the bot's event loop stays free), keeps
the messages of each chat (so a test can see what is left after /wis), records every call,
and can be told to fail the next calls of a method: 429 with retry_after, 5xx, a connection
reset without an answer, or an answer that comes late (``fail``). ``push_raw`` queues an
update exactly as given, also one the bot cannot read.

python-telegram-bot posts form data (``application/x-www-form-urlencoded``, JSON-encoded
values for objects such as ``reply_markup``); JSON bodies are understood too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_ID = 7000000001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Hulpwijzer",
            "username": "hulpwijzer_test_bot", "can_join_groups": True,
            "can_read_all_group_messages": False, "supports_inline_queries": False}
JSON_FIELDS = {"reply_markup", "allowed_updates", "message_ids", "commands",
               "link_preview_options", "entities", "scope", "reply_parameters"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    status: int


class BotApiStub:
    def __init__(self, token: str, max_poll_wait: float = 1.0) -> None:
        self.token = token
        self.max_poll_wait = max_poll_wait
        self.calls: list[Call] = []
        self.chats: dict[int, dict[int, dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._failures: dict[str, deque[tuple[int, int | None]]] = {}
        self._faults: dict[str, deque[tuple[str, float]]] = {}
        self._cond = threading.Condition()
        self._closing = False
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    # -- life ------------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL should be: the token and method are appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> BotApiStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- what tests do ---------------------------------------------------------------------

    def fail(self, method: str, times: int, status: int = 429,
             retry_after: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` with an error."""
        with self._cond:
            queue = self._failures.setdefault(method, deque())
            queue.extend([(status, retry_after)] * times)

    def fault(self, method: str, times: int, kind: str, seconds: float = 0.0) -> None:
        """The next ``times`` calls of ``method``: "reset" (the connection is dropped without
        an answer; the call is not carried out) or "slow" (carried out, answered after
        ``seconds``)."""
        assert kind in ("reset", "slow")
        with self._cond:
            self._faults.setdefault(method, deque()).extend([(kind, seconds)] * times)

    def push_raw(self, body: dict[str, Any]) -> int:
        """Queue an update with this body as it is (no checks); returns its update_id."""
        with self._cond:
            self._push(body)
            return int(self._updates[-1]["update_id"])

    def user(self, user_id: int, language: str = "nl", **extra: Any) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Test", "language_code": language,
                **extra}

    def message(self, chat_id: int, text: str | None = None, *, user: dict[str, Any] | None = None,
                chat_type: str = "private", language: str = "nl",
                **content: Any) -> dict[str, Any]:
        """A user's message arrives (text, or content like sticker=...); returns it."""
        sender = user or self.user(abs(chat_id), language)
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = sender.get("first_name", "Test")
        else:
            chat["title"] = "Test group"
        with self._cond:
            msg: dict[str, Any] = {"message_id": self._next_message_id(chat_id),
                                   "date": int(time.time()), "chat": chat, "from": sender,
                                   **content}
            if text is not None:
                msg["text"] = text
                if text.startswith("/"):
                    command = text.split()[0]
                    msg["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": len(command)}]
            self.chats.setdefault(chat_id, {})[msg["message_id"]] = msg
            self._push({"message": msg})
        return msg

    def press(self, chat_id: int, message_id: int, data: str,
              language: str = "nl") -> str:
        """A user presses a button under one of the bot's messages; returns the query id."""
        with self._cond:
            query_id = f"q{next(self._update_ids)}"
            message = self.chats[chat_id][message_id]
            self._push({"callback_query": {
                "id": query_id, "from": self.user(abs(chat_id), language),
                "message": message, "chat_instance": "stub", "data": data,
            }})
        return query_id

    def calls_of(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def sent(self, chat_id: int) -> list[dict[str, Any]]:
        """Successful sendMessage calls to a chat, in order (their parameters)."""
        return [c.params for c in self.calls_of("sendMessage")
                if c.status == 200 and int(c.params.get("chat_id", 0)) == chat_id]

    def live(self, chat_id: int) -> dict[int, dict[str, Any]]:
        with self._cond:
            return dict(self.chats.get(chat_id, {}))

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    # -- inside ----------------------------------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _push(self, body: dict[str, Any]) -> None:
        self._updates.append({"update_id": next(self._update_ids), **body})
        self._cond.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind, seconds = stub._take_fault(self.path)
                if kind == "reset":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if kind == "slow":
                    time.sleep(seconds)
                status, payload = stub._dispatch(self.path, self.headers.get("Content-Type", ""),
                                                 body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the bot stopped polling
                    self.close_connection = True

        return Handler

    def _take_fault(self, path: str) -> tuple[str, float]:
        method = path.rsplit("/", 1)[-1].split("?")[0]
        with self._cond:
            faults = self._faults.get(method)
            if not faults:
                return "", 0.0
            kind, seconds = faults.popleft()
            self.calls.append(Call(method, {}, 0))  # received; a slow one is answered later
            return kind, seconds

    def _dispatch(self, path: str, content_type: str, body: bytes) -> tuple[int, Any]:
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix):].split("?")[0]
        params = _parse_body(content_type, body)
        with self._cond:
            failures = self._failures.get(method)
            if failures:
                status, retry_after = failures.popleft()
                self.calls.append(Call(method, params, status))
                error: dict[str, Any] = {"ok": False, "error_code": status,
                                         "description": "Too Many Requests" if status == 429
                                         else "Internal Server Error"}
                if retry_after is not None:
                    error["parameters"] = {"retry_after": retry_after}
                return status, error
            if method == "getUpdates":
                return self._get_updates(params)
            self.calls.append(Call(method, params, 200))
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            status, result = handler(params)
            if status != 200:
                return status, {"ok": False, "error_code": status, "description": result}
            return 200, {"ok": True, "result": result}

    def _get_updates(self, params: dict[str, Any]) -> tuple[int, Any]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        deadline = time.monotonic() + wait
        while not self._updates and not self._closing:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._cond.wait(left)
        limit = int(params.get("limit") or 100)
        self.calls.append(Call("getUpdates", params, 200))
        return 200, {"ok": True, "result": self._updates[:limit]}

    # Each _m_<method> runs with the lock held and returns (status, result or description).

    def _m_getMe(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, BOT_USER

    def _m_sendMessage(self, p: dict[str, Any]) -> tuple[int, Any]:
        if "chat_id" not in p:  # a request cut off by a client that died while sending it
            return 400, "Bad Request: chat_id is empty"
        chat_id = int(p["chat_id"])
        text = str(p.get("text", ""))
        if not text.strip():
            return 400, "Bad Request: message text is empty"
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, "Bad Request: message is too long"
        chat: dict[str, Any] = {"id": chat_id,
                                "type": "private" if chat_id > 0 else "supergroup"}
        if chat_id < 0:
            chat["title"] = "Test group"
        message: dict[str, Any] = {"message_id": self._next_message_id(chat_id),
                                   "date": int(time.time()), "chat": chat, "from": BOT_USER,
                                   "text": text}
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self.chats.setdefault(chat_id, {})[int(message["message_id"])] = message
        return 200, message

    def _edit(self, p: dict[str, Any]) -> tuple[int, Any]:
        chat_id, message_id = int(p["chat_id"]), int(p["message_id"])
        message = self.chats.get(chat_id, {}).get(message_id)
        if message is None:
            return 400, "Bad Request: message to edit not found"
        if "text" in p:
            message["text"] = p["text"]
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        else:
            message.pop("reply_markup", None)
        return 200, message

    def _m_editMessageText(self, p: dict[str, Any]) -> tuple[int, Any]:
        return self._edit(p)

    def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> tuple[int, Any]:
        return self._edit(p)

    def _m_answerCallbackQuery(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, True

    def _m_deleteMessage(self, p: dict[str, Any]) -> tuple[int, Any]:
        chat = self.chats.get(int(p["chat_id"]), {})
        if chat.pop(int(p["message_id"]), None) is None:
            return 400, "Bad Request: message to delete not found"
        return 200, True

    def _m_deleteMessages(self, p: dict[str, Any]) -> tuple[int, Any]:
        ids = p["message_ids"]
        if not 1 <= len(ids) <= 100:
            return 400, "Bad Request: too many message identifiers"
        chat = self.chats.get(int(p["chat_id"]), {})
        for message_id in ids:
            chat.pop(int(message_id), None)
        return 200, True

    def _m_setWebhook(self, p: dict[str, Any]) -> tuple[int, Any]:
        self.webhook = dict(p)
        return 200, True

    def _m_deleteWebhook(self, p: dict[str, Any]) -> tuple[int, Any]:
        self.webhook = {}
        return 200, True

    def _m_getWebhookInfo(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                     "pending_update_count": 0}

    def _m_setMyCommands(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, True

    def _m_close(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, True

    def _m_logOut(self, p: dict[str, Any]) -> tuple[int, Any]:
        return 200, True


def _parse_body(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        parsed = json.loads(body)
        return dict(parsed) if isinstance(parsed, dict) else {}
    if content_type.startswith("multipart/form-data"):
        raise NotImplementedError("the bot sends no files")
    params: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode(), keep_blank_values=True):
        params[key] = json.loads(value) if key in JSON_FIELDS else value
    return params


async def wait_until(check: Callable[[], Any], timeout: float = 8.0) -> Any:
    """Wait (in the running loop) until ``check()`` is truthy; its value, or AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting for the bot")
