"""`python -m bot qr`: a QR code PNG for a campaign deep link.

    python -m bot qr --topic bystander --source poster-station --out poster.png

The link is ``https://t.me/<bot>?start=<payload>`` with the payload grammar of
:mod:`bot.core.deeplinks` (``bystander_poster-station``). The topic must exist; the source
must be in ``campaigns.yaml`` already, or be added to it with ``--new-source`` (the file's
comments stay as they are).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import segno

from bot.config import USERNAME_PATTERN, load_settings
from bot.core.deeplinks import PayloadError, make_payload
from bot.knowledge_files import Problem, read_yaml

NEW_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


class QrError(ValueError):
    """The QR code cannot be made; the message says why in one line."""


def deep_link(bot: str, payload: str) -> str:
    return f"https://t.me/{bot}?start={payload}"


def topic_ids(directory: Path) -> set[str]:
    return {p.stem for p in (directory / "topics").glob("*.y*ml")}


def campaign_codes(directory: Path) -> list[str]:
    path = directory / "campaigns.yaml"
    if not path.exists():
        return []
    problems: list[Problem] = []
    data = read_yaml(path, str(path), problems)
    if problems or not isinstance(data, dict) or not isinstance(data.get("campaigns"), list):
        raise QrError(f"{path} cannot be read; run `python -m bot validate` to see why")
    return [str(c) for c in data["campaigns"]]


def add_campaign(directory: Path, code: str) -> None:
    """Append a code to campaigns.yaml as one more list line; comments are kept."""
    if not NEW_CODE.match(code):
        raise QrError(f"a new campaign code uses lower case letters, digits and '-' "
                      f"(at most 40), like poster-station; got {code!r}")
    path = directory / "campaigns.yaml"
    if not path.exists():
        raise QrError(f"{path} not found")
    original = path.read_text(encoding="utf-8")
    items = re.findall(r"^([ \t]*)- ", original, flags=re.MULTILINE)
    indent = items[-1] if items else "  "
    updated = original + ("" if original.endswith("\n") else "\n") + f"{indent}- {code}\n"
    path.write_text(updated, encoding="utf-8")
    try:
        ok = code in campaign_codes(directory)
    except QrError:
        ok = False
    if not ok:  # the list was not the last thing in the file: leave it as it was
        path.write_text(original, encoding="utf-8")
        raise QrError(f"could not add {code!r} to {path} automatically; add it by hand")


def make_qr(
    directory: Path, bot: str, topic: str | None, source: str | None, out: Path,
    new_source: bool = False, scale: int = 10,
) -> tuple[str, bool]:
    """Write the PNG; return the link and whether the source was added to campaigns.yaml."""
    if not USERNAME_PATTERN.match(bot):
        raise QrError(f"bot username {bot!r} is not a Telegram username (5-32 letters, digits, _)")
    if topic is not None and topic not in topic_ids(directory):
        raise QrError(f"unknown topic {topic!r}; the topics are the file names in "
                      f"{directory / 'topics'}")
    added = False
    if source is not None and source not in campaign_codes(directory):
        if not new_source:
            raise QrError(f"unknown campaign code {source!r}; check the spelling in "
                          f"{directory / 'campaigns.yaml'}, or add --new-source to add it")
        make_payload(topic, source)  # refuse a bad payload before the file changes
        add_campaign(directory, source)
        added = True
    link = deep_link(bot, make_payload(topic, source))
    if out.suffix.lower() != ".png":
        raise QrError(f"the output file must end in .png, got {out.name!r}")
    if not out.parent.is_dir():
        raise QrError(f"folder {out.parent} does not exist")
    # Level Q survives a quarter of the code being scratched or covered, as posters are.
    segno.make(link, error="q", micro=False).save(str(out), kind="png", scale=scale, border=4)
    return link, added


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--topic", metavar="ID", help="topic the link opens (e.g. bystander)")
    parser.add_argument("--source", metavar="CODE",
                        help="campaign code counted for this link (e.g. poster-station)")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE.png",
                        help="PNG file to write")
    parser.add_argument("--bot", metavar="USERNAME",
                        help="bot username without @ (default: BOT_USERNAME)")
    parser.add_argument("--new-source", action="store_true",
                        help="add a new campaign code to campaigns.yaml")
    parser.add_argument("--scale", type=int, choices=range(2, 41), default=10, metavar="N",
                        help="pixels per module (default 10)")
    parser.add_argument("--knowledge", type=Path, metavar="DIR",
                        help="knowledge directory (default: BOT_KNOWLEDGE_DIR or knowledge)")


def run(args: argparse.Namespace, name: str) -> int:
    settings = load_settings()
    bot = (args.bot or settings.bot_username or "").removeprefix("@")
    if not bot:
        print("error: give --bot USERNAME or set BOT_USERNAME", file=sys.stderr)
        return 2
    directory: Path = args.knowledge or settings.knowledge_dir
    try:
        link, added = make_qr(directory, bot, args.topic, args.source, args.out,
                              args.new_source, args.scale)
    except (QrError, PayloadError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if added:
        print(f"added campaign code {args.source!r} to {directory / 'campaigns.yaml'}")
    print(f"{args.out}: {link}")
    return 0
