"""Post length as X counts it, and splitting a long reply into a numbered thread.

X weighs text rather than counting characters: every URL counts 23 whatever its length, CJK and
most non-Latin scripts count 2, an emoji sequence counts 2, and the limit is 280 (twitter-text
"version 3" configuration). ``twitter-text-parser`` implements X's published rules, so we never
count by hand; the splitter only decides where to cut and asks the parser whether a part fits.
"""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from itertools import accumulate

from twitter_text import parse_tweet
from twitter_text.config import config as _twitter_text_config
from twitter_text.extract_emojis import extract_emojis_with_indices
from twitter_text.extract_urls import extract_urls_with_indices
from twitter_text.get_character_weight import get_character_weight

MAX_POST_WEIGHT = 280
_OPTIONS = _twitter_text_config["version3"]

# Cut points, best first: paragraph, line, sentence end (Latin and CJK), clause, then any space.
_BREAKS = (
    re.compile(r"\n\s*\n"),
    re.compile(r"\n"),
    re.compile(r"(?<=[.!?])\s+|(?<=[。！？])"),
    re.compile(r"(?<=[,;:、，])\s*"),
    re.compile(r"\s+"),
)


def count_x(text: str) -> int:
    """The weighted length X gives ``text`` (what the composer shows against 280)."""
    return parse_tweet(text, _OPTIONS).weightedLength


def fits_x(text: str) -> bool:
    return count_x(text) <= MAX_POST_WEIGHT


def split_for_x(text: str, limit: int = MAX_POST_WEIGHT) -> list[str]:
    """Split ``text`` into posts of at most ``limit`` weight, numbered "1/3" when there are several.

    Cuts at the most natural boundary that still fits (paragraph, line, sentence, clause, word),
    never inside a URL, and only inside a word when a single word is longer than a post (CJK
    text has no spaces, so a long Japanese sentence is cut between characters).
    """
    # X counts NFC-normalised text with \n line ends; splitting the same text keeps indices true.
    text = re.sub(r"\r\n|\r", "\n", unicodedata.normalize("NFC", text)).strip()
    if count_x(text) <= limit:
        return [text] if text else []
    # The numbering's width depends on how many parts there are; grow the reserve until stable.
    digits = 1
    while True:
        marker_weight = count_x(" " + "9" * digits + "/" + "9" * digits)
        chunks = _pack(text, limit - marker_weight)
        if len(str(len(chunks))) <= digits:
            total = len(chunks)
            return [f"{chunk} {index}/{total}" for index, chunk in enumerate(chunks, start=1)]
        digits += 1


def _pack(text: str, budget: int) -> list[str]:
    # Prefix weights from the parser's own rules find a candidate cut in one pass; each part is
    # then measured by the parser itself, so an estimate never decides what is sent.
    prefix = _prefix_weights(text)
    protected = _url_spans(text)
    chunks: list[str] = []
    start, end = 0, len(text)
    while True:
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            return chunks
        if prefix[end] - prefix[start] <= budget and count_x(text[start:]) <= budget:
            chunks.append(text[start:])
            return chunks
        head_end, next_start = _cut(text, start, budget, prefix, protected)
        chunks.append(text[start:head_end])
        start = next_start


def _cut(
    text: str, start: int, budget: int, prefix: list[int], protected: list[tuple[int, int]]
) -> tuple[int, int]:
    """Where the part beginning at ``start`` ends, and where the next one begins."""
    limit = max(start + 1, bisect_right(prefix, prefix[start] + budget) - 1)
    while True:
        head_end, next_start = _boundary(text, start, limit, protected)
        # A cut can change how the parser reads the text around it, so the part is measured
        # again rather than trusted.
        if count_x(text[start:head_end]) <= budget or limit <= start + 1:
            return head_end, next_start
        limit -= 1


def _boundary(text: str, start: int, limit: int, protected: list[tuple[int, int]]) -> tuple[int, int]:
    for pattern in _BREAKS:
        best = None
        for match in pattern.finditer(text, start, limit + 1):
            cut = match.start()
            if start < cut <= limit and not _inside(cut, protected) and text[start:cut].strip():
                best = match
        if best is not None:
            return _trim(text, start, best.start()), best.end()
    cut = _safe_char_cut(text, start, limit, protected)
    return _trim(text, start, cut), cut


def _trim(text: str, start: int, end: int) -> int:
    while end > start + 1 and text[end - 1].isspace():
        end -= 1
    return end


def _prefix_weights(text: str) -> list[int]:
    """prefix[i] = the weight of text[:i] by twitter-text's rules, entities counted at their start."""
    scale = _OPTIONS["scale"]
    weights = [get_character_weight(char, _OPTIONS) for char in text]
    for url in extract_urls_with_indices(text):
        first, last = url["indices"]
        weights[first:last] = [_OPTIONS["transformed_url_length"] * scale] + [0] * (last - first - 1)
    for emoji in extract_emojis_with_indices(text):
        first, last = emoji["indices"]
        weights[first:last] = [_OPTIONS["default_weight"]] + [0] * (last - first - 1)
    return [total // scale for total in accumulate(weights, initial=0)]


def _url_spans(text: str) -> list[tuple[int, int]]:
    return [tuple(url["indices"]) for url in extract_urls_with_indices(text)]


def _inside(index: int, spans: list[tuple[int, int]]) -> bool:
    return any(first < index < last for first, last in spans)


def _safe_char_cut(text: str, start: int, limit: int, protected: list[tuple[int, int]]) -> int:
    """Cut between characters, not before a combining mark or joiner, and not inside a URL."""
    cut = limit
    for first, last in protected:
        if first < cut < last:
            # A URL weighs 23 whatever its length, so it always fits whole in the next part.
            cut = first if first > start else last
    while start < cut < len(text) and _joins_previous(text[cut], text[cut - 1]):
        cut -= 1
    return cut if cut > start else limit


def _joins_previous(char: str, before: str) -> bool:
    return (
        unicodedata.category(char).startswith("M")
        or char in "\u200d\ufe0e\ufe0f"
        or before == "\u200d"
        or "\U0001f3fb" <= char <= "\U0001f3ff"
    )
