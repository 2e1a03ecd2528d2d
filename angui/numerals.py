"""Chinese numerals as used in article and point numbers (第一百一十九条, 二十、)."""

from __future__ import annotations

from angui.text import nfkc

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NAMES = "零一二三四五六七八九"


def cn_to_int(s: str) -> int:
    """Value of a Chinese numeral below 10000 ("一百一十九" -> 119, "十" -> 10); plain digits pass through.

    Raises ValueError for anything else, including digit runs like "一二".
    """
    s = nfkc(s).strip()
    if s.isascii() and s.isdigit():
        return int(s)
    if not s:
        raise ValueError("empty numeral")
    total, digit, last_unit = 0, None, 10_000
    for ch in s:
        if ch in _DIGITS:
            if digit:  # two non-zero digits in a row
                raise ValueError(f"not a Chinese numeral: {s!r}")
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            unit = _UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"not a Chinese numeral: {s!r}")
            if digit is None and unit == 10:
                digit = 1  # 十一 = 11, 一百十 = 110
            if not digit:
                raise ValueError(f"not a Chinese numeral: {s!r}")
            total, digit, last_unit = total + digit * unit, None, unit
        else:
            raise ValueError(f"not a Chinese numeral: {s!r}")
    return total + (digit or 0)


def int_to_cn(n: int) -> str:
    """Chinese numeral for 0 <= n < 10000 in statute style (10 -> 十, 110 -> 一百一十, 105 -> 一百零五)."""
    if not 0 <= n < 10_000:
        raise ValueError(f"out of range: {n}")
    if n == 0:
        return "零"
    out, zero = [], False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_NAMES[d] + name)
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text
