"""Turning mail bytes into text whatever charset the sender claimed.

Mail in the wild lies about its charset, names charsets Python does not know, and splits
multibyte characters across RFC 2047 encoded words. Every function here returns text; the
worst case is U+FFFD replacement characters, never an exception.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

from charset_normalizer import from_bytes

# Mail clients label text with the narrow standard charset while sending bytes from the vendor
# superset (Windows-31J for Shift_JIS, CP949 for EUC-KR, GBK for GB2312, ...). Decoding with the
# superset reads both correctly, so we always prefer it (as browsers do, per the WHATWG Encoding
# Standard's label table).
_SUPERSETS = {
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "euc_kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-windows-949": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-9": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
}

# Charsets that also decode many foreign byte streams without error, so a strict decode succeeding
# proves nothing; we check for tell-tale escapes before trusting them.
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")
# What a guess may pick: the charsets mail is actually written in. Left unrestricted, the detector
# calls short Latin text UTF-16 or EBCDIC.
_GUESSABLE = [
    "cp1252",
    "cp932",
    "euc_jp",
    "cp949",
    "gb18030",
    "big5hkscs",
    "cp1251",
    "cp1250",
    "koi8_r",
    "iso8859_2",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp874",
]
_CJK_HINTS = {
    "cp932": "ja",
    "euc_jp": "ja",
    "iso2022_jp_ext": "ja",
    "iso2022_jp": "ja",
    "iso2022_jp_2": "ja",
    "cp949": "ko",
    "iso2022_kr": "ko",
    "gb18030": "zh",
    "big5hkscs": "zh",
}


def codec_for(charset: str | None) -> str | None:
    """The Python codec to decode ``charset`` with, or ``None`` when Python knows no such name."""
    if not charset:
        return None
    # RFC 2231 allows a language suffix on the charset: "utf-8*ja".
    label = charset.strip().strip("\"'").split("*")[0].lower()
    label = _SUPERSETS.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def language_of(charset: str | None) -> str | None:
    """A language hint from a CJK charset (ISO-2022-JP → ``ja``), or ``None``."""
    codec = codec_for(charset)
    return _CJK_HINTS.get(codec) if codec else None


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode body or header bytes, honouring ``charset`` when the bytes agree with it.

    Order: the declared charset (strict), ISO-2022-JP when its escapes are present, UTF-8, a
    statistical guess, then the declared charset (or UTF-8) with replacement characters.
    """
    if not data:
        return ""
    codec = codec_for(charset)
    if any(esc in data for esc in _ISO2022_ESCAPES) and (codec is None or codec in {"ascii", "utf_8", "cp1252"}):
        codec = "iso2022_jp_ext"
    if codec and codec != "cp1252":
        try:
            return data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
    if data.isascii() and not codec:
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if codec == "cp1252":
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    guess = from_bytes(data, cp_isolation=_GUESSABLE).best()
    if guess is not None and guess.encoding:
        return str(guess)
    return data.decode(codec or "utf-8", errors="replace")


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
# Encoded words glued to text or to each other without whitespace (common, and forbidden by
# RFC 2047 section 5) are not recognised by the stdlib unless spaced apart.
_GLUED = re.compile(r"(\?=)(?=\S)|(?<=\S)(=\?[^?\s]+\?[bBqQ]\?)")


def decode_header_value(value: str | None, fallback_charset: str | None = None) -> str:
    """Decode a raw header value: RFC 2047 encoded words, raw 8-bit bytes, broken encodings.

    ``value`` is a header as the stdlib parser stores it (undecoded bytes survive as surrogate
    escapes). Adjacent encoded words in one charset are joined before decoding, because senders
    split multibyte characters across words. Raw 8-bit bytes are decoded with
    ``fallback_charset`` (the message's body charset) or guessed.
    """
    if not value:
        return ""
    value = re.sub(r"\r?\n[ \t]", " ", value)
    chunks: list[tuple[bytes | str, str | None]] = [(value, None)]
    if _ENCODED_WORD.search(value):
        value = _GLUED.sub(lambda m: f"{m.group(1)} " if m.group(1) else f" {m.group(2)}", value)
        chunks = _split_encoded_words(value)
    merged: list[tuple[bytes, str | None]] = []
    for chunk, charset in chunks:
        if isinstance(chunk, str) and not _has_surrogates(chunk):
            # Already text (a plain run between encoded words); keep it as UTF-8.
            chunk, charset = chunk.encode("utf-8"), charset or "utf-8"
        data = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", "surrogateescape")
        charset = charset or fallback_charset
        if merged and merged[-1][1] == charset:
            merged[-1] = (merged[-1][0] + data, charset)
        else:
            merged.append((data, charset))
    return " ".join("".join(decode_bytes(data, charset) for data, charset in merged).split())


def _split_encoded_words(value: str) -> list[tuple[bytes | str, str | None]]:
    """Encoded words decoded one by one; the text between them kept as it stands.

    Whitespace between two adjacent encoded words is dropped (RFC 2047 section 6.2). A word we
    cannot decode (bad base64, say) is kept literally rather than costing us the others.
    """
    out: list[tuple[bytes | str, str | None]] = []
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and not (between.isspace() and out and out[-1][1] is not None):
            out.append((between, None))
        try:
            out.extend(decode_header(match.group(0)))
        except Exception:  # noqa: BLE001 - the stdlib raises several types on a broken word
            out.append((match.group(0), None))
        pos = match.end()
    if value[pos:]:
        out.append((value[pos:], None))
    return out


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)
