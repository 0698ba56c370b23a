"""Byte decoding for CSV files: encoding detection and the plausibility score.

Encoding detection (CSV only; XLSX stores Unicode):

* UTF-8 with BOM -> ``'utf-8-sig'``; strict UTF-8 -> ``'utf-8'``;
* otherwise the Chinese legacy families: ``'gb18030'`` (superset of GBK /
  GB2312, never plain ``gbk``) or ``'big5'`` (``cp950`` / ``big5hkscs`` as
  fallback codecs, still reported as ``'big5'``).  Both families are tried
  strictly; when both succeed the decoding with fewer implausible characters
  wins (:func:`uncommon_char_count`); a tie goes to charset_normalizer when
  there is enough text for it to judge, else to GB18030 (on a few characters
  charset_normalizer leans to Big5 even for GBK bytes).

The character classes defined here are shared with :mod:`fangkong.interop.mojibake`.

Pure engine code: no web framework or ORM imports.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from functools import lru_cache

__all__ = ["uncommon_char_count"]


# --------------------------------------------------------------------------- #
# Character classes and plausibility scoring
# --------------------------------------------------------------------------- #

# Punctuation / symbols that are perfectly normal in Chinese text.
_COMMON_PUNCT_RANGES = (
    "\u00b7"             # middle dot (transliterated names: 阿卜杜拉·买买提)
    "\u2010-\u2027"      # dashes, curly quotes, bullet, ellipsis
    "\u2030\u203b"       # per mille, reference mark ※
    "\u3000-\u303f"      # CJK symbols and punctuation (、。〈〉《》「」【】〔〕)
    "\uff00-\uffef"      # full-width ASCII and half-width forms
)
_CJK = "\u4e00-\u9fff"

# Everything that is neither ASCII, common CJK punctuation nor a CJK ideograph.
_UNUSUAL_RE = re.compile(f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{_CJK}]")
_HAS_CJK_RE = re.compile(f"[{_CJK}]")


def _decode_range(codec: str, leads: range, trails: Sequence[range]) -> frozenset[str]:
    out: set[str] = set()
    for lead in leads:
        for trail_range in trails:
            for trail in trail_range:
                try:
                    ch = bytes((lead, trail)).decode(codec)
                except UnicodeDecodeError:
                    continue
                if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff":
                    out.add(ch)
    return frozenset(out)


@lru_cache(maxsize=None)
def _frequent_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(GB2312 level-1, Big5 frequently-used, union) ideographs.

    GB2312 level 1 (B0A1-D7F9) holds the 3,755 most frequent simplified
    characters; Big5 A440-C67E holds the 5,401 frequently used traditional ones.
    Text decoded with the wrong legacy codec, and mojibake, are dominated by
    characters outside these sets.
    """
    gb = _decode_range("gb2312", range(0xB0, 0xD8), (range(0xA1, 0xFF),))
    big5 = _decode_range("big5", range(0xA4, 0xC7), (range(0x40, 0x7F), range(0xA1, 0xFF)))
    return gb, big5, gb | big5


@lru_cache(maxsize=None)
def _rare_re(which: str) -> re.Pattern[str]:
    gb, big5, both = _frequent_sets()
    frequent = {"gb": gb, "big5": big5, "any": both}[which]
    chars = "".join(sorted(frequent))
    # A character is "rare" when it is a CJK ideograph outside the frequent set
    # or anything else that is not ASCII / common punctuation.
    return re.compile(f"[^\x00-\x7f{_COMMON_PUNCT_RANGES}{re.escape(chars)}]")


def uncommon_char_count(text: str, frequent: str | None = None) -> int:
    """How many characters of *text* are implausible in Chinese/ASCII data.

    With ``frequent=None`` a character counts as uncommon when it is outside
    ASCII, common CJK punctuation and the CJK Unified Ideographs block
    (U+4E00-U+9FFF).  With ``frequent`` = ``'gb'`` / ``'big5'`` / ``'any'``,
    ideographs outside GB2312 level 1 / Big5 frequently-used / either also
    count, which separates the right legacy decoding from the wrong one even
    when both produce nothing but ideographs.
    """
    pattern = _UNUSUAL_RE if frequent is None else _rare_re(frequent)
    return sum(1 for _ in pattern.finditer(text))


def _decoding_score(text: str, codec_family: str) -> int:
    # Score a bounded prefix: enough to decide, cheap on 100 MB files.
    sample = text[:200_000]
    return uncommon_char_count(sample) + uncommon_char_count(sample, codec_family)


# --------------------------------------------------------------------------- #
# Encoding detection
# --------------------------------------------------------------------------- #


def _charset_normalizer_family(raw: bytes) -> str:
    """'big5' when charset_normalizer thinks the bytes are Big5/CP950, else 'gb18030'."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - declared dependency
        return "gb18030"
    sample = raw
    if len(raw) > 256_000:
        # Cut at a newline: 0x0A is never a trail byte in GBK or Big5.
        cut = raw.rfind(b"\n", 0, 256_000)
        sample = raw[: cut + 1] if cut > 0 else raw[:256_000]
    try:
        best = from_bytes(sample).best()
    except Exception:  # pragma: no cover - detector failure must not break import
        return "gb18030"
    enc = (best.encoding if best is not None else "") or ""
    enc = enc.lower().replace("-", "_")
    return "big5" if enc in ("big5", "cp950", "big5hkscs", "big5_hkscs") else "gb18030"


def _strict(raw: bytes, codec: str) -> str | None:
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_csv_bytes(raw: bytes) -> tuple[str, str] | None:
    """Return (text, encoding name) or None when nothing decodes strictly."""
    if raw.startswith(codecs.BOM_UTF8):
        text = _strict(raw[3:], "utf-8")
        if text is not None:
            return text, "utf-8-sig"
        raw = raw[3:]  # a BOM in front of legacy bytes: ignore it
    else:
        text = _strict(raw, "utf-8")
        if text is not None:
            return text, "utf-8"

    candidates: dict[str, str] = {}
    gb = _strict(raw, "gb18030")
    if gb is not None:
        candidates["gb18030"] = gb
    big5 = None
    for codec in ("big5", "cp950", "big5hkscs"):  # Windows and Hong Kong supersets
        big5 = _strict(raw, codec)
        if big5 is not None:
            break
    if big5 is not None:
        candidates["big5"] = big5

    if not candidates:
        return None
    if len(candidates) == 1:
        (enc, text), = candidates.items()
        return text, enc
    gb_score = _decoding_score(candidates["gb18030"], "gb")
    big5_score = _decoding_score(candidates["big5"], "big5")
    if gb_score != big5_score:
        enc = "gb18030" if gb_score < big5_score else "big5"
    elif _non_ascii_count(candidates["gb18030"]) >= _MIN_CHARS_FOR_DETECTOR:
        # Plenty of text and still a tie: defer to charset_normalizer.
        enc = _charset_normalizer_family(raw)
    else:
        # A few characters that are plausible either way ('北京' is valid
        # Big5 for '控儔'): charset_normalizer is unreliable on so little
        # text (it leans to Big5), so take GB18030, by far the most common
        # legacy encoding of files reaching this platform.
        enc = "gb18030"
    return candidates[enc], enc


_MIN_CHARS_FOR_DETECTOR = 32


def _non_ascii_count(text: str, limit: int = 200_000) -> int:
    sample = text[:limit]
    return len(sample) - len(sample.encode("ascii", "ignore"))
