"""The fixed sentences of the Telegram channel, in Dutch and English.

No facts about services live here: numbers come from the knowledge files (``{emergency}``
is filled in from the 112 service). The answers themselves come from the core.
"""

from __future__ import annotations

from bot.core.model import Lang

TEXTS: dict[str, dict[Lang, str]] = {
    "welcome": {
        "nl": "Hoi, fijn dat je er bent. Ik ben Hulpwijzer, een chatbot van de gemeente "
        "Leiden. Ik help je de juiste hulp te vinden bij seksuele intimidatie en seksueel "
        "geweld. Je hoeft je naam niet te noemen.\n\n"
        "Wissen? Typ /wis: dan haal ik dit gesprek weg.",
        "en": "Hi, good that you are here. I am Hulpwijzer, a chatbot of the municipality "
        "of Leiden. I help you find the right help with sexual harassment and sexual "
        "violence. You do not need to give your name.\n\n"
        "Want to erase this? Type /wis and I will remove this conversation.",
    },
    "menu_question": {
        "nl": "Wat past het best bij jou? Kies hieronder, of vertel in je eigen woorden "
        "wat er is.",
        "en": "What fits you best? Choose below, or tell me in your own words what is "
        "going on.",
    },
    "situation.me": {"nl": "Er is mij iets overkomen", "en": "Something happened to me"},
    "situation.saw": {"nl": "Ik zag iets gebeuren", "en": "I saw something happen"},
    "situation.told": {
        "nl": "Iemand vertelde mij iets",
        "en": "Someone told me something",
    },
    "situation.pro": {
        "nl": "Ik werk met mensen (professional)",
        "en": "I work with people (professional)",
    },
    "situation.sos": {"nl": "🚨 Nu in gevaar ({emergency})", "en": "🚨 Danger now ({emergency})"},
    "choose_topic": {"nl": "Wat past het best?", "en": "What fits best?"},
    "language_button": {"nl": "🌐 English", "en": "🌐 Nederlands"},
    "language_set": {
        "nl": "Ik praat nu Nederlands met je.",
        "en": "I will talk English with you now.",
    },
    "clear_button": {"nl": "🧹 Wis dit gesprek", "en": "🧹 Erase this chat"},
    "menu_button": {"nl": "⬅️ Menu", "en": "⬅️ Menu"},
    "helped_yes": {"nl": "👍 Dit helpt", "en": "👍 This helps"},
    "helped_no": {"nl": "👎 Helpt niet", "en": "👎 Not helpful"},
    "thanks_feedback": {"nl": "Dank je, fijn om te horen.", "en": "Thank you, good to hear."},
    "sorry_not_helped": {
        "nl": "Jammer dat dit niet hielp. Probeer het in andere woorden, of kies hieronder. "
        "Je kunt ook met een mens praten.",
        "en": "Sorry this did not help. Try other words, or choose below. You can also "
        "talk to a person.",
    },
    "help": {
        "nl": "Zo werkt het:\n"
        "• Vertel in je eigen woorden wat er is gebeurd of wat je wilt weten.\n"
        "• /start toont het menu.\n"
        "• /taal wisselt tussen Nederlands en Engels.\n"
        "• /privacy vertelt wat ik wel en niet bewaar.\n"
        "• /wis haalt dit gesprek weg.\n\n"
        "Ik ben een computer, geen mens. Ik wijs je de weg naar mensen die je kunnen helpen.",
        "en": "How it works:\n"
        "• Tell me in your own words what happened or what you want to know.\n"
        "• /start shows the menu.\n"
        "• /taal switches between Dutch and English.\n"
        "• /privacy tells you what I do and do not keep.\n"
        "• /wis removes this conversation.\n\n"
        "I am a computer, not a person. I show you the way to people who can help you.",
    },
    "privacy": {
        "nl": "Wat ik bewaar:\n"
        "• Niets van wat je schrijft. Niet je naam, gebruikersnaam of nummer.\n"
        "• Alleen anonieme tellingen per week: welk onderwerp, welke taal, wat er gebeurde "
        "(antwoord, niet begrepen, vraag om uitleg, crisisregel, hielp wel of niet, /wis, "
        "menu) en of je via een poster of flyer kwam. Zonder wie, zonder dag of tijdstip. "
        "In overzichten telt een groep pas mee vanaf 5. "
        "Na {months} maanden worden ook die tellingen gewist.\n\n"
        "Zolang het nodig is, onthoud ik in het werkgeheugen (nooit op schijf): je taalkeuze "
        "en de nummers van de berichten in dit gesprek, zodat /wis ze kan weghalen. Na 48 "
        "uur, na /wis of bij een herstart is dat weg.\n\n"
        "Let op: Telegram zelf bewaart gesprekken op zijn servers en op je telefoon. Typ "
        "daarom /wis: dan haal ik mijn berichten en die van jou weg (tot 48 uur oud). "
        "Oudere berichten verwijder je zelf met 'Chat verwijderen' in Telegram.",
        "en": "What I keep:\n"
        "• Nothing of what you write. Not your name, username or number.\n"
        "• Only anonymous counts per week: which topic, which language, what happened "
        "(answer, not understood, a question back, crisis lines, helped or not, /wis, menu) "
        "and whether you came via a poster or flyer. Without who, without the day or time. "
        "Reports count a group only from 5 on. "
        "After {months} months those counts are deleted too.\n\n"
        "For as long as needed, I remember in working memory (never on disk): your language "
        "and the numbers of the messages in this chat, so /wis can remove them. After 48 "
        "hours, after /wis or on a restart that is gone.\n\n"
        "Note: Telegram itself keeps chats on its servers and on your phone. So type /wis: "
        "I will remove my messages and yours (up to 48 hours old). Remove older messages "
        "yourself with 'Delete chat' in Telegram.",
    },
    "non_text": {
        "nl": "Ik kan alleen tekst lezen. Wat je stuurde heb ik niet bekeken en niet bewaard. "
        "Typ in je eigen woorden wat er is, of kies /start voor het menu.",
        "en": "I can only read text. I did not look at or keep what you sent. Type in your "
        "own words what is going on, or choose /start for the menu.",
    },
    "group_invite": {
        "nl": "Ik help alleen in een privégesprek. Stuur me daar een bericht.",
        "en": "I only help in a private chat. Send me a message there.",
    },
    "group_button": {"nl": "Privégesprek openen", "en": "Open a private chat"},
}


def text(key: str, lang: Lang, **values: str) -> str:
    return TEXTS[key][lang].format(**values)
