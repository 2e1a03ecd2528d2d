"""Text normalisation and enumeration markers shared by the write and read paths."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")

# Item numbers: （一） (1) （１） 一、 1、 1. 1) — full-width forms included so raw and NFKC text both match.
ITEM_START = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+(?:[、．)）]|\.(?!\d)))")
# Item numbers inside running text, for splitting a provision into its items (（一）, （１）, 1、, 1.; not 一、), but
# not a reference to items (第（一）项, 第（一）、（二）项, 第 （三） 项) nor a letter's number (Ａ１、).
_BRACKETED = r"[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[）)]"
ITEM_MARK = re.compile(rf"(?<!第)(?<!第\s)(?<!第　){_BRACKETED}(?!(?:\s*[、和或至及]\s*(?:第\s*)?{_BRACKETED})*\s*项(?!目))"
                       r"|(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])[0-9０-９]{1,2}[、．.](?![0-9０-９])")


def nfkc(text: str) -> str:
    """NFKC form: full-width digits, letters, spaces and brackets folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC and lowercase: the form lexical search tokenizes."""
    return nfkc(text).lower()


def compact(text: str) -> str:
    """NFKC, lowercase, no whitespace: the form quotes, terms and eval keys are compared in."""
    return _WHITESPACE.sub("", fold(text))


STATE_PREFIX = "中华人民共和国"  # national laws are named with and without it (安全生产法 = 中华人民共和国安全生产法)


def in_order(short: str, long: str) -> bool:
    """Whether the characters of `short` occur in `long` in this order, not necessarily adjacent (安法 in 安全生产法)."""
    rest = iter(long)
    return all(ch in rest for ch in short)


def title_key(name: str) -> str:
    """A document name in the form names are matched in: compact, without the 中华人民共和国 prefix."""
    return compact(name).replace(STATE_PREFIX, "")


def names_document(name: str, title: str, family: str) -> bool:
    """Whether `name` (as a user or a model writes it: full title, short name) refers to the document with this
    title and edition family."""
    key = title_key(name)
    return bool(key) and (key in title_key(title) or key in title_key(family) or title_key(family) in key)
