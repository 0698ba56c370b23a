"""UI languages: zh-Hans by default, zh-Hant and English, from Babel gettext catalogues."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES: dict[str, str] = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
LOCALE_DIR = Path(__file__).parent / "locale"
# Babel locale used for dates and numbers in each UI language.
BABEL_LOCALE = {"zh_Hans": "zh_Hans_CN", "zh_Hant": "zh_Hant_TW", "en": "en_GB"}


@lru_cache
def translations(language: str) -> NullTranslations:
    """Compile the language's .po catalogue in memory (no build step, no stale .mo files)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(buf)


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)


@lru_cache
def babel_locale(language: str) -> Locale:
    return Locale.parse(BABEL_LOCALE.get(language, "zh_Hans_CN"))


def pick_language(*, user_language: str | None, cookie: str | None, accept: str | None, default: str) -> str:
    """User's saved choice, then the cookie, then a Traditional-Chinese browser, then the default.

    Chinese first: a browser that asks for English still gets the default until the user switches,
    because many headquarters machines run an English-language OS.
    """
    for candidate in (user_language, cookie):
        if candidate in LANGUAGES:
            return candidate
    first = (accept or "").split(",")[0].split(";")[0].strip().lower()
    if first.startswith(("zh-tw", "zh-hk", "zh-mo", "zh-hant")):
        return "zh_Hant"
    return default
