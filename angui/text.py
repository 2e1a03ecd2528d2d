"""Text normalisation and enumeration markers shared by the write and read paths."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")

# Item numbers: （一） (1) （１） 一、 1、 1. 1) — full-width forms included so raw and NFKC text both match.
ITEM_START = re.compile(r"^(?:[（(][一二三四五六七八九十\d]+[）)]|[一二三四五六七八九十]+、|\d+(?:[、．)）]|\.(?!\d)))")
# Item numbers inside running text, for splitting a provision into its items (（一）, （１）, 1、, 1.; not 一、).
ITEM_MARK = re.compile(r"[（(]\s*[0-9０-９一二三四五六七八九十]+\s*[）)]|(?<![0-9０-９])[0-9０-９]{1,2}[、．.](?![0-9０-９])")


def nfkc(text: str) -> str:
    """NFKC form: full-width digits, letters, spaces and brackets folded to ASCII."""
    return unicodedata.normalize("NFKC", text)


def fold(text: str) -> str:
    """NFKC and lowercase: the form lexical search tokenizes."""
    return nfkc(text).lower()


def compact(text: str) -> str:
    """NFKC, lowercase, no whitespace: the form quotes, terms and eval keys are compared in."""
    return _WHITESPACE.sub("", fold(text))
