"""Separating what the customer just wrote from the quoted history and signature below it."""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES

# Every language the parser knows: a Japanese customer's client writes its "On ... wrote:" line
# in Japanese, whatever language our team works in.
_PARSER = EmailReplyParser(languages=sorted(MAIL_LANGUAGES))
# The parser's regexes grow superlinearly on long lines and huge quotes (a 750 KB quote took a
# second); the new part of a reply sits at the top, so only the head is searched, with lines cut
# at RFC 5322's 998 characters.
_HEAD_CHARS = 32 * 1024
_LINE_CHARS = 998
_TRAILING_RULE = re.compile(r"(\n\s*[-_=*]{5,}\s*)+$")
# Quoted lines (">") left at the end once the "On ... wrote:" header is gone, or when a client
# quoted without writing one.
_TRAILING_QUOTE = re.compile(r"(\n[ \t]*>[^\n]*)+$")


def latest_reply(text: str) -> str:
    """The new part of a reply without quotes or signature; the whole text if nothing is left."""
    whole = text.strip()
    if not whole:
        return whole
    head = "\n".join(line[:_LINE_CHARS] for line in whole[:_HEAD_CHARS].splitlines())
    try:
        message = _PARSER.read(head)
    except Exception:  # noqa: BLE001 - a parser bug must not cost us the mail; show it whole
        return whole
    new = message.replies[0].body if message.replies else ""
    new = _TRAILING_RULE.sub("", _TRAILING_QUOTE.sub("", "\n" + new)).strip()
    if not new or (new == head.strip() and len(whole) == len(head)):
        return whole
    return new
