"""Text normalisation: cleaning odd characters, folding, tokens, slang, stems.

Messages arrive with emoji, zero-width and right-to-left marks, capitals, accents, typos and
chat abbreviations; everything downstream sees the same plain lower-case tokens.
"""

from __future__ import annotations

import re
import unicodedata

import snowballstemmer

MAX_MATCH_CHARS = 4000  # a long story is read this far; the need is usually in the first part

_TOKEN = re.compile(r"[a-z]+|[0-9]+")
_SPACE = re.compile(r"\s+")
_STEM_NL = snowballstemmer.stemmer("dutch")
_STEM_EN = snowballstemmer.stemmer("english")

# Chat spelling and abbreviations -> the words the knowledge base uses.
SLANG: dict[str, tuple[str, ...]] = {
    "mn": ("mijn",), "mijne": ("mijn",), "zn": ("zijn",),
    "ff": ("even",), "nie": ("niet",), "ni": ("niet",), "nt": ("niet",), "wa": ("wat",),
    "da": ("dat",), "k": ("ik",), "j": ("je",), "jij": ("je",), "ma": ("maar",),
    "idd": ("inderdaad",), "wrm": ("waarom",), "gwn": ("gewoon",),
    "vriendje": ("vriend",), "vriendinnetje": ("vriendin",), "bijv": ("bijvoorbeeld",),
    "idk": ("i", "do", "not", "know"), "dunno": ("do", "not", "know"),
    "bf": ("boyfriend",), "gf": ("girlfriend",), "bff": ("best", "friend"),
    "uni": ("university",), "ur": ("your",), "r": ("are",), "ya": ("you",),
    "pls": ("please",), "plz": ("please",), "rn": ("right", "now"), "asap": ("now",),
    "im": ("i", "am"), "ive": ("i", "have"), "youre": ("you", "are"), "hes": ("he", "is"),
    "dont": ("do", "not"), "doesnt": ("does", "not"), "didnt": ("did", "not"),
    "cant": ("can", "not"), "wont": ("will", "not"), "isnt": ("is", "not"),
    "wasnt": ("was", "not"), "aint": ("is", "not"), "shouldnt": ("should", "not"),
    "wanna": ("want", "to"), "gonna": ("going", "to"), "gotta": ("have", "to"),
    "pics": ("pictures",), "pic": ("picture",), "nudez": ("nudes",), "dm": ("message",),
    "dms": ("messages",), "yo": ("years", "old"), "yrs": ("years",), "yr": ("year",),
    "mins": ("minutes",), "hrs": ("hours",), "tonite": ("tonight",), "ppl": ("people",),
    "bc": ("because",), "cuz": ("because",),
    "coz": ("because",), "tmrw": ("tomorrow",), "thx": ("thanks",),
    "ty": ("thanks",), "tnx": ("thanks",), "bedankt": ("dank",), "merci": ("dank",),
}

# Function words: they tell the language, not the topic.
STOPWORDS_NL = frozenset(
    """de het een en van ik je jij jou jouw u uw mijn me mij wij we ons onze zij ze hij hem haar
    zijn was waren ben bent is heb hebt heeft hebben had die dat dit deze wat wie waar hoe
    waarom wanneer niet geen wel ook nog al maar of om op in aan bij met voor naar uit over
    door tot tegen dan als er hier daar nu zo heel erg echt even kan kun kunt kunnen moet
    moeten mag mogen wil wilt willen zou zouden word wordt worden werd ga gaat gaan doe doet
    doen dus toch iets niets iemand niemand alles veel meer weet weten zeg zegt want omdat
    terwijl sinds na mee ik's zelf elkaar jullie hun hen men eens nooit altijd steeds weer
    welke wel geen graag misschien hoor ja nee oke ok hoi hallo doei dank bedankt groetjes
    alsjeblieft alstublieft""".split()
)
STOPWORDS_EN = frozenset(
    """the a an and of i you your yours my me mine we us our they them their he him his she her
    it its is are was were be been being am have has had do does did not no yes but or if so
    to in on at by for with from about into over after before up down out off again then than
    there here now what who where how why when which this that these those can could should
    would will shall may might must just very really also still any some all someone something
    anyone anything nothing know think get got go going want to too even ever never always
    as because while since until one own same other more most much many please ok okay oh hi
    hello hey thanks thank bye""".split()
)
STOPWORDS = STOPWORDS_NL | STOPWORDS_EN

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(text: str) -> str:
    """Drop control, zero-width and direction characters; fold white space; keep the rest."""
    if text.isascii():  # the common case, without a look at every character
        return _SPACE.sub(" ", _ASCII_CONTROL.sub(" ", text)).strip()
    text = unicodedata.normalize("NFKC", text)
    if text.isprintable():  # nothing invisible in it (only tabs and newlines are not)
        return _SPACE.sub(" ", text).strip()
    text = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text
        if ch in "\t\n\r" or unicodedata.category(ch) not in _INVISIBLE_CATEGORIES
    )
    return _SPACE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lower case without accents: 'Cliënt' -> 'client'."""
    if text.isascii():
        return text.lower().replace("'", "").replace("`", "")
    decomposed = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return folded.replace("'", "").replace("\u2019", "").replace("`", "")


def tokens(text: str) -> list[str]:
    """Folded word tokens with chat spelling expanded ('mn bf' -> 'mijn boyfriend')."""
    out: list[str] = []
    for tok in _TOKEN.findall(fold(clean(text[:MAX_MATCH_CHARS]))):
        out.extend(SLANG.get(tok, (tok,)))
    return out


# Where the stemmers join words that mean different things: "hoe werkt het" is not about
# work ("werk"), and "gewond" (hurt) must not meet "won".
_OWN_STEM = frozenset({"werkt", "gewond", "zitting", "scholing"})


def stems(token: str) -> tuple[str, str]:
    """The Dutch and the English stem of a token, in that order (often the same string).

    They are compared position by position: a Dutch stem never matches an English one
    ("won" must not find "gewond"). Not cached: the C stemmers are fast, and the words
    people type are not kept after their message.
    """
    if token in _OWN_STEM:
        return (token, token)
    return (_STEM_NL.stemWord(token), _STEM_EN.stemWord(token))
