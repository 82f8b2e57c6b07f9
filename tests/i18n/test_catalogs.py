"""The gettext catalogs are complete, well-formed, compiled and in step with the source."""

from __future__ import annotations

import gettext
import io
import os
import re
import shlex
import shutil
import subprocess

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo

from tests.i18n._catalogs import (
    EXTRACT_KEYWORDS,
    POT,
    ROOT,
    accelerators,
    brace_fields,
    catalog_locales,
    entries,
    ids,
    is_translated,
    key,
    load,
    mo_path,
    percent_fields,
    po_path,
    source_for_form,
    strings,
)

LOCALES = catalog_locales()
ZH = "zh_CN"


def _label(m) -> str:
    ctx = f"[{m.context}] " if m.context else ""
    return ctx + repr(ids(m)[0])


def _report(problems: list[str]) -> str:
    return "\n".join(problems[:40]) + (f"\n… and {len(problems) - 40} more" if len(problems) > 40 else "")


def test_shipped_locales_include_chinese():
    assert ZH in LOCALES and "en" in LOCALES


# --- completeness -------------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_catalog_has_exactly_the_template_messages(locale):
    """`pybabel update` was run: no new message missing, no stale one left over."""
    template = {key(m) for m in entries(load(POT))}
    cat = load(po_path(locale))
    have = {key(m) for m in entries(cat)}
    missing = sorted(map(str, template - have))
    stale = sorted(map(str, have - template))
    assert not missing and not stale, f"run the `make i18n` steps; missing: {missing[:20]}, stale: {stale[:20]}"
    assert not cat.obsolete, f"obsolete entries in {locale}: {list(cat.obsolete)[:10]}"


def test_every_chinese_message_is_translated():
    cat = load(po_path(ZH))
    untranslated = [_label(m) for m in entries(cat) if not is_translated(m)]
    assert not untranslated, f"{len(untranslated)} untranslated zh_CN messages:\n{_report(untranslated)}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_fuzzy_entries(locale):
    cat = load(po_path(locale))
    fuzzy = [_label(m) for m in entries(cat) if m.fuzzy]
    assert not cat.fuzzy, f"the {locale} header is marked fuzzy"
    assert not fuzzy, f"fuzzy entries in {locale}:\n{_report(fuzzy)}"


def test_chinese_has_one_plural_form():
    cat = load(po_path(ZH))
    assert cat.num_plurals == 1 and cat.plural_expr.strip() == "0"
    for m in entries(cat):
        if m.pluralizable:
            assert len(strings(m)) == 1, f"{_label(m)} must have exactly one msgstr[0]"


def test_english_plural_forms_are_empty_or_the_source():
    """English is the source language: a plural msgstr is either left empty or spells out both forms."""
    cat = load(po_path("en"))
    assert cat.num_plurals == 2
    for m in entries(cat):
        if m.pluralizable and any(strings(m)):
            assert len(strings(m)) == 2 and all(strings(m)), f"{_label(m)}: fill both English forms or neither"


# --- well-formedness ----------------------------------------------------------

@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_agree_with_the_source(locale):
    cat = load(po_path(locale))
    problems = []
    for m in entries(cat):
        for form, text in enumerate(strings(m)):
            if not text:
                continue  # untranslated: gettext falls back to the msgid (reported elsewhere for zh_CN)
            source = source_for_form(m, form, cat.num_plurals)
            try:
                want = brace_fields(source)
            except ValueError:  # the msgid is no str.format template: braces are literal
                want = None
            if want is not None:
                try:
                    got = brace_fields(text)
                except ValueError as exc:
                    problems.append(f"{_label(m)} form {form}: broken braces in {text!r} ({exc})")
                    continue
                if got != want:
                    problems.append(f"{_label(m)} form {form}: {dict(got)} != {dict(want)}")
            elif (text.count("{"), text.count("}")) != (source.count("{"), source.count("}")):
                problems.append(f"{_label(m)} form {form}: literal braces differ")
            if "python-format" in m.flags and percent_fields(text) != percent_fields(source):
                problems.append(f"{_label(m)} form {form}: %-placeholders "
                                f"{dict(percent_fields(text))} != {dict(percent_fields(source))}")
    assert not problems, _report(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_babel_checkers_pass(locale):
    """Babel's own msgfmt-like checks (plural count, %-format compatibility)."""
    cat = load(po_path(locale))
    errors = [f"{_label(m)}: {'; '.join(map(str, errs))}" for m, errs in cat.check()]
    assert not errors, _report(errors)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext msgfmt is not installed")
@pytest.mark.parametrize("locale", LOCALES)
def test_gnu_msgfmt_check_passes(locale):
    """`msgfmt --check` also validates python-brace-format strings, headers and plural forms."""
    res = subprocess.run(["msgfmt", "--check", "--check-format", "-o", os.devnull, str(po_path(locale))],
                         capture_output=True, text=True, check=False)
    assert res.returncode == 0, res.stderr


def test_chinese_keeps_accelerators_and_line_breaks():
    cat = load(po_path(ZH))
    problems = []
    for m in entries(cat):
        text = strings(m)[0]
        if not text:
            continue
        source = source_for_form(m, 0, 1)
        if accelerators(text) != accelerators(source):
            problems.append(f"{_label(m)}: accelerators {accelerators(text)} != {accelerators(source)}")
        elif accelerators(source) and not re.search(r"\(&\w\)", text):
            problems.append(f"{_label(m)}: a Chinese label puts the accelerator in parentheses: {text!r}")
        if text.count("\n") != source.count("\n"):
            problems.append(f"{_label(m)}: {source.count(chr(10))} line breaks in the source, "
                            f"{text.count(chr(10))} in the translation")
    assert not problems, _report(problems)


# "(*.csv *.xlsx)" or the "({patterns})" placeholder Qt filters are built from.
_FILE_FILTER = re.compile(r"\((?:\*\.[\w*]+(?: \*\.[\w*]+)*|\{patterns\})\)$")


def test_file_dialog_filters_keep_ascii_parentheses():
    """Qt parses "Name (*.csv *.xlsx)" itself: the pattern part must survive translation byte for byte."""
    cat = load(po_path(ZH))
    bad = []
    for m in entries(cat):
        match = _FILE_FILTER.search(ids(m)[0])
        if match and not strings(m)[0].endswith(" " + match.group(0)):
            bad.append(f"{_label(m)}: {strings(m)[0]!r} must end with ' {match.group(0)}'")
    assert not bad, _report(bad)


_CJK = r"[\u3400-\u9fff]"
_ASCII_PUNCT_NEXT_TO_CJK = re.compile(rf"{_CJK}[,;?!]|[,;?!]{_CJK}")
_ASCII_END_AFTER_CJK = re.compile(rf"{_CJK}[:.]\s*$")


def test_chinese_uses_full_width_punctuation():
    cat = load(po_path(ZH))
    bad = [f"{_label(m)}: {s!r}" for m in entries(cat) for s in strings(m)
           if _ASCII_PUNCT_NEXT_TO_CJK.search(s) or _ASCII_END_AFTER_CJK.search(s)]
    assert not bad, "use ，；？！：。 in Chinese text:\n" + _report(bad)


def test_chinese_uses_the_neutral_address():
    """The UI speaks in a neutral imperative (or 你), never the honorific 您."""
    cat = load(po_path(ZH))
    bad = [f"{_label(m)}: {s!r}" for m in entries(cat) for s in strings(m) if "您" in s]
    assert not bad, _report(bad)


# --- compiled catalogs ----------------------------------------------------------

def _messages(mo: gettext.GNUTranslations) -> dict:
    # _catalog holds every msgid -> msgstr of the .mo (plural keys are (msgid, n)); it has been
    # the GNUTranslations storage since Python 2. The header ("" key) carries dates only.
    return {k: v for k, v in mo._catalog.items() if k != ""}


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_mo_matches_the_po(locale):
    """The .mo is committed, so it must say exactly what compiling the .po says now."""
    path = mo_path(locale)
    assert path.is_file(), f"{path} is missing: run `pybabel compile -d i18n`"
    buf = io.BytesIO()
    write_mo(buf, load(po_path(locale)))
    buf.seek(0)
    fresh = gettext.GNUTranslations(buf)
    with path.open("rb") as fh:
        committed = gettext.GNUTranslations(fh)
    want, got = _messages(fresh), _messages(committed)
    changed = sorted(str(k) for k in set(want) | set(got) if want.get(k) != got.get(k))
    assert not changed, (f"{path.relative_to(ROOT)} is stale, run `pybabel compile -d i18n`; "
                         f"{len(changed)} differ, e.g. {changed[:10]}")
    assert [fresh.plural(n) for n in range(200)] == [committed.plural(n) for n in range(200)]


# --- the template is in step with the source ----------------------------------------

def test_template_lists_every_string_in_the_source(tmp_path):
    """Extract from the source exactly as `make i18n` does and compare with the committed messages.pot."""
    fresh_pot = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    for kw in EXTRACT_KEYWORDS:
        argv += ["-k", kw]
    argv += ["--no-location", "--sort-output", "--project=zhizao", "-o", str(fresh_pot), str(ROOT)]
    CommandLineInterface().run(argv)
    fresh = {key(m): m for m in entries(load(fresh_pot))}
    committed = {key(m): m for m in entries(load(POT))}
    new = sorted(str(k) for k in fresh.keys() - committed.keys())
    gone = sorted(str(k) for k in committed.keys() - fresh.keys())
    assert not new and not gone, (f"i18n/messages.pot is out of date, run the `make i18n` steps; "
                                  f"new in the source: {new[:20]}; no longer in the source: {gone[:20]}")
    flags = [str(k) for k, m in fresh.items() if m.flags != committed[k].flags]
    assert not flags, f"format flags changed for {flags[:20]}"


def test_makefile_extracts_with_the_same_keywords():
    """The extraction test above is only meaningful if it mirrors the Makefile."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    line = next(ln for ln in text.splitlines() if "pybabel extract" in ln)
    words = shlex.split(line)
    keywords = [words[i + 1] for i, w in enumerate(words) if w == "-k"]
    assert sorted(keywords) == sorted(EXTRACT_KEYWORDS)
    assert "babel.cfg" in words and "--no-location" in words


@pytest.mark.parametrize("locale", LOCALES)
def test_bundled_font_draws_every_translation(locale):
    """No box glyphs on screen or in PDFs: the bundled font subset covers every UI string."""
    from app.fonts import missing_characters

    cat = load(po_path(locale))
    # What the user sees: the translation, or the msgid where gettext falls back to it.
    shown = "".join("".join(strings(m)) if is_translated(m) else "".join(ids(m)) for m in entries(cat))
    for bold in (False, True):
        missing = missing_characters(shown, bold=bold)
        assert not missing, f"{locale}: the bundled font cannot draw {missing!r} (shown as boxes)"
