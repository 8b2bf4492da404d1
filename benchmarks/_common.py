"""Shared pieces of the benchmark scripts: result rows, percentiles, machine facts,
message variants and knowledge bases scaled up as if many municipalities used the bot.

Benchmarks are scripts, not tests. Each script prints a human summary, or with ``--json``
one JSON object ``{"rows": [...]}`` that ``run_all.py`` turns into the table.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import statistics
import sys
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
# The scripts run as files (python benchmarks/x.py): make the repository's bot importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.core.model import LANGS, KnowledgeBase, Service, Text, Topic  # noqa: E402

KNOWLEDGE = ROOT / "knowledge"
DEV_SET = ROOT.parent / "shared" / "eval" / "dev-questions.yaml"
# A fixed moment (a Tuesday afternoon in Leiden) so replies and figures do not depend on
# when the benchmark runs; opening hours change the reply text, not the matching.
NOW = datetime(2026, 3, 10, 14, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


@dataclass
class Row:
    """One line of the table. ``ok`` is None when the figure has no target."""

    metric: str
    value: str
    target: str = ""
    ok: bool | None = None
    note: str = ""


def emit(rows: list[Row], as_json: bool) -> None:
    if as_json:
        print(json.dumps({"rows": [asdict(r) for r in rows]}, ensure_ascii=False))
        return
    width = max((len(r.metric) for r in rows), default=10)
    for r in rows:
        mark = "" if r.ok is None else ("ok" if r.ok else "MISSED")
        target = f"(target {r.target})" if r.target else ""
        print(f"{r.metric:<{width}}  {r.value:>14}  {target:<20} {mark} {r.note}".rstrip())


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    cores = os.cpu_count() or 0
    return (f"{platform.system()} {platform.release()} {platform.machine()}, {cores} cores, "
            f"{cpu_model()}, Python {platform.python_version()}")


def dev_texts() -> list[str]:
    """The dev set's message texts, only to time them; empty when the file is not there."""
    if not DEV_SET.exists():
        return []
    from bot.evaluation import load_items

    return [item.text for item in load_items(DEV_SET)]


# -- message variants --------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-zÀ-ÿ]{5,}")
_OPENERS = ("hoi, ", "hallo ", "hi, ", "hey ", "sorry maar ", "vraagje: ", "um ", "")
_CLOSERS = (" wat moet ik doen?", " what should I do", " help", " pls", "??", " :(", "", "")


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # swap two letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == 1:  # drop one
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]  # double one


TYPO_RATE = 0.12  # share of words of 5+ letters that get one typo: a hasty phone typist


def variant(text: str, rng: random.Random, places: list[str]) -> str:
    """A message as a user might also type it: typos, other casing, filler, a place name."""
    out = _WORD.sub(
        lambda m: _typo(m.group(), rng) if rng.random() < TYPO_RATE else m.group(), text
    )
    roll = rng.random()
    if roll < 0.3:
        out = out.lower()
    elif roll < 0.35:
        out = out.upper()
    out = rng.choice(_OPENERS) + out + rng.choice(_CLOSERS)
    if places and rng.random() < 0.4:
        out += f" in {rng.choice(places)}"
    return out


def message_set(kb: KnowledgeBase, seed: int, n_variants: int = 350) -> list[str]:
    """Dev-set texts plus variants of them and of the topics' own examples.

    Messages of ordinary length; the very long ones are timed on their own
    (:func:`long_messages`), since Telegram allows 4096 characters.
    """
    rng = random.Random(seed)
    base = dev_texts()
    examples = [e for t in kb.topics.values() for lang in LANGS for e in t.examples.get(lang, ())]
    sources = base + examples
    places = _places(kb)
    msgs = list(base)
    msgs += [variant(rng.choice(sources), rng, places) for _ in range(n_variants)]
    msgs += ["", "ok", "???", "😢", "hoi"]
    rng.shuffle(msgs)
    return msgs


def long_messages() -> dict[str, str]:
    """Worst cases for the analyser: a long story, and one 4000-letter 'word'."""
    story = ("ik weet niet wat ik moet doen, het gebeurde op een feest en ik durf het "
             "niemand te vertellen want hij is een vriend van mijn broer. ")
    return {
        "4000-char story": (story * 40)[:4000],
        "4000-char single token": "abcdefghij" * 400,
    }


def _places(kb: KnowledgeBase) -> list[str]:
    others = sorted({s.scope.replace("-", " ").title() for s in kb.services.values()
                     if s.scope not in ("national", "leiden")})
    return ["Leiden", *others]


# -- knowledge bases scaled up -------------------------------------------------------------------

# Dutch municipalities, as if every one of them ran the bot with its own services and topics
# in one knowledge base (the Veilige Steden programme works with municipalities like these).
_TOWN_LIST = """
Amsterdam Rotterdam Den-Haag Utrecht Eindhoven Groningen Tilburg Almere Breda Nijmegen
Apeldoorn Haarlem Arnhem Enschede Amersfoort Zaanstad Haarlemmermeer Den-Bosch Zwolle Zoetermeer
Maastricht Dordrecht Ede Alphen-aan-den-Rijn Westland Alkmaar Emmen Delft Venlo Deventer
Sittard-Geleen Helmond Oss Amstelveen Hilversum Heerlen Hoorn Nissewaard Lelystad Leeuwarden
Purmerend Gouda Katwijk Leidschendam-Voorburg Schiedam Roosendaal Vlaardingen Almelo Hengelo
Zeist Bergen-op-Zoom Capelle-aan-den-IJssel Hoogeveen Veenendaal Assen Lansingerland Nieuwegein
Velsen Pijnacker-Nootdorp Den-Helder Barneveld Oosterhout Doetinchem Rijswijk Terneuzen Kampen
Dijk-en-Waard Smallingerland Woerden Houten Roermond Harderwijk Weert Vlissingen Middelburg Goes
Tiel Zutphen Wageningen Oegstgeest Leiderdorp Zoeterwoude Teylingen Noordwijk Hillegom Lisse
Kaag-en-Braassem Voorschoten Wassenaar Waddinxveen Bodegraven-Reeuwijk Culemborg Soest Baarn
Gooise-Meren Huizen Heemskerk Beverwijk Castricum Heerenveen Meppel Steenwijkerland"""
TOWNS: list[str] = _TOWN_LIST.split()

# Local words a municipality's topics would mention: a station, a square, a student town...
_LOCAL = ("station", "centrum", "markt", "binnenstad", "stadhuis", "wijkteam", "jongerenwerk",
          "uitgaansgebied", "hogeschool", "sportpark", "buurthuis", "huisarts")


def _slug(town: str) -> str:
    return town.lower()


def scaled_knowledge(kb: KnowledgeBase, factor: int, seed: int = 7) -> KnowledgeBase:
    """The real knowledge base plus ``factor - 1`` generated municipalities.

    Each copy renames the local (Leiden) services and every topic to municipality ids, and
    perturbs keywords and examples with that town's own words, so the matcher cannot share
    work between copies. National services stay shared, as they would be.
    """
    if factor < 1 or factor - 1 > len(TOWNS):
        raise ValueError(f"factor must be 1..{len(TOWNS) + 1}")
    rng = random.Random(seed)
    services: dict[str, Service] = dict(kb.services)
    topics: dict[str, Topic] = dict(kb.topics)
    local = {sid for sid, s in kb.services.items() if s.scope == kb_municipality(kb)}
    for town in TOWNS[: factor - 1]:
        slug = _slug(town)
        name = town.replace("-", " ")
        for sid in local:
            s = kb.services[sid]
            services[f"{sid}-{slug}"] = replace(
                s, id=f"{sid}-{slug}", scope=slug,
                name=Text(_swap(s.name.nl, name), _swap(s.name.en, name)),
            )
        for tid, t in kb.topics.items():
            words = [f"{w} {name.lower()}" for w in rng.sample(_LOCAL, 3)]
            topics[f"{tid}-{slug}"] = replace(
                t,
                id=f"{tid}-{slug}",
                services=tuple(f"{s}-{slug}" if s in local else s for s in t.services),
                related=tuple(f"{r}-{slug}" for r in t.related),
                keywords={lang: _perturb(t.keywords.get(lang, ()), words, rng)
                          for lang in LANGS},
                examples={lang: tuple(_local_example(e, name, rng)
                                      for e in t.examples.get(lang, ()))
                          for lang in LANGS},
            )
    return KnowledgeBase(services=services, topics=topics, concepts=kb.concepts,
                         crisis=kb.crisis, campaigns=kb.campaigns,
                         out_of_domain=kb.out_of_domain, matching=kb.matching)


def kb_municipality(kb: KnowledgeBase) -> str:
    scopes = {s.scope for s in kb.services.values() if s.scope != "national"}
    return "leiden" if "leiden" in scopes or not scopes else sorted(scopes)[0]


def _swap(text: str, town: str) -> str:
    return re.sub(r"Leid(en|se)", town, text)


def _perturb(keywords: tuple[str, ...], local: list[str], rng: random.Random) -> tuple[str, ...]:
    """Drop about one keyword in eight, add the town's own phrases."""
    kept = [k for k in keywords if rng.random() > 0.125]
    return tuple(kept + local)


def _local_example(example: str, town: str, rng: random.Random) -> str:
    swapped = re.sub(r"(?i)\bleid(en|se)\b|\bbreestraat\b|\bhaarlemmerstraat\b", town, example)
    if swapped == example and rng.random() < 0.5:
        swapped = f"{example} in {town.lower()} bij het {rng.choice(_LOCAL)}"
    return swapped
