"""`python -m bot check-links`: is every web address reachable, is every phone number well formed?

Addresses are the services' website and chat contacts and their sources. Each is asked with
HEAD (cheap), and with GET when HEAD fails (some sites refuse HEAD), redirects followed,
at most ``concurrency`` at a time, each within ``timeout`` seconds and all within
``deadline`` seconds, so the check ends in bounded time even without a network. Phone
numbers are checked against the Dutch number plan; nothing is dialled.

The services are read straight from ``services/*.yaml``, so a half-finished topic does not
stop the check.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bot.config import load_settings
from bot.knowledge_files import KnowledgeError, Problem, check_shape, load_schemas, read_yaml

USER_AGENT = "Hulpwijzer-link-check/1 (municipal help-finding bot; checks that pages exist)"
_GROUPED = re.compile(r"^\+?[0-9][0-9 \-]*[0-9]$|^[0-9]$")


@dataclass(frozen=True)
class Row:
    kind: str  # website | chat | source | phone | email
    service: str
    value: str
    status: str  # ok | FAIL
    detail: str

    @property
    def failed(self) -> bool:
        return self.status != "ok"


# -- phone numbers ---------------------------------------------------------------------------


def phone_format(value: str) -> tuple[bool, str]:
    """Whether ``value`` is a Dutch phone number as people dial it, and which kind."""
    if not _GROUPED.match(value.strip()):
        return False, "use only digits, spaces and '-' (e.g. 071-123 45 67)"
    digits = re.sub(r"[ \-]", "", value.strip())
    if digits.startswith("+31"):
        digits = "0" + digits[3:]
    elif digits.startswith("+"):
        return False, "not a Dutch number (+31 or a number starting with 0 expected)"
    if digits == "112":
        return True, "emergency number"
    if digits == "113":
        return True, "113 suicide prevention short number"
    if re.fullmatch(r"116\d{3}", digits):
        return True, "European helpline (116 xxx)"
    if re.fullmatch(r"140\d{2,3}", digits):
        return True, f"municipal number 14 {digits[2:]}"
    special = re.fullmatch(r"(0800|0900|0906|0909)(\d+)", digits)
    if special:
        prefix, rest = special.groups()
        if len(rest) in (4, 7):
            kind = "free number" if prefix == "0800" else "paid information number"
            return True, f"{kind} ({prefix}, {len(rest)} digits)"
        return False, f"{prefix} numbers have 4 or 7 digits after {prefix}, not {len(rest)}"
    if len(digits) != 10 or not digits.startswith("0"):
        return False, (f"{len(digits)} digits; Dutch numbers have 10 (071-123 45 67), or are "
                       "0800/0900 numbers, 14 0xx, 112 or 113")
    if digits.startswith("06"):
        return (True, "mobile number") if digits[2] != "9" else (False, "06-9 is not in use")
    if digits.startswith("088"):
        return True, "company number (088)"
    if digits[:3] in ("084", "085", "087", "091"):
        return True, f"non-geographic number ({digits[:3]})"
    if digits[1] in "123457":
        return True, "geographic number"
    return False, f"{digits[:3]} is not a number range for people to call"


# -- reading the services ----------------------------------------------------------------------


def read_services(directory: Path) -> list[dict[str, Any]]:
    """The raw service entries of every services file; KnowledgeError when one is broken."""
    problems: list[Problem] = []
    schema = load_schemas(directory)["service"]
    services: list[dict[str, Any]] = []
    files = sorted((directory / "services").glob("*.y*ml"))
    if not files:
        raise KnowledgeError([Problem(str(directory / "services"), 0, "no services files")])
    for path in files:
        before = len(problems)
        data = read_yaml(path, str(path), problems)
        if len(problems) == before:
            problems.extend(check_shape(data, schema, str(path)))
        if len(problems) == before:
            services.extend(data["services"])
    if problems:
        raise KnowledgeError(problems)
    return services


def targets(services: list[dict[str, Any]]) -> tuple[list[Row], list[tuple[str, str, str]]]:
    """Phone and e-mail rows (checked on the spot), and (kind, service, url) to fetch."""
    rows: list[Row] = []
    urls: list[tuple[str, str, str]] = []
    for service in services:
        sid = str(service["id"])
        for contact in service["contacts"]:
            kind, value = contact["kind"], str(contact["value"]).strip()
            if kind == "phone":
                ok, detail = phone_format(value)
                rows.append(Row("phone", sid, value, "ok" if ok else "FAIL", detail))
            elif kind == "email":
                ok = re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", value) is not None
                rows.append(Row("email", sid, value, "ok" if ok else "FAIL",
                                "address form" if ok else "not an e-mail address"))
            else:
                urls.append((kind, sid, value))
        urls.extend(("source", sid, str(url)) for url in service["source"])
    return rows, urls


# -- web addresses -----------------------------------------------------------------------------


async def check_url(client: httpx.AsyncClient, url: str) -> tuple[bool, str]:
    """HEAD, then GET if HEAD was refused; (reachable, what happened)."""
    if not url.startswith(("https://", "http://")):
        return False, "not a web address (it must start with https://)"
    try:
        response = await client.head(url)
        if response.status_code < 400:
            return True, _describe(url, response)
        first = f"HEAD {response.status_code}"
        async with client.stream("GET", url) as response:  # headers only: no page download
            if response.status_code < 400:
                return True, f"{_describe(url, response)} (GET; {first})"
            return False, f"{response.status_code} {response.reason_phrase} ({first})".strip()
    except httpx.TimeoutException:
        return False, f"no answer within {client.timeout.read} s"
    except httpx.TooManyRedirects:
        return False, "too many redirects"
    except httpx.HTTPError as err:
        return False, f"cannot connect ({type(err).__name__})"


def _describe(url: str, response: httpx.Response) -> str:
    detail = f"{response.status_code} {response.reason_phrase}".strip()
    if str(response.url) != url:
        detail += f", redirected to {response.url}"
    return detail


async def check_urls(
    urls: list[str], timeout: float = 10.0, deadline: float = 60.0, concurrency: int = 8,
    client: httpx.AsyncClient | None = None,
) -> dict[str, tuple[bool, str]]:
    """Check each distinct address once; unfinished ones at the deadline count as failed."""
    distinct = list(dict.fromkeys(urls))
    gate = asyncio.Semaphore(concurrency)
    own = client is None
    client = client or httpx.AsyncClient(
        timeout=httpx.Timeout(timeout), follow_redirects=True, max_redirects=10,
        headers={"User-Agent": USER_AGENT},
    )

    async def one(url: str) -> tuple[bool, str]:
        async with gate:
            return await check_url(client, url)

    tasks = {url: asyncio.create_task(one(url)) for url in distinct}
    try:
        if tasks:
            await asyncio.wait(tasks.values(), timeout=deadline)
    finally:
        for task in tasks.values():
            task.cancel()
        if own:
            await client.aclose()
    results: dict[str, tuple[bool, str]] = {}
    for url, task in tasks.items():
        if task.done() and not task.cancelled():
            results[url] = task.result()
        else:
            results[url] = (False, f"not checked: overall deadline of {deadline:g} s reached")
    return results


async def run_checks(
    directory: Path, timeout: float = 10.0, deadline: float = 60.0, concurrency: int = 8,
    urls_too: bool = True,
) -> list[Row]:
    rows, urls = targets(read_services(directory))
    if urls_too:
        results = await check_urls([u for _, _, u in urls], timeout, deadline, concurrency)
        for kind, sid, url in urls:
            ok, detail = results[url]
            rows.append(Row(kind, sid, url, "ok" if ok else "FAIL", detail))
    return rows


def format_table(rows: list[Row]) -> str:
    header = Row("kind", "service", "value", "status", "detail")
    table = [header, *rows]
    widths = [max(len(getattr(r, f)) for r in table) for f in ("kind", "service", "value")]
    widths.append(6)
    lines = []
    for r in table:
        cells = (r.kind, r.service, r.value, r.status)
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
                     + "  " + r.detail)
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                        help="knowledge directory (default: BOT_KNOWLEDGE_DIR or knowledge)")
    parser.add_argument("--timeout", type=_seconds, default=10.0, metavar="S",
                        help="seconds to wait for one address (default 10)")
    parser.add_argument("--deadline", type=_seconds, default=60.0, metavar="S",
                        help="seconds for the whole check (default 60)")
    parser.add_argument("--concurrency", type=int, choices=range(1, 33), default=8,
                        metavar="N", help="addresses asked at the same time (default 8)")
    parser.add_argument("--phones-only", action="store_true",
                        help="check phone numbers and e-mail addresses only (no network)")
    parser.add_argument("--failures", action="store_true", help="show only what failed")


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {raw!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 < seconds <= 3600, got {raw!r}")
    return value


def run(args: argparse.Namespace, name: str) -> int:
    directory: Path = args.directory or load_settings().knowledge_dir
    if not directory.is_dir():
        print(f"error: knowledge directory not found: {directory}", file=sys.stderr)
        return 1
    started = time.monotonic()
    rows = asyncio.run(run_checks(directory, args.timeout, args.deadline, args.concurrency,
                                  urls_too=not args.phones_only))
    failed = [r for r in rows if r.failed]
    print(format_table(failed if args.failures else rows))
    print(f"\n{len(rows)} checked, {len(failed)} failed, in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0
