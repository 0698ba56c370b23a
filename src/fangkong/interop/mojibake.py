"""Mojibake detection: text garbled by a wrong encoding conversion, with a suggested repair.

:func:`mojibake_problem` recognises UTF-8 read as GBK (whole or with the last
character lost), UTF-8 read as Latin-1 / Windows-1252 (up to three rounds),
U+FFFD replacement characters and garbage sequences such as '锟斤拷'.
:func:`_suspect_re` is the cheap pre-filter that lets callers skip rows made
only of ASCII and frequent Chinese characters.

Pure engine code: no web framework or ORM imports.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

from fangkong.interop.encoding import (
    _COMMON_PUNCT_RANGES,
    _HAS_CJK_RE,
    _UNUSUAL_RE,
    _frequent_sets,
    uncommon_char_count,
)

__all__ = ["mojibake_problem"]

_MAX_QUOTE = 30          # characters of a bad cell quoted in a message

_LATIN1_HIGH_RE = re.compile("[\u00c0-\u00ff]")
_GARBAGE_SEQUENCES = ("锟斤拷", "烫烫烫", "屯屯屯")


@lru_cache(maxsize=None)
def _latin_lead_chars() -> frozenset[str]:
    """Characters whose GBK code is C3 80-BF: GBK's reading of UTF-8 'À'-'ÿ' ('é' -> '茅')."""
    out = set()
    for trail in range(0x80, 0xC0):
        try:
            out.add(bytes((0xC3, trail)).decode("gb18030"))
        except UnicodeDecodeError:
            pass
    return frozenset(out)


@lru_cache(maxsize=None)
def _suspect_re(with_sequences: bool = True) -> re.Pattern[str]:
    """Matches anything that could make a cell mojibake; genuine text rarely matches.

    Every detector needs at least one of: a character outside ASCII, common
    punctuation and the frequent ideographs (GBK mojibake characters, U+FFFD,
    Latin-1 letters...), a character GBK decodes from a UTF-8 'À'-'ÿ' ('Jos茅'),
    or one of the garbage sequences (made of frequent characters, so listed
    separately; callers that know the text has none pass ``False``, which
    leaves a single character class that the regex engine scans fast).
    """
    chars = "".join(sorted(_frequent_sets()[2] - _latin_lead_chars()))
    pattern = f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{re.escape(chars)}]"
    if with_sequences:
        pattern += "|" + "|".join(_GARBAGE_SEQUENCES)
    return re.compile(pattern)


# --------------------------------------------------------------------------- #
# Repairs and the verdict
# --------------------------------------------------------------------------- #


def _quote(text: str) -> str:
    text = text.strip()
    if len(text) > _MAX_QUOTE:
        text = text[:_MAX_QUOTE] + "…"
    return repr(text)


def _plausible_gbk_repair(fixed: str, original: str) -> bool:
    """Is *fixed* (original re-encoded as GB18030, read as UTF-8) a believable repair?

    Genuine Chinese text almost never re-encodes to valid UTF-8; when it does
    by accident the result is a string of rare or non-Chinese characters.  A
    real repair is made of normal characters and is *more* common than the
    garbled original (mojibake characters come from GBK's rarely used areas).
    """
    non_ascii = [c for c in fixed if c > "\x7f"]
    if not non_ascii:
        return False
    if _HAS_CJK_RE.search(fixed):
        if _UNUSUAL_RE.search(fixed):
            return False
        return uncommon_char_count(fixed, "any") < uncommon_char_count(original, "any")
    # UTF-8 Latin text read as GBK ('José' -> 'Jos茅'): accept only Latin-1
    # letters, and only when the cell also contains ASCII letters (a lone
    # Chinese character such as '毛' re-encodes to UTF-8 'ë' by accident).
    if all("\u00c0" <= c <= "\u00ff" and c not in "\u00d7\u00f7" for c in non_ascii):
        return any(c.isascii() and c.isalpha() for c in original)
    return False


def _repair_utf8_read_as_gbk(text: str) -> str | None:
    try:
        data = text.encode("gb18030")
    except UnicodeEncodeError:
        return None
    try:
        fixed = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if fixed == text or not _plausible_gbk_repair(fixed, text):
        return None
    return fixed


def _repair_truncated_gbk(text: str) -> str | None:
    """Repair for GBK mojibake whose last UTF-8 byte was lost ('鐜嬪皬鏄�' -> '王小')."""
    core = text.rstrip().rstrip("\ufffd?")
    if not core or core == text.rstrip() or core.isascii():
        return None
    try:
        data = core.encode("gb18030")
    except UnicodeEncodeError:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        prefix = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    if prefix == core or len(_HAS_CJK_RE.findall(prefix)) < 1:
        return None
    if not _plausible_gbk_repair(prefix, core):
        return None
    return prefix


def _latin1_bytes(text: str) -> bytes | None:
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        pass
    out = bytearray()
    for ch in text:
        o = ord(ch)
        if o < 0x100:
            out.append(o)  # incl. C1 controls, which cp1252 leaves undefined
        else:
            try:
                out += ch.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


# A space right after a Latin-1 letter/symbol: in 'å¼ ä¸‰' the space was a
# no-break space (byte A0, the end of '张' = E5 BC A0) until an editor or a copy
# and paste normalised it.
_NBSP_LOST_RE = re.compile("(?<=[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]) ")


def _repair_utf8_read_as_latin1(text: str) -> str | None:
    fixed = _repair_latin1_rounds(text)
    if fixed is None and " " in text:
        fixed = _repair_latin1_rounds(_NBSP_LOST_RE.sub("\u00a0", text))
        # Guessing the lost byte is only safe when it lands inside Chinese
        # text: Irish 'Ó Briain' would otherwise "repair" to 'ӠBriain'.
        if fixed is not None and (not _HAS_CJK_RE.search(fixed) or _UNUSUAL_RE.search(fixed)):
            fixed = None
    return fixed


def _repair_latin1_rounds(text: str) -> str | None:
    fixed = text
    for _ in range(3):  # undo up to three rounds of double encoding
        data = _latin1_bytes(fixed)
        if data is None:
            break
        try:
            again = data.decode("utf-8")
        except UnicodeDecodeError:
            break
        if again == fixed:
            break
        fixed = again
        if not _LATIN1_HIGH_RE.search(fixed):
            break
    return fixed if fixed != text else None


def mojibake_problem(text: str) -> str | None:
    """Describe why *text* looks like garbage from a wrong encoding conversion, or None.

    Pure ASCII can never be mojibake; callers may skip it with ``str.isascii``.
    """
    if text.isascii() or _suspect_re().search(text) is None:
        return None
    if "\ufffd" in text:
        fixed = _repair_truncated_gbk(text)
        if fixed:
            return (
                f"text looks like mojibake (UTF-8 read as GBK, last character lost): "
                f"{_quote(text)}; did you mean {_quote(fixed)}… (the rest cannot be recovered)?"
            )
        return (
            f"text contains U+FFFD replacement characters (characters were lost in an "
            f"earlier encoding conversion): {_quote(text)}; expected the original text"
        )
    for seq in _GARBAGE_SEQUENCES:
        if seq in text:
            return (
                f"text contains the garbage sequence {seq!r}, left by a broken encoding "
                f"conversion or uninitialised memory: {_quote(text)}; expected the original text"
            )
    if _LATIN1_HIGH_RE.search(text):
        fixed = _repair_utf8_read_as_latin1(text)
        if fixed is not None:
            return (
                f"text looks like mojibake (UTF-8 read as Latin-1/Windows-1252): "
                f"{_quote(text)}; did you mean {_quote(fixed)}?"
            )
    fixed = _repair_utf8_read_as_gbk(text)
    if fixed is not None:
        return (
            f"text looks like mojibake (UTF-8 read as GBK): {_quote(text)}; did you mean {_quote(fixed)}?"
        )
    if text.rstrip().endswith("?"):
        fixed = _repair_truncated_gbk(text)
        if fixed:
            return (
                f"text looks like mojibake (UTF-8 read as GBK, last character lost): "
                f"{_quote(text)}; did you mean {_quote(fixed)}… (the rest cannot be recovered)?"
            )
    return None
