"""check-links against a real HTTP server on 127.0.0.1, and Dutch phone number formats."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.cli import main
from bot.staff.links import check_urls, phone_format, run_checks

RELEASE = threading.Event()  # lets the slow endpoint finish when the server stops


class Handler(BaseHTTPRequestHandler):
    def _answer(self, method: str) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/ok":
            self._send(200)
        elif path == "/moved":
            self._send(301, {"Location": "/ok"})
        elif path == "/no-head":
            self._send(405 if method == "HEAD" else 200)
        elif path == "/slow":
            RELEASE.wait(10)
            self._send(200)
        else:
            self._send(404)

    def _send(self, code: int, headers: dict[str, str] | None = None) -> None:
        body = b"hello\n"
        try:
            self.send_response(code)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)
        except OSError:
            pass  # the client gave up (the timeout test): nothing to tell

    def do_HEAD(self) -> None:
        self._answer("HEAD")

    def do_GET(self) -> None:
        self._answer("GET")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    RELEASE.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    RELEASE.set()
    httpd.shutdown()
    httpd.server_close()


def _knowledge(tmp_path: Path, base: str, phone: str = "0800-0188") -> Path:
    services = tmp_path / "knowledge" / "services"
    services.mkdir(parents=True)
    (services / "test.yaml").write_text(f"""\
version: 1
services:
  - id: testdienst
    scope: national
    name: {{nl: Testdienst, en: Test service}}
    about: {{nl: Voor de test., en: For the test.}}
    contacts:
      - kind: phone
        value: "{phone}"
      - kind: website
        value: {base}/ok
      - kind: chat
        value: {base}/moved
      - kind: website
        value: {base}/no-head
    source:
      - {base}/missing
      - {base}/slow
    checked: 2026-11-28
""", encoding="utf-8")
    return tmp_path / "knowledge"


async def test_each_kind_of_answer(server: str, tmp_path: Path) -> None:
    rows = await run_checks(_knowledge(tmp_path, server), timeout=0.5, deadline=20)
    by_value = {r.value: r for r in rows}
    assert by_value[f"{server}/ok"].status == "ok"
    assert by_value[f"{server}/ok"].detail.startswith("200")
    moved = by_value[f"{server}/moved"]
    assert (moved.kind, moved.status) == ("chat", "ok")
    assert f"redirected to {server}/ok" in moved.detail
    no_head = by_value[f"{server}/no-head"]
    assert no_head.status == "ok" and "HEAD 405" in no_head.detail and "GET" in no_head.detail
    missing = by_value[f"{server}/missing"]
    assert (missing.kind, missing.status) == ("source", "FAIL")
    assert missing.detail.startswith("404")
    slow = by_value[f"{server}/slow"]
    assert slow.status == "FAIL" and "no answer within 0.5 s" in slow.detail
    assert by_value["0800-0188"].status == "ok"


async def test_the_overall_deadline_bounds_the_run(server: str) -> None:
    urls = [f"{server}/slow?n={i}" for i in range(6)] + [f"{server}/ok"]
    started = time.monotonic()
    results = await check_urls(urls, timeout=5, deadline=0.8, concurrency=2)
    took = time.monotonic() - started
    assert took < 3
    assert all("overall deadline" in results[u][1] for u in urls[:6])


def test_the_command_prints_a_table_and_exits_1_on_failures(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _knowledge(tmp_path, server, phone="0800-01")
    code = main(["check-links", str(directory), "--timeout", "0.5", "--deadline", "20"])
    out = capsys.readouterr().out
    assert code == 1
    header = out.splitlines()[0].split()
    assert header == ["kind", "service", "value", "status", "detail"]
    assert any(line.split()[:4] == ["phone", "testdienst", "0800-01", "FAIL"]
               for line in out.splitlines())
    assert "6 checked, 3 failed" in out


def test_the_command_passes_when_all_is_well(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = _knowledge(tmp_path, server)
    text = (directory / "services" / "test.yaml").read_text(encoding="utf-8")
    text = text.replace(f"{server}/missing", f"{server}/ok").replace(f"{server}/slow",
                                                                     f"{server}/moved")
    (directory / "services" / "test.yaml").write_text(text, encoding="utf-8")
    assert main(["check-links", str(directory), "--timeout", "2"]) == 0
    assert "0 failed" in capsys.readouterr().out


@pytest.mark.parametrize("number", [
    "112", "113", "0800-0113", "0800-0188", "0800-266 64 36", "0900-8844", "0900-202 55 90",
    "088-0767 000", "020-261 52 75", "030-78 92 083", "071-516 50 00", "06-12345678",
    "14 071", "14 0570", "116 000", "+31 71 516 5000", "0851234567",
])
def test_valid_dutch_numbers(number: str) -> None:
    ok, detail = phone_format(number)
    assert ok, detail


@pytest.mark.parametrize("number", [
    "", "11", "1122", "0800-01", "0800-12345", "0900-12345678", "071-516 50 0", "06-1234567",
    "071-516 50 000", "+44 20 7946 0958", "0800 O188", "(071) 516 50 00", "14 71",
    "0123456789x", "097-1234567", "069-1234567",
])
def test_invalid_numbers(number: str) -> None:
    ok, detail = phone_format(number)
    assert not ok
    assert detail
