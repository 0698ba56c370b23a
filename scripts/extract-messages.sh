#!/usr/bin/env bash
# Extract the UI's messages (English ids) from the web code and templates into messages.pot,
# then merge them into each language's catalogue. Translate the new entries in
# src/fangkong/locale/{zh_Hans,zh_Hant}/LC_MESSAGES/messages.po (both must be complete);
# `en` may keep empty translations (the English id is shown). No compile step: fangkong.i18n
# reads the .po files directly.
set -euo pipefail
cd "$(dirname "$0")/.."

LOCALE_DIR=src/fangkong/locale
POT="$LOCALE_DIR/messages.pot"
mkdir -p "$LOCALE_DIR"

pybabel --quiet extract --mapping-file=babel.cfg --output-file="$POT" --project=fangkong \
    --copyright-holder="Fangkong contributors" --version="$(python -c 'import fangkong; print(fangkong.__version__)')" \
    --msgid-bugs-address="the Fangkong maintainers" --no-wrap --sort-by-file --add-location=file \
    src

for lang in zh_Hans zh_Hant en; do
    if [[ -f "$LOCALE_DIR/$lang/LC_MESSAGES/messages.po" ]]; then
        pybabel --quiet update --input-file="$POT" --output-dir="$LOCALE_DIR" --locale="$lang" \
            --no-wrap --no-fuzzy-matching --ignore-obsolete
    else
        pybabel --quiet init --input-file="$POT" --output-dir="$LOCALE_DIR" --locale="$lang" --no-wrap
    fi
done

# Report what is left to translate (zh_Hans and zh_Hant must be complete; tests/web checks it).
python - "$LOCALE_DIR" <<'PY'
import sys
from pathlib import Path
from babel.messages.pofile import read_po

for lang in ("zh_Hans", "zh_Hant"):
    with (Path(sys.argv[1]) / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalog = read_po(fh)
    ids = [m for m in catalog if m.id]
    missing = [m.id for m in ids if not m.string or m.fuzzy]
    print(f"{lang}: {len(ids)} messages, {len(missing)} untranslated")
PY
