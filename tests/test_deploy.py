"""Deployment files, the heartbeat health check and `python -m bot doctor`.

There is no Docker engine here, so docker-compose.yml is validated against the Compose
Specification schema that check-jsonschema bundles, and the Dockerfile and .dockerignore are
read and checked item by item. The health-check commands written in those files are run for
real (with this interpreter) against real heartbeat files. The doctor talks to a tiny Bot API
stand-in on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, ClassVar

import jsonschema
import pytest
import yaml

from bot import doctor, heartbeat
from bot.config import TOKEN_PATTERN, Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAH-test_token_for_the_local_stand_in_000"
OTHER_TOKEN = "987654321:BBH-a_token_the_stand_in_does_not_know_0"


# --- docker-compose.yml -------------------------------------------------------------------

def compose_schema() -> dict[str, Any]:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    schema: dict[str, Any] = json.loads((vendor / "compose-spec.json").read_text("utf-8"))
    return schema


def compose_errors(document: Any) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema)
    return [e.message for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def bot_service(compose: dict[str, Any]) -> dict[str, Any]:
    service: dict[str, Any] = compose["services"]["bot"]
    return service


def mounts(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Short-syntax volumes as (source, target, mode)."""
    out = []
    for entry in service.get("volumes", []):
        assert isinstance(entry, str), "use the short volume syntax source:target[:mode]"
        source, target, *mode = entry.split(":")
        out.append((source, target, mode[0] if mode else "rw"))
    return out


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    assert compose_errors(compose) == []


@pytest.mark.parametrize(("key", "value"), [
    ("restart_policy", "always"),  # not a Compose key
    ("restart", 5),
    ("read_only", 3),
    ("volumes", {"knowledge": "./knowledge"}),
    ("healthcheck", {"test": ["CMD", "true"], "intervall": "30s"}),
])
def test_the_schema_check_rejects_a_broken_compose_file(compose: dict[str, Any], key: str,
                                                        value: Any) -> None:
    broken = json.loads(json.dumps(compose))
    broken["services"]["bot"][key] = value
    assert compose_errors(broken)


def test_the_check_jsonschema_command_accepts_the_compose_file() -> None:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.exists():
        pytest.skip("check-jsonschema is not installed next to this Python")
    result = subprocess.run(
        [str(tool), "--builtin-schema", "vendor.compose-spec", str(ROOT / "docker-compose.yml")],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_bot_service_built_here_with_env_file(compose: dict[str, Any],
                                                  bot_service: dict[str, Any]) -> None:
    assert list(compose["services"]) == ["bot"]
    assert bot_service["build"] == "."
    env_file = bot_service["env_file"]
    assert env_file == ".env" or env_file == [".env"]


def test_knowledge_is_mounted_read_only_where_the_bot_reads_it(
        bot_service: dict[str, Any]) -> None:
    knowledge = [m for m in mounts(bot_service) if m[0] == "./knowledge"]
    assert len(knowledge) == 1
    _, target, mode = knowledge[0]
    assert mode == "ro"
    assert bot_service["environment"]["BOT_KNOWLEDGE_DIR"] == target


def test_data_dir_is_a_named_volume(compose: dict[str, Any],
                                    bot_service: dict[str, Any]) -> None:
    target_dir = bot_service["environment"]["BOT_DATA_DIR"]
    data = [m for m in mounts(bot_service) if m[1] == target_dir]
    assert len(data) == 1
    source = data[0][0]
    assert not source.startswith((".", "/", "~")), "a bind mount, not a named volume"
    assert source in compose["volumes"]
    assert data[0][2] == "rw"


def test_restart_read_only_tmpfs_logs_and_grace_period(bot_service: dict[str, Any]) -> None:
    assert bot_service["restart"] == "unless-stopped"
    assert bot_service["read_only"] is True
    tmpfs = bot_service["tmpfs"]
    tmpfs_dirs = [t.split(":")[0] for t in ([tmpfs] if isinstance(tmpfs, str) else tmpfs)]
    assert "/tmp" in tmpfs_dirs
    # The heartbeat must be written somewhere writable on a read-only root filesystem.
    heartbeat_file = bot_service["environment"]["BOT_HEARTBEAT_FILE"]
    assert any(heartbeat_file.startswith(d + "/") for d in tmpfs_dirs)
    logging_ = bot_service["logging"]
    assert logging_["driver"] == "json-file"
    size = re.fullmatch(r"(\d+)([kmg])", logging_["options"]["max-size"])
    assert size is not None
    assert int(size.group(1)) * {"k": 1e3, "m": 1e6, "g": 1e9}[size.group(2)] <= 100e6
    assert 1 <= int(logging_["options"]["max-file"]) <= 10
    memory = re.fullmatch(r"(\d+)m", str(bot_service["mem_limit"]))
    assert memory is not None and 300 <= int(memory.group(1)) <= 2048, "a bounded memory"
    grace = re.fullmatch(r"(\d+)s", bot_service["stop_grace_period"])
    assert grace is not None and 10 <= int(grace.group(1)) <= 30


def test_compose_healthcheck_command_really_checks_the_heartbeat(
        bot_service: dict[str, Any], tmp_path: Path) -> None:
    check = bot_service["healthcheck"]
    assert check["test"][0] == "CMD"
    command = check["test"][1:]
    beat = tmp_path / "beat"
    env = {"BOT_HEARTBEAT_FILE": str(beat)}
    assert run_health_command(command, env) == 1  # missing
    heartbeat.touch(beat)
    assert run_health_command(command, env) == 0  # fresh
    old = time.time() - 10 * 60
    os.utime(beat, (old, old))
    assert run_health_command(command, env) == 1  # stale


def run_health_command(command: list[str], extra_env: dict[str, str]) -> int:
    assert command[0] == "python"
    env = {**os.environ, **extra_env}
    result = subprocess.run([sys.executable, *command[1:]], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=30)
    return result.returncode


# --- .env.example and .gitignore ----------------------------------------------------------

def env_example() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env.example").read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"not KEY=value: {line!r}"
            values[key] = value
    return values


def config_variables() -> set[str]:
    source = (ROOT / "bot" / "config.py").read_text("utf-8")
    return set(re.findall(r'"((?:BOT|TELEGRAM)_[A-Z_]+)"', source))


def test_env_example_lists_real_settings_and_no_secret() -> None:
    values = env_example()
    assert "TELEGRAM_BOT_TOKEN" in values
    assert values["TELEGRAM_BOT_TOKEN"] == ""
    assert not any(TOKEN_PATTERN.match(v) for v in values.values())
    unknown = set(values) - config_variables()
    assert not unknown, f"not read by bot/config.py: {sorted(unknown)}"
    load_settings(values)  # the example values are all valid


def test_every_setting_is_documented_in_env_example() -> None:
    text = (ROOT / ".env.example").read_text("utf-8")
    missing = sorted(v for v in config_variables() if v not in text)
    assert not missing, f"add to .env.example: {missing}"


def test_env_is_ignored_by_git() -> None:
    patterns = (ROOT / ".gitignore").read_text("utf-8").split()
    assert ".env" in patterns
    assert ".env.example" not in patterns


# --- Dockerfile and .dockerignore ---------------------------------------------------------

def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    assert not pending
    return out


def instructions(name: str) -> list[str]:
    return [args for word, args in dockerfile() if word == name]


def exec_form(args: str) -> list[str]:
    parsed = json.loads(args)
    assert isinstance(parsed, list) and all(isinstance(a, str) for a in parsed)
    return parsed


def test_dockerfile_base_user_and_command() -> None:
    assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-\w+)?", instructions("FROM")[-1])
    users = instructions("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")
    words = [w for w, _ in dockerfile()]
    assert words.index("CMD") > len(words) - 1 - words[::-1].index("USER")
    assert exec_form(instructions("CMD")[-1]) == ["python", "-m", "bot", "telegram"]
    assert not instructions("ENTRYPOINT")  # nothing wraps python, so it gets SIGTERM


def test_dockerfile_installs_from_pyproject_with_the_lock_file() -> None:
    runs = " ".join(instructions("RUN"))
    assert "pip install --require-hashes -r /src/requirements.lock" in runs
    assert re.search(r"pip install --no-deps --no-build-isolation /src(\s|$)", runs)
    copies = " ".join(instructions("COPY"))
    assert "pyproject.toml" in copies and "requirements.lock" in copies


def test_the_lock_file_pins_every_package_with_a_hash() -> None:
    """Every line of requirements.lock: name==version and at least one sha256; it holds what
    pyproject.toml asks for, and the build backend, so nothing unpinned is installed."""
    lines = [line for line in (ROOT / "requirements.lock").read_text("utf-8").splitlines()
             if line and not line.startswith("#")]
    pins = {}
    for line in lines:
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)((?: --hash=sha256:[0-9a-f]{64})+)", line)
        assert found, line
        pins[re.sub(r"[-_.]+", "-", found.group(1)).lower()] = found.group(2)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    wanted = [*project["project"]["dependencies"],
              *project["project"]["optional-dependencies"]["dev"],
              *project["build-system"]["requires"]]
    for requirement in wanted:
        name = re.split(r"[<>=\[ ;]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", name).lower() in pins, requirement
    makefile = (ROOT / "Makefile").read_text("utf-8")
    assert "--require-hashes -r requirements.lock" in makefile


def test_dockerfile_bakes_in_no_secret() -> None:
    for word in ("ENV", "ARG", "LABEL"):
        for args in instructions(word):
            assert "TOKEN" not in args.upper(), f"{word} {args}"
            assert "SECRET" not in args.upper(), f"{word} {args}"
    for word in ("COPY", "ADD"):
        for args in instructions(word):
            sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
            assert sources, args
            for source in sources:
                assert ".env" not in source, args
                assert source not in (".", "./"), "copy named paths, not the whole context"


def test_dockerfile_copies_only_what_exists_and_is_not_ignored() -> None:
    pyproject_readme = re.search(r'^readme\s*=\s*"([^"]+)"',
                                 (ROOT / "pyproject.toml").read_text("utf-8"), re.M)
    for args in instructions("COPY"):
        for source in [a for a in shlex.split(args) if not a.startswith("--")][:-1]:
            assert not dockerignored(source), f"{source} is excluded by .dockerignore"
            # README.md is written by the lead from docs/readme-parts; pip needs it because
            # pyproject.toml names it, which is checked here instead of its presence.
            if pyproject_readme and source == pyproject_readme.group(1):
                continue
            assert (ROOT / source).exists(), source
    if pyproject_readme:
        copied = " ".join(instructions("COPY"))
        assert pyproject_readme.group(1) in copied.split(), "pip install needs the readme file"


def test_dockerfile_healthcheck_needs_no_network_and_works(tmp_path: Path) -> None:
    checks = instructions("HEALTHCHECK")
    assert len(checks) == 1
    options, _, command = checks[0].partition("CMD ")
    assert "--interval=" in options
    argv = exec_form(command)
    assert "curl" not in argv and "wget" not in argv
    env_lines = " ".join(instructions("ENV"))
    beat_path = re.search(r"BOT_HEARTBEAT_FILE=(\S+)", env_lines)
    assert beat_path is not None and beat_path.group(1).startswith("/tmp/")
    beat = tmp_path / "hb"
    assert run_health_command(argv, {"BOT_HEARTBEAT_FILE": str(beat)}) == 1
    heartbeat.touch(beat)
    assert run_health_command(argv, {"BOT_HEARTBEAT_FILE": str(beat)}) == 0


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            if pattern.startswith("/", i):
                out += "/?"
                i += 1
            continue
        char = pattern[i]
        out += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
        i += 1
    return re.compile(out)


def dockerignored(path: str) -> bool:
    """Docker's rule: a pattern excludes a path or any of its parents; a later ! re-includes."""
    path = path.strip("/").removeprefix("./")
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in dockerignore_patterns():
        negate = raw.startswith("!")
        regex = _pattern_regex(raw.removeprefix("!").strip("/").removeprefix("./"))
        if any(regex.fullmatch(c) for c in candidates):
            ignored = not negate
    return ignored


@pytest.mark.parametrize("path", [
    ".env", ".env.production", ".venv/bin/python", "data/stats.sqlite3", "stats.sqlite3",
    ".git/config", "bot/__pycache__/cli.cpython-311.pyc", "tests/test_deploy.py",
])
def test_dockerignore_keeps_secrets_and_local_state_out(path: str) -> None:
    assert dockerignored(path)


@pytest.mark.parametrize("path", [
    "pyproject.toml", "README.md", "bot/cli.py", "bot/channels/console.py",
    "knowledge/crisis.yaml", "knowledge/schema/topic.schema.json",
])
def test_dockerignore_keeps_what_the_image_needs(path: str) -> None:
    assert not dockerignored(path)


# --- heartbeat ----------------------------------------------------------------------------

def test_health_check_fresh_stale_missing(tmp_path: Path) -> None:
    beat = tmp_path / "sub" / "heartbeat"
    assert heartbeat.main(["--check", "--file", str(beat)]) == 1
    heartbeat.touch(beat)
    assert beat.read_bytes() == b""  # only the time matters; nothing else is stored
    assert heartbeat.main(["--check", "--file", str(beat)]) == 0
    old = time.time() - 121
    os.utime(beat, (old, old))
    assert heartbeat.main(["--check", "--file", str(beat)]) == 1
    assert heartbeat.main(["--check", "--file", str(beat), "--max-age", "300"]) == 0


def test_health_check_reads_the_path_from_the_environment(tmp_path: Path) -> None:
    beat = tmp_path / "heartbeat"
    env = {**os.environ, "BOT_HEARTBEAT_FILE": str(beat)}
    command = [sys.executable, "-m", "bot.heartbeat", "--check"]
    missing = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=30)
    assert missing.returncode == 1 and "no heartbeat file" in missing.stderr
    heartbeat.touch(beat)
    fresh = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=30)
    assert fresh.returncode == 0 and "healthy" in fresh.stdout


async def test_running_heartbeat_keeps_the_file_fresh_and_removes_it(tmp_path: Path) -> None:
    settings = Settings(heartbeat_file=tmp_path / "heartbeat")
    async with heartbeat.heartbeat(settings, interval=0.05):
        assert heartbeat.check(settings.heartbeat_file)[0]  # healthy from the start
        old = time.time() - 600
        os.utime(settings.heartbeat_file, (old, old))
        assert not heartbeat.check(settings.heartbeat_file)[0]
        for _ in range(100):  # the task touches it again within a few intervals
            await asyncio.sleep(0.02)
            if heartbeat.check(settings.heartbeat_file)[0]:
                break
        assert heartbeat.check(settings.heartbeat_file)[0]
    assert not settings.heartbeat_file.exists()
    assert heartbeat.main(["--file", str(settings.heartbeat_file)]) == 1
    # No task is left running after the block.
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "heartbeat"]


# --- doctor -------------------------------------------------------------------------------

class StandIn(BaseHTTPRequestHandler):
    """The Bot API's getMe for TOKEN; everything else is 404 like Telegram's."""

    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        StandIn.paths.append(self.path)
        if self.path == f"/bot{TOKEN}/getMe":
            status, body = 200, {"ok": True, "result": {
                "id": 123456789, "is_bot": True, "first_name": "Hulpwijzer",
                "username": "HulpwijzerTestBot"}}
        else:
            status, body = 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


@pytest.fixture(scope="module")
def api_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_url() -> str:
    with socket.socket() as sock:  # a port nobody listens on any more
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/bot"


def settings_for(tmp_path: Path, api_url: str, token: str | None = TOKEN,
                 **changes: Any) -> Settings:
    values: dict[str, Any] = {"knowledge_dir": ROOT / "knowledge",
                              "data_dir": tmp_path / "data", "telegram_token": token,
                              "telegram_api_url": api_url}
    values.update(changes)
    return Settings(**values)


def lines(checks: list[doctor.Check]) -> str:
    return "\n".join(c.line() for c in checks)


def test_doctor_all_ok_against_the_stand_in(tmp_path: Path, api_url: str) -> None:
    StandIn.paths.clear()
    checks = doctor.run_checks(settings_for(tmp_path, api_url), timeout=5)
    assert [c.name for c in checks] == ["configuration", "knowledge", "data directory",
                                        "Bot API"]
    assert all(c.ok for c in checks), lines(checks)
    assert "@HulpwijzerTestBot" in checks[3].detail
    assert StandIn.paths == [f"/bot{TOKEN}/getMe"]  # it really asked, with the token
    assert (tmp_path / "data").is_dir() and list((tmp_path / "data").iterdir()) == []
    assert TOKEN not in lines(checks)


def test_doctor_reports_an_unreachable_api_without_the_token(tmp_path: Path,
                                                            closed_url: str) -> None:
    checks = doctor.run_checks(settings_for(tmp_path, closed_url), timeout=2)
    api = checks[3]
    assert api.ok is False and "cannot connect" in api.detail
    assert [c.ok for c in checks[:3]] == [True, True, True]
    assert TOKEN not in lines(checks) and TOKEN.split(":")[1] not in lines(checks)


def test_doctor_reports_a_rejected_token(tmp_path: Path, api_url: str) -> None:
    checks = doctor.run_checks(settings_for(tmp_path, api_url, token=OTHER_TOKEN))
    assert checks[3].ok is False and "rejected the token" in checks[3].detail
    assert OTHER_TOKEN not in lines(checks)


@pytest.mark.parametrize("token", [None, "not-a-token", "12345:short"])
def test_doctor_missing_or_malformed_token(tmp_path: Path, api_url: str,
                                           token: str | None) -> None:
    StandIn.paths.clear()
    checks = doctor.run_checks(settings_for(tmp_path, api_url, token=token))
    assert checks[0].ok is False and "TELEGRAM_BOT_TOKEN" in checks[0].detail
    assert checks[3].ok is None  # skipped, and nothing was sent
    assert StandIn.paths == []
    if token:
        assert token not in lines(checks)


def test_doctor_reports_broken_knowledge_with_file_and_line(tmp_path: Path,
                                                            api_url: str) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    (knowledge / "topics" / "sport.yaml").write_text("id: sport\n  bad: [indent\n", "utf-8")
    checks = doctor.run_checks(settings_for(tmp_path, api_url, knowledge_dir=knowledge))
    assert checks[1].ok is False
    assert "sport.yaml" in checks[1].detail
    missing = doctor.run_checks(settings_for(tmp_path, api_url,
                                             knowledge_dir=tmp_path / "nowhere"))
    assert missing[1].ok is False and "not found" in missing[1].detail


def test_doctor_reports_an_unwritable_data_dir(tmp_path: Path, api_url: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory", "utf-8")
    checks = doctor.run_checks(settings_for(tmp_path, api_url, data_dir=blocker / "data"))
    assert checks[2].ok is False and "not writable" in checks[2].detail


def run_doctor(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith(("BOT_", "TELEGRAM_"))}
    full_env.update(env)
    return subprocess.run([sys.executable, "-m", "bot", "doctor", "--timeout", "3"],
                          cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60)


def test_doctor_command_exit_codes_and_output(tmp_path: Path, api_url: str,
                                              closed_url: str) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api_url,
           "BOT_DATA_DIR": str(tmp_path / "data"), "BOT_LOG_LEVEL": "DEBUG"}
    good = run_doctor(env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert len(good.stdout.splitlines()) == 4
    assert all(line.startswith("ok") for line in good.stdout.splitlines())
    bad = run_doctor({**env, "TELEGRAM_API_URL": closed_url})
    assert bad.returncode == 1
    assert "FAIL  Bot API: cannot connect" in bad.stdout
    for result in (good, bad):
        output = result.stdout + result.stderr
        assert TOKEN not in output and "/getMe" not in output
