"""Checks on extracted text: empty text and garbage (mojibake, wrong code page, binary)."""

from __future__ import annotations

import functools
import re
import unicodedata

_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff01-\uffef\U00020000-\U0003134f"
# A run of CJK characters (ideographs, CJK punctuation, fullwidth forms), or of other non-space ones.
_CJK_CHAR = re.compile(f"[{_CJK}]")
_RUN = re.compile(f"[{_CJK}]+|[^\\s{_CJK}]+")
# Ranges of non-ASCII characters expected in Chinese regulation text, CJK aside.
_GOOD_RANGES = (
    (0x2010, 0x205E),  # general punctuation: “” ‘’ — … ※
    (0x2100, 0x22FF),  # letterlike symbols, number forms, arrows, maths: ℃ № Ⅰ → ≤
    (0x2460, 0x27BF),  # enclosed alphanumerics, box drawing, shapes, symbols: ① ■ ● ★ ✓
)
# Neither good nor bad: symbols that real text uses now and then but mojibake also produces.
_NEUTRAL = set("°±×÷·§µ²³¹¼½¾¬¦©®") | {chr(c) for c in range(0x0370, 0x0530)}  # + Greek, Cyrillic
_RUN_SPREAD = 0.3  # a non-CJK run with this share of bad characters is bad throughout
_TEXT_LIMIT = 0.2  # share of bad characters over the whole text
_WINDOW = 1000  # scored characters in one window
_WINDOW_LIMIT = 0.5  # share of bad characters in the worst window
_SHORT_HANZI = 100  # a Chinese text with fewer ideographs than this is mostly garbage ...
_SHORT_LIMIT = 0.05  # ... once this share of its characters is bad
_MIN_HANZI = 50  # ideographs needed before judging how common they are
_COMMON_LIMIT = 0.5  # least share of ideographs from GB2312 level 1 (the 3,755 common ones)


@functools.lru_cache(maxsize=4096)
def _score(ch: str) -> int:
    """1 for a character that signals garbage, 0 for a good one, -1 for a neutral one."""
    o = ord(ch)
    if 0x21 <= o <= 0x7E or _CJK_CHAR.match(ch):
        return 0
    if ch in _NEUTRAL:
        return -1
    if any(lo <= o <= hi for lo, hi in _GOOD_RANGES):
        return 0
    return 1  # controls, Latin-1 and Latin extended letters, modifiers, private use, U+FFFD, …


def _scores(text: str) -> list[int]:
    """Scores of the non-whitespace characters, neutral ones dropped.

    A run of non-CJK characters dense with bad ones is bad throughout: mojibake mixes ASCII
    into its Latin-1 noise ("/f&T¾‹nºNT["), while "président" stays mostly good.
    """
    out: list[int] = []
    for run in _RUN.findall(text):
        if _CJK_CHAR.match(run):
            out += [0] * len(run)
            continue
        scores = [_score(ch) for ch in run]
        if scores.count(1) >= _RUN_SPREAD * len(scores):
            scores = [1 if s == 0 else s for s in scores]
        out.extend(s for s in scores if s >= 0)
    return out


def _worst_window(scores: list[int], size: int) -> float:
    """Highest share of bad characters in any run of `size` scores."""
    bad = worst = sum(scores[:size])
    for i in range(size, len(scores)):
        bad += scores[i] - scores[i - size]
        worst = max(worst, bad)
    return worst / size


def _common_share(text: str) -> tuple[int, float]:
    """Number of ideographs in `text` and the share of them in GB2312 level 1."""
    hanzi = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
    common = 0
    for ch in hanzi:
        try:
            common += 0xB0 <= ch.encode("gb2312")[0] <= 0xD7
        except UnicodeEncodeError:
            pass
    return len(hanzi), common / len(hanzi) if hanzi else 1.0


def empty_reason(text: str) -> str | None:
    """Return a reason when the text holds nothing but whitespace, else None."""
    return "文件内容为空（仅空白字符）" if not text.strip() else None


def garbage_reason(text: str) -> str | None:
    """Return a Chinese reason when `text` looks like mojibake or binary, else None."""
    scores = _scores(text)
    if not scores:
        return None
    share = sum(scores) / len(scores)
    if share > _TEXT_LIMIT:
        return _describe(text, f"异常字符占全文 {share:.0%}")
    if len(scores) > _WINDOW:
        worst = _worst_window(scores, _WINDOW)
        if worst > _WINDOW_LIMIT:
            return _describe(text, f"有一段 {_WINDOW} 字中异常字符占 {worst:.0%}")
    count, common = _common_share(text)
    if 0 < count < _SHORT_HANZI and share > _SHORT_LIMIT:
        return _describe(text, f"可读文字很少，异常字符占 {share:.0%}")
    if count >= _MIN_HANZI and common < _COMMON_LIMIT:
        return f"汉字多为生僻字（常用字仅占 {common:.0%}），疑为编码错误"
    return None


def _describe(text: str, what: str) -> str:
    """Add a few of the odd characters to `what`."""
    odd = [ch for ch in text if not ch.isspace() and _score(ch) == 1][:10]
    sample = "".join("?" if unicodedata.category(ch)[0] == "C" else ch for ch in odd)
    return f"{what}（如 {sample}）"
