"""The grammar of Telegram deep-link payloads (``t.me/<bot>?start=<payload>``).

One place for the rule, used by the QR command that writes links and the channel that reads
them::

    payload  = topic | campaign | topic "_" campaign
    topic    = a topic id (lower case letters, digits and "-"; never "_")
    campaign = a code from campaigns.yaml

Telegram allows at most 64 characters from A-Z, a-z, 0-9, "_" and "-". Topic ids never hold
"_", so the first "_" always separates the topic from the campaign code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
PAYLOAD_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEPARATOR = "_"


class PayloadError(ValueError):
    """A payload breaks the grammar; the message says how, in one line."""


@dataclass(frozen=True)
class StartLink:
    topic: str | None = None
    campaign: str | None = None


def make_payload(topic: str | None, campaign: str | None) -> str:
    """The payload for a topic, a campaign code, or both; PayloadError when not allowed."""
    if not topic and not campaign:
        raise PayloadError("give a topic, a campaign code, or both")
    if topic and SEPARATOR in topic:
        raise PayloadError(f"a topic id never holds {SEPARATOR!r}: {topic!r}")
    payload = SEPARATOR.join(p for p in (topic, campaign) if p)
    if len(payload) > MAX_PAYLOAD:
        raise PayloadError(f"the link code {payload!r} is {len(payload)} characters; "
                           f"Telegram allows {MAX_PAYLOAD}")
    if not PAYLOAD_PATTERN.match(payload):
        raise PayloadError(f"the link code {payload!r} may hold only letters, digits, "
                           "'_' and '-'")
    return payload


def parse_payload(
    payload: str, topics: set[str] | frozenset[str], campaigns: set[str] | frozenset[str]
) -> StartLink:
    """What a /start payload asks for; parts that are not known are ignored."""
    payload = payload.strip()[:MAX_PAYLOAD]
    if not PAYLOAD_PATTERN.match(payload):
        return StartLink()
    if payload in topics:
        return StartLink(topic=payload)
    if payload in campaigns:
        return StartLink(campaign=payload)
    topic, _, campaign = payload.partition(SEPARATOR)
    return StartLink(topic=topic if topic in topics else None,
                     campaign=campaign if campaign in campaigns else None)
