"""Post length as X counts it, and splitting long replies into numbered threads."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from channels.x.counting import count_x, split_for_x

CORPORA = Path(__file__).resolve().parents[2] / "shared" / "corpora"
TWCS = CORPORA / "twcs-sample" / "twcs.csv"
LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
NUMBERING = re.compile(r" (\d+)/(\d+)$")


def support_tweets() -> list[str]:
    if not TWCS.exists():
        pytest.skip(f"corpus missing: {TWCS}")
    with TWCS.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle) if row["text"]]


def test_japanese_characters_count_double():
    assert count_x("こんにちは") == 10


def test_korean_characters_count_double():
    assert count_x("안녕하세요") == 10


def test_latin_characters_count_once():
    assert count_x("Hello, world") == 12


def test_any_url_counts_as_twenty_three():
    assert count_x("https://x.co") == 23
    assert count_x("https://example.com/orders/" + "a" * 200) == 23


def test_mixed_text_counts_as_x_documents_it():
    # The worked example of twitter-text's parseTweet documentation.
    assert count_x("english text 日本語 😷 https://example.com") == 46


def test_an_emoji_sequence_counts_as_one_emoji():
    assert count_x("👨‍👩‍👧‍👦") == 2


def test_one_hundred_and_forty_japanese_characters_fill_a_post_exactly():
    assert count_x("あ" * 140) == 280
    assert split_for_x("あ" * 140) == ["あ" * 140]


def test_a_reply_that_fits_is_not_split_or_numbered():
    assert split_for_x("Thanks, we are looking into it. https://example.com/status") == [
        "Thanks, we are looking into it. https://example.com/status"
    ]


def test_a_long_english_reply_is_cut_between_sentences_and_numbered():
    sentence = "We have refunded your order and the money will be back within five working days."
    parts = split_for_x(" ".join([sentence] * 8))

    assert len(parts) == 3
    assert [NUMBERING.search(part).groups() for part in parts] == [("1", "3"), ("2", "3"), ("3", "3")]
    assert all(count_x(part) <= 280 for part in parts)
    assert all(NUMBERING.sub("", part).endswith("days.") for part in parts)


def test_a_long_japanese_reply_is_cut_after_a_full_stop():
    sentence = "ご不便をおかけして申し訳ございません。"  # 19 characters, weight 38
    parts = split_for_x(sentence * 12)

    assert all(count_x(part) <= 280 for part in parts)
    assert all(NUMBERING.sub("", part).endswith("。") for part in parts)
    assert "".join(NUMBERING.sub("", part) for part in parts) == sentence * 12


def test_a_long_korean_reply_is_cut_between_words():
    words = ["주문하신", "상품은", "내일", "배송될", "예정입니다"] * 30
    parts = split_for_x(" ".join(words))

    assert all(count_x(part) <= 280 for part in parts)
    assert " ".join(NUMBERING.sub("", part) for part in parts).split() == words


def test_japanese_without_any_break_is_cut_between_characters():
    parts = split_for_x("あ" * 400)

    assert [count_x(part) for part in parts] <= [280] * len(parts)
    assert "".join(NUMBERING.sub("", part) for part in parts) == "あ" * 400


def test_a_url_is_never_cut():
    url = "https://example.com/help/articles/" + "x" * 300
    text = "word " * 60 + url + " and more words after the link." * 3
    parts = split_for_x(text)

    assert sum(url in part for part in parts) == 1
    assert all(count_x(part) <= 280 for part in parts)


def test_ten_or_more_parts_are_numbered_with_room_for_two_digit_numbers():
    parts = split_for_x("Please restart the device and try again. " * 80)

    assert len(parts) >= 10
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")
    assert all(count_x(part) <= 280 for part in parts)


def test_real_japanese_support_tweets_fit_in_a_post_once_reply_mentions_are_left_out():
    # Since 2017 the @names a reply starts with do not count against the limit; what remains of
    # each real tweet must fit, which it only does if CJK counts 2 and URLs count 23.
    japanese = [text for text in support_tweets() if re.search(r"[\u3040-\u30ff]", text)]
    assert len(japanese) > 20
    assert all(count_x(LEADING_MENTIONS.sub("", text)) <= 280 for text in japanese)


def test_splitting_real_support_conversations_never_produces_an_over_long_part():
    tweets = support_tweets()
    # Long replies made from consecutive real tweets: English, Japanese, URLs, emoji, line breaks.
    # Every group with Japanese is kept, and enough of the rest to cover the corpus's variety.
    groups = ["\n\n".join(tweets[start:start + 6]) for start in range(0, len(tweets), 6)]
    replies = groups[:150] + [group for group in groups[150:] if re.search(r"[\u3040-\u30ff]", group)]

    for reply in replies:
        parts = split_for_x(reply)
        assert all(count_x(part) <= 280 for part in parts), reply
        assert "".join("".join(NUMBERING.sub("", part).split()) for part in parts) == "".join(reply.split())
