"""Buttons and message sizes for Telegram: pure functions, no network.

Callback data is short and typed by its first letter, always within Telegram's 64 bytes::

    m            the menu                 s:<situation>   a situation of the menu
    t:<topic>    a topic                  l:<nl|en>       switch language
    f:y:<topic>  "this helped"            f:n:<topic>     "this did not help"
    x            quick exit (/wis)

Anything else (old buttons, forged data) is read as the menu.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.telegram_texts import text
from bot.core.model import KnowledgeBase, Lang
from bot.core.replies import Reply

MAX_MESSAGE = 4096
MAX_CALLBACK_BYTES = 64

# The situations of the menu and the topics each leads to, in order of urgency.
SITUATIONS: dict[str, tuple[str, ...]] = {
    "me": ("acute-assault", "past-assault", "street-harassment", "online-abuse",
           "domestic-abuse", "talk-to-someone"),
    "saw": ("bystander",),
    "told": ("support-someone",),
    "pro": ("professional",),
    "sos": ("emergency",),
}


@dataclass(frozen=True)
class Action:
    """A decoded button press."""

    kind: str  # menu | situation | topic | language | helped | clear
    value: str = ""
    helped: bool = False


def callback(*parts: str) -> str | None:
    """Callback data for the parts, or None when it would not fit in 64 bytes."""
    data = ":".join(parts)
    return data if len(data.encode()) <= MAX_CALLBACK_BYTES else None


def parse_callback(data: str | None, kb: KnowledgeBase) -> Action:
    """What a button press means; unknown or forged data means the menu."""
    parts = (data or "").split(":")
    kind = parts[0]
    if kind == "x" and len(parts) == 1:
        return Action("clear")
    if kind == "s" and len(parts) == 2 and parts[1] in SITUATIONS:
        return Action("situation", parts[1])
    if kind == "t" and len(parts) == 2 and parts[1] in kb.topics:
        return Action("topic", parts[1])
    if kind == "l" and len(parts) == 2 and parts[1] in ("nl", "en"):
        return Action("language", parts[1])
    if kind == "f" and len(parts) == 3 and parts[1] in ("y", "n") and parts[2] in kb.topics:
        return Action("helped", parts[2], helped=parts[1] == "y")
    return Action("menu")


def _button(label: str, *parts: str) -> InlineKeyboardButton | None:
    data = callback(*parts)
    return InlineKeyboardButton(label, callback_data=data) if data else None


def _rows(buttons: list[InlineKeyboardButton | None]) -> list[list[InlineKeyboardButton]]:
    return [[b] for b in buttons if b is not None]


def emergency_number(kb: KnowledgeBase) -> str:
    """The emergency number as the knowledge files give it (for the danger button)."""
    service = kb.services.get("112")
    contacts = service.contacts if service else ()
    return next((c.value for c in contacts if c.kind == "phone"), "112")


def menu_keyboard(kb: KnowledgeBase, lang: Lang) -> InlineKeyboardMarkup:
    """The situations, then language and quick exit."""
    number = emergency_number(kb)
    rows = _rows([
        _button(text(f"situation.{key}", lang, emergency=number), "s", key) for key in SITUATIONS
    ])
    other: Lang = "en" if lang == "nl" else "nl"
    last = [b for b in (_button(text("language_button", lang), "l", other),
                        _button(text("clear_button", lang), "x")) if b is not None]
    return InlineKeyboardMarkup([*rows, last])


def topics_keyboard(kb: KnowledgeBase, topic_ids: list[str], lang: Lang) -> InlineKeyboardMarkup:
    """One button per topic, then back to the menu."""
    buttons = [_button(kb.topics[t].title.get(lang), "t", t) for t in topic_ids]
    buttons.append(_button(text("menu_button", lang), "m"))
    return InlineKeyboardMarkup(_rows(buttons))


def reply_keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Buttons for a reply: services as links, topics, "did this help?", back to the menu."""
    lang = reply.language
    rows: list[list[InlineKeyboardButton]] = []
    has_menu = False
    for choice in reply.choices:
        if choice.kind == "url" and choice.value.startswith(("https://", "http://")):
            rows.append([InlineKeyboardButton(choice.label, url=choice.value)])
        elif choice.kind == "topic":
            rows.extend(_rows([_button(choice.label, "t", choice.value)]))
        elif choice.kind == "language" and choice.value in ("nl", "en"):
            rows.extend(_rows([_button(choice.label, "l", choice.value)]))
        elif choice.kind == "menu":
            has_menu = True
    if reply.shown_topic and not reply.clarify:
        feedback = [b for b in (
            _button(text("helped_yes", lang), "f", "y", reply.shown_topic),
            _button(text("helped_no", lang), "f", "n", reply.shown_topic),
        ) if b is not None]
        if feedback:
            rows.append(feedback)
    if has_menu:
        rows.extend(_rows([_button(text("menu_button", lang), "m")]))
    return InlineKeyboardMarkup(rows) if rows else None


def without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard without the "did this help?" row (after it was answered)."""
    if markup is None:
        return None
    rows = [
        list(row) for row in markup.inline_keyboard
        if not any((b.callback_data or "").startswith("f:") for b in row if
                   isinstance(b.callback_data, str | None))
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _units(s: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(s.encode("utf-16-le")) // 2


def split_text(message: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut a long text into parts Telegram accepts, at paragraph, line or word ends."""
    parts: list[str] = []
    rest = message.strip()
    while _units(rest) > limit:
        # The longest prefix within the limit (code units can exceed characters: emoji).
        cut = min(len(rest), limit)
        while _units(rest[:cut]) > limit:
            cut -= 1
        window = rest[:cut]
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at > limit // 4:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts or [""]
