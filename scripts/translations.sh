#!/usr/bin/env bash
# Extracts every _() string from Python modules and templates (babel.cfg) into
# translations/messages.pot, merges it into the en, ja and ko catalogues and compiles the .mo
# files Flask-Babel loads. Run after adding or changing UI text, then translate the new entries
# (empty msgstr) in translations/<lang>/LC_MESSAGES/messages.po and run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
pybabel=.venv/bin/pybabel
$pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-wrap --sort-by-file --project Kept \
  -o translations/messages.pot . >/dev/null 2>&1
for lang in en ja ko; do
  if [ -f "translations/$lang/LC_MESSAGES/messages.po" ]; then
    $pybabel update -i translations/messages.pot -d translations -l "$lang" --no-wrap --no-fuzzy-matching \
      --ignore-obsolete >/dev/null
  else
    $pybabel init -i translations/messages.pot -d translations -l "$lang" --no-wrap >/dev/null
  fi
done
$pybabel compile -d translations --statistics
