"""Hulpwijzer on Telegram: every handler, wired in one place by :func:`build_application`.

Safe by design: no handler logs or stores what people write, who they are or when; the
engine is asked for each update (so a reload can swap it); every message gets an answer, a
crisis reply before any other (see :mod:`bot.channels.telegram_inbox`); a reply that cannot be
delivered after minutes of retries goes out first with the person's next message; /wis deletes
the conversation and leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import traceback
from collections.abc import Callable
from typing import Any

from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.telegram_state import ChatMemory, OncePer, Undelivered
from bot.channels.telegram_texts import text
from bot.channels.telegram_ui import (
    SITUATIONS,
    menu_keyboard,
    parse_callback,
    reply_keyboard,
    split_text,
    topics_keyboard,
    without_feedback,
)
from bot.clock import Clock
from bot.config import Settings
from bot.core.deeplinks import parse_payload
from bot.core.engine import Engine
from bot.core.model import Lang
from bot.core.replies import Reply, crisis_header, numbered
from bot.events import Event, EventKind, EventSink, reply_kind, reply_topic

log = logging.getLogger(__name__)
CHANNEL = "telegram"
# Telegram outages (429, 5xx, refused or reset connections) are waited out for this long, in
# growing steps with jitter, before a reply is kept for the person's next message.
RETRY_BUDGET = 300.0
RETRY_FIRST = 0.5  # seconds before the first retry
RETRY_LONGEST = 30.0  # seconds between retries at most
RETRY_AFTER_RETRIES = 60  # times Telegram's own "retry after N s" is honoured in a row
# A send that takes this long is given up and retried; Telegram answers within a second
# normally, so a slow but successful send is not sent twice.
READ_TIMEOUT = 30.0
URGENT = {"urgent": True}  # rate_limit_args of a crisis reply: no queue, no waiting
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
COMMANDS: dict[Lang, list[BotCommand]] = {
    "nl": [BotCommand("start", "menu"), BotCommand("help", "zo werkt het"),
           BotCommand("privacy", "wat ik bewaar"), BotCommand("taal", "Nederlands / English"),
           BotCommand("wis", "dit gesprek wissen")],
    "en": [BotCommand("start", "menu"), BotCommand("help", "how it works"),
           BotCommand("privacy", "what I keep"), BotCommand("taal", "Dutch / English"),
           BotCommand("wis", "erase this chat")],
}


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's rate limits (and its "retry after"), plus retries for 5xx and network errors
    for up to ``budget`` seconds, with exponential backoff and jitter. A request marked
    :data:`URGENT` skips the rate limiter's queue: a crisis reply waits behind nothing."""

    def __init__(self, max_retries: int = RETRY_AFTER_RETRIES, budget: float = RETRY_BUDGET,
                 first: float = RETRY_FIRST, longest: float = RETRY_LONGEST) -> None:
        super().__init__(max_retries=max_retries)
        self.budget = budget
        self.first = first
        self.longest = longest

    async def process_request(self, callback, args, kwargs, endpoint, data,  # type: ignore[no-untyped-def]
                              rate_limit_args):
        async def with_retries(*a: object, **k: object) -> ApiResult:
            deadline = time.monotonic() + self.budget
            attempt = 0
            while True:
                try:
                    result: ApiResult = await callback(*a, **k)
                    return result
                except BadRequest:  # our mistake or a gone message: retrying cannot help
                    raise
                except NetworkError as err:  # also 5xx, resets and TimedOut
                    wait = random.uniform(0.5, 1.0) * min(self.longest,
                                                          self.first * 2 ** attempt)
                    if time.monotonic() + wait > deadline:
                        raise
                    attempt += 1
                    log.warning("Bot API call %s failed (%s); retry %d in %.1f s", endpoint,
                                type(err).__name__, attempt, wait)
                    await asyncio.sleep(wait)

        if rate_limit_args == URGENT:
            for _ in range(self._max_retries + 1):  # Telegram's own limits still count
                try:
                    return await with_retries(*args, **kwargs)
                except RetryAfter as err:
                    await asyncio.sleep(_seconds(err.retry_after) + 0.1)
            return await with_retries(*args, **kwargs)
        return await super().process_request(with_retries, args, kwargs, endpoint, data,
                                             None)


def _seconds(value: object) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)  # type: ignore[arg-type]


def _language_code(update: Update) -> Lang:
    """Dutch for Dutch apps (and when unknown); English for every other language."""
    user = update.effective_user
    code = (user.language_code or "nl") if user else "nl"
    return "nl" if code.lower().startswith("nl") else "en"


class TelegramChannel:
    """The handlers, with the in-memory state they share."""

    def __init__(self, engine_source: Callable[[], Engine], sink: EventSink, clock: Clock,
                 memory: ChatMemory | None = None, retention_months: int = 24) -> None:
        self.engine_source = engine_source
        self.retention_months = retention_months
        self.sink = sink
        self.clock = clock
        self.memory = memory or ChatMemory()
        self.invites = OncePer(3600.0)

    # -- helpers ---------------------------------------------------------------------------

    def urgent(self, update: Update) -> bool:
        """Is this a private text message that gets a crisis reply? (It then goes first.)"""
        message = update.effective_message
        if (message is None or not message.text or message.text.startswith("/")
                or message.chat.type != "private"):
            return False
        state = self.memory.peek(message.chat_id)
        return self.engine_source().urgent(message.text, state.language if state else None)

    async def unreadable(self) -> None:
        """Count an update that could not be read: only that it happened."""
        try:
            await self.sink.record(Event("unreadable_update", CHANNEL, ""))
        except Exception:
            log.warning("could not record an event")

    def language(self, update: Update) -> Lang:
        chat = update.effective_chat
        state = self.memory.peek(chat.id) if chat else None
        return state.language if state and state.language else _language_code(update)

    async def record(self, kind: EventKind, lang: Lang, chat_id: int,
                     topic: str | None = None) -> None:
        state = self.memory.peek(chat_id)
        event = Event(kind, CHANNEL, lang, topic, state.source if state else None)
        try:
            await self.sink.record(event)
        except Exception:  # counting is best effort; the answer matters more
            log.warning("could not record an event")

    async def send(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, body: str,
                   markup: InlineKeyboardMarkup | None = None, urgent: bool = False) -> None:
        """Send a text, split if long (buttons under the last part); remember the ids.

        A reply still owed to this chat (Telegram was unreachable for minutes) goes first.
        If this one cannot be delivered either, it is owed in turn, in memory only.
        """
        state = self.memory.get(chat_id)
        owed, state.undelivered = state.undelivered, None
        sends = ([owed] if owed else []) + [Undelivered(body, markup, urgent)]
        for item in sends:
            try:
                await self._deliver(context, chat_id, item)
            except BadRequest:  # refused, not lost: sending it again would fail again
                raise
            except TelegramError:  # the newest reply is owed for next time
                self.memory.get(chat_id).undelivered = sends[-1]
                raise

    async def _deliver(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                       item: Undelivered) -> None:
        parts = split_text(item.body)
        for i, part in enumerate(parts):
            message = await context.bot.send_message(
                chat_id, part, reply_markup=item.markup if i == len(parts) - 1 else None,
                link_preview_options=NO_PREVIEW,
                # PTB types this as the rate limiter's own argument; ours takes URGENT.
                rate_limit_args=URGENT if item.urgent else None,  # type: ignore[arg-type]
            )
            self.memory.remember_message(chat_id, message.message_id)

    async def send_reply(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                         reply: Reply) -> None:
        state = self.memory.get(chat_id)
        state.language = reply.language
        state.clarify = numbered(reply)  # what a typed number picks next
        state.topic = reply.shown_topic or state.topic
        await self.send(context, chat_id, reply.text, reply_keyboard(reply), reply.crisis)
        await self.record(reply_kind(reply), reply.language, chat_id, reply_topic(reply))

    def topic_reply(self, engine: Engine, topic_id: str, lang: Lang) -> Reply:
        """A topic's answer; the core puts 112/113 on top of crisis topics."""
        return engine.topic_reply(topic_id, lang, self.clock())

    async def show_menu(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int, lang: Lang,
                        intro: str | None = None) -> None:
        engine = self.engine_source()
        body = text("menu_question", lang)
        if intro:
            body = f"{intro}\n\n{body}"
        state = self.memory.get(chat_id)
        state.language, state.clarify = lang, ()
        await self.send(context, chat_id, body, menu_keyboard(engine.kb, lang))
        await self.record("menu", lang, chat_id)

    # -- commands --------------------------------------------------------------------------

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Welcome, or open the topic or note the campaign of a deep link."""
        chat = update.effective_chat
        assert chat is not None
        engine = self.engine_source()
        lang = self.language(update)
        link = parse_payload(context.args[0] if context.args else "",
                             frozenset(engine.kb.topics), engine.kb.campaigns)
        if link.campaign is not None:
            self.memory.get(chat.id).source = link.campaign  # the code only, kept in memory
        if link.topic is not None:
            await self.send_reply(context, chat.id, self.topic_reply(engine, link.topic, lang))
            return
        await self.show_menu(context, chat.id, lang, text("welcome", lang))

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Explain how the bot works, with the emergency line from the knowledge files."""
        chat = update.effective_chat
        assert chat is not None
        lang = self.language(update)
        kb = self.engine_source().kb
        body = f"{text('help', lang)}\n\n{crisis_header(kb, lang, True, False)}"
        await self.send(context, chat.id, body, menu_keyboard(kb, lang))

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say exactly what is and is not kept."""
        chat = update.effective_chat
        assert chat is not None
        body = text("privacy", self.language(update), months=str(self.retention_months))
        await self.send(context, chat.id, body)

    async def switch_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Switch to the language asked for (/taal en), or to the other one."""
        chat = update.effective_chat
        assert chat is not None
        wanted = (context.args[0].lower() if context.args else "")
        current = self.language(update)
        lang: Lang = "nl" if wanted == "nl" else "en" if wanted == "en" else (
            "en" if current == "nl" else "nl")
        await self.show_menu(context, chat.id, lang, text("language_set", lang))

    async def quick_exit(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Delete every message of this chat the bot can, forget the chat, send nothing."""
        chat = update.effective_chat
        assert chat is not None
        lang = self.language(update)
        await self.record("quick_exit", lang, chat.id)
        ids = self.memory.deletable(chat.id)
        message = update.effective_message
        if message is not None and message.message_id not in ids:
            ids.append(message.message_id)
        self.memory.forget(chat.id)
        await self.delete(context, chat.id, ids)

    async def delete(self, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                     ids: list[int]) -> None:
        for start in range(0, len(ids), 100):  # deleteMessages takes at most 100 ids
            chunk = ids[start:start + 100]
            try:
                await context.bot.delete_messages(chat_id, chunk)
            except TelegramError:
                for message_id in chunk:  # one by one, skipping those that cannot go
                    with contextlib.suppress(TelegramError):
                        await context.bot.delete_message(chat_id, message_id)

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Show the menu for a command the bot does not know."""
        chat = update.effective_chat
        assert chat is not None
        await self.show_menu(context, chat.id, self.language(update))

    # -- messages --------------------------------------------------------------------------

    async def track(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Remember the id (only the id) of each incoming private message, for /wis."""
        message = update.message  # an edited message keeps its id: nothing new to remember
        if message is not None:
            self.memory.remember_message(message.chat_id, message.message_id)

    async def free_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer a message (or an edited one) through the core: crisis first, then the best
        topic. Every message is answered, however many come at once."""
        message = update.effective_message
        assert message is not None and message.text is not None
        chat_id = message.chat_id
        engine = self.engine_source()
        state = self.memory.get(chat_id)
        hint = state.language or (_language_code(update) if state.clarify else None)
        # A typed "1" or "2" after a question back picks one: the core decides that too.
        reply = engine.answer(message.text, self.clock(), hint, offered=state.clarify,
                              last_topic=state.topic)
        await self.send_reply(context, chat_id, reply)

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Say kindly that only text is read; the content is not looked at or kept."""
        message = update.effective_message
        assert message is not None
        await self.send(context, message.chat_id, text("non_text", self.language(update)))

    async def group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group: no help content; at most one short invitation per hour."""
        message = update.effective_message
        assert message is not None
        words = (message.text or "").split()
        if words and words[0].split("@")[0] in ("/wis", "/clear"):
            await self.quick_exit(update, context)
            return
        if not self.invites.allow(message.chat_id):
            return
        lang = _language_code(update)
        markup = None
        if context.bot.username:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                text("group_button", lang), url=f"https://t.me/{context.bot.username}")]])
        await self.send(context, message.chat_id, text("group_invite", lang), markup)

    # -- buttons ---------------------------------------------------------------------------

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Handle a button press; unknown or forged data shows the menu."""
        query = update.callback_query
        assert query is not None
        message = query.message
        if not isinstance(message, Message) or message.chat.type != "private":
            await query.answer()
            return
        chat_id = message.chat.id
        engine = self.engine_source()
        action = parse_callback(query.data, engine.kb)
        lang = self.language(update)
        if action.kind == "helped":
            await query.answer(text("thanks_feedback", lang) if action.helped else None)
            await self.record("helpful_yes" if action.helped else "helpful_no", lang, chat_id,
                              action.value)
            # The message may be gone or too old to edit: then there is nothing to remove.
            with contextlib.suppress(BadRequest):
                await query.edit_message_reply_markup(without_feedback(message.reply_markup))
            if not action.helped:
                reply = engine.menu_reply(lang, self.clock(), text("sorry_not_helped", lang))
                await self.send(context, chat_id, reply.text, reply_keyboard(reply))
            return
        await query.answer()
        if action.kind == "clear":
            await self.quick_exit(update, context)
        elif action.kind == "topic":
            await self.send_reply(context, chat_id, self.topic_reply(engine, action.value, lang))
        elif action.kind == "situation":
            await self.situation(context, engine, chat_id, action.value, lang)
        elif action.kind == "language":
            new: Lang = "en" if action.value == "en" else "nl"
            await self.show_menu(context, chat_id, new, text("language_set", new))
        else:
            await self.show_menu(context, chat_id, lang)

    async def situation(self, context: ContextTypes.DEFAULT_TYPE, engine: Engine,
                        chat_id: int, key: str, lang: Lang) -> None:
        topics = [t for t in SITUATIONS[key] if t in engine.kb.topics]
        if len(topics) == 1:
            await self.send_reply(context, chat_id, self.topic_reply(engine, topics[0], lang))
        elif topics:
            await self.send(context, chat_id, text("choose_topic", lang),
                            topics_keyboard(engine.kb, topics, lang))
        else:  # the knowledge base lacks these topics: the menu is still a way on
            await self.show_menu(context, chat_id, lang)

    # -- errors ----------------------------------------------------------------------------

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the kind of error and where, never the update or the error's text."""
        err = context.error
        if err is None:
            return
        where = "".join(traceback.format_tb(err.__traceback__)[-3:])
        log.error("error while handling an update: %s\n%s", type(err).__name__, where.rstrip())


async def _set_commands(application: Application) -> None:  # type: ignore[type-arg]
    """Offer the commands in Telegram's menu, in Dutch and English."""
    try:
        await application.bot.set_my_commands(COMMANDS["nl"])
        await application.bot.set_my_commands(COMMANDS["en"], language_code="en")
    except TelegramError as err:  # a missing command list is no reason not to help
        log.warning("could not set the command list: %s", type(err).__name__)


def file_url(api_url: str) -> str:
    """The file URL next to a Bot API URL: .../bot -> .../file/bot."""
    head, sep, _ = api_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot" if sep else api_url


def build_application(settings: Settings, engine_source: Callable[[], Engine],
                      sink: EventSink, clock: Clock,
                      channel: TelegramChannel | None = None,
                      limiter: RetryingRateLimiter | None = None) -> Application:  # type: ignore[type-arg]
    """The whole Telegram bot: requests, rate limits, handlers and the error handler.

    ``channel`` lets a caller keep hold of the handlers' state (tests look at it); it must be
    built from the same engine source, sink and clock. ``limiter``: the rate limiter with its
    retry timing (tests shorten the waits).
    """
    token = settings.require_token()
    bot = channel or TelegramChannel(engine_source, sink, clock,
                                     retention_months=settings.stats_retention_months)
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(file_url(settings.telegram_api_url))
        .request(HTTPXRequest(connection_pool_size=64, connect_timeout=5.0,
                              read_timeout=READ_TIMEOUT, write_timeout=10.0, pool_timeout=5.0))
        .rate_limiter(limiter or RetryingRateLimiter())
        .updater(None)  # updates come in through bot.channels.telegram_inbox
        .post_init(_set_commands)
        .build()
    )
    # An edited message is answered like a new one.
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGES
    groups = filters.ChatType.GROUPS & filters.UpdateType.MESSAGES
    application.add_handler(MessageHandler(private, bot.track), group=-1)
    application.add_handlers([
        MessageHandler(groups, bot.group_message),
        CommandHandler("start", bot.start, filters=private),
        CommandHandler("help", bot.help, filters=private),
        CommandHandler("privacy", bot.privacy, filters=private),
        CommandHandler("taal", bot.switch_language, filters=private),
        CommandHandler(["wis", "clear"], bot.quick_exit, filters=private),
        MessageHandler(private & filters.COMMAND, bot.unknown_command),
        MessageHandler(private & filters.TEXT, bot.free_text),
        MessageHandler(private & ~filters.TEXT & ~filters.StatusUpdate.ALL, bot.non_text),
        CallbackQueryHandler(bot.button),
    ])
    application.add_error_handler(bot.error)
    return application
