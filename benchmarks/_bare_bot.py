"""The floor for the pipeline benchmark: a bare python-telegram-bot app, one fixed line per text.

Run by bench_pipeline.py with TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL pointing at the Bot API
stand-in on 127.0.0.1, and long polling like the real bot.
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

LINE = "Dank je voor je bericht. Thank you for your message."


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    if chat is not None:
        await context.bot.send_message(chat.id, LINE)


def main() -> None:
    app: Application = (  # type: ignore[type-arg]
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, answer))
    app.run_polling(timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
