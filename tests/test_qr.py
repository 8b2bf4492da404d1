"""QR codes for campaign deep links: real PNGs, the payload grammar, campaigns.yaml kept intact."""

from __future__ import annotations

from pathlib import Path

import pytest
import segno
from PIL import Image

from bot.cli import main
from bot.core.deeplinks import PayloadError, StartLink, make_payload, parse_payload
from bot.knowledge_files import check_knowledge
from tests.helpers import copy_knowledge

BOT = "HulpwijzerTestBot"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path)


def _modules(png: Path, scale: int, border: int = 4) -> list[list[bool]]:
    """Read the PNG back: one sample per module, True where dark."""
    with Image.open(png) as image:
        grey = image.convert("L")
        size = grey.size[0] // scale
        return [[grey.getpixel(((x + border) * scale + scale // 2,
                                (y + border) * scale + scale // 2)) < 128  # type: ignore[operator]
                 for x in range(size - 2 * border)] for y in range(size - 2 * border)]


def test_the_png_holds_the_deep_link(kb_dir: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "poster.png"
    code = main(["qr", "--topic", "bystander", "--source", "poster-station", "--out", str(out),
                 "--bot", BOT, "--knowledge", str(kb_dir), "--scale", "8"])
    assert code == 0
    link = f"https://t.me/{BOT}?start=bystander_poster-station"
    assert capsys.readouterr().out.strip() == f"{out}: {link}"
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    expected = segno.make(link, error="q", micro=False)
    width = (expected.symbol_size(scale=8, border=4))[0]
    with Image.open(out) as image:
        assert image.format == "PNG" and image.size == (width, width)
        assert 200 <= width <= 1000  # prints sharply, fits a poster corner
    wanted = [[bool(cell) for cell in row] for row in expected.matrix]
    assert _modules(out, 8) == wanted
    other = segno.make(f"https://t.me/{BOT}?start=bystander", error="q", micro=False)
    assert _modules(out, 8) != [[bool(c) for c in row] for row in other.matrix]


def test_a_new_source_is_added_and_comments_stay(kb_dir: Path, tmp_path: Path) -> None:
    campaigns = kb_dir / "campaigns.yaml"
    before = campaigns.read_text(encoding="utf-8")
    out = tmp_path / "bus.png"
    assert main(["qr", "--source", "poster-tram", "--out", str(out), "--bot", BOT,
                 "--knowledge", str(kb_dir)]) == 1  # unknown without --new-source
    assert campaigns.read_text(encoding="utf-8") == before
    assert main(["qr", "--source", "poster-tram", "--new-source", "--out", str(out),
                 "--bot", BOT, "--knowledge", str(kb_dir)]) == 0
    after = campaigns.read_text(encoding="utf-8")
    assert after.startswith(before) and after[len(before):] == "  - poster-tram\n"
    kb, problems = check_knowledge(kb_dir)
    assert kb is not None and "poster-tram" in kb.campaigns, problems
    # a second time it is known, and not added twice
    assert main(["qr", "--source", "poster-tram", "--new-source", "--out", str(out),
                 "--bot", BOT, "--knowledge", str(kb_dir)]) == 0
    assert campaigns.read_text(encoding="utf-8") == after


@pytest.mark.parametrize("args", [
    ["--topic", "no-such-topic"],
    ["--source", "Poster Station", "--new-source"],
    ["--source", "poster_station", "--new-source"],
    ["--topic", "bystander", "--source", "x" * 60, "--new-source"],
    ["--topic", "bystander", "--bot", "no"],
    [],
])
def test_bad_requests_are_refused_in_one_line(
    kb_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    before = (kb_dir / "campaigns.yaml").read_text(encoding="utf-8")
    out = tmp_path / "x.png"
    argv = ["qr", "--out", str(out), "--knowledge", str(kb_dir), *args]
    if "--bot" not in args:
        argv += ["--bot", BOT]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert not out.exists()
    assert (kb_dir / "campaigns.yaml").read_text(encoding="utf-8") == before


def test_payload_grammar_round_trips() -> None:
    topics = {"bystander", "acute-assault"}
    campaigns = {"poster-station", "ben-je-oke"}
    for topic, campaign in [("bystander", None), (None, "ben-je-oke"),
                            ("acute-assault", "poster-station")]:
        payload = make_payload(topic, campaign)
        assert parse_payload(payload, topics, campaigns) == StartLink(topic, campaign)
    assert parse_payload("bystander_unknown", topics, campaigns) == StartLink("bystander", None)
    assert parse_payload("héllo", topics, campaigns) == StartLink()
    with pytest.raises(PayloadError):
        make_payload("bystander", "a" * 60)
    with pytest.raises(PayloadError):
        make_payload("by_stander", None)
    with pytest.raises(PayloadError):
        make_payload(None, None)
