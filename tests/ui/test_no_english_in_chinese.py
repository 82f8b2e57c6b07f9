"""No English in the Chinese UI (review #23, issue 17): every page walked in Chinese — set-up, login, the
trainee's catalog, course, lesson, quiz, practical and every lab kind, My progress, settings, help; the
instructor's and the administrator's workspace tabs — shows no interface text that is an English msgid
left untranslated, and no English sentence that never went through the catalog.

A msgid whose Chinese is waiting in a helper's fragment (i18n/zh_CN/fragments/*.po, merged by the lead)
counts as translated, also as it is shown: without its & mnemonic and with its {placeholders} filled in.
What was found and is not ours to fix is listed in ``KNOWN`` with its owner.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTabBar,
    QTabWidget,
    QWidget,
)

from app import i18n
from tests.ui.conftest import login
from tests.ui.test_trainee_support import install_fixture

ROOT = Path(__file__).resolve().parents[2]

# Words that are the same in Chinese technical text: names, units, standards, symbols.
ALLOWED = {
    "OEE", "MTBF", "MTTR", "RUL", "TCP", "PLC", "ISO", "EWMA", "FFT", "CSV", "PDF", "PNG", "XLSX", "QR", "A+", "A−",
    "Zhizao Academy", "English", "简体中文", "OK", "ID", "p", "D", "No.", "X", "Y", "Z", "Hz", "mm", "s", "h",
    "GRIP", "RELEASE", "MOVEJ", "MOVEL", "DI", "DO", "T1", "T2", "AUTO", "PM", "PdM",
}

# Found by this test and owned by another helper: text → who and why; remove when fixed.
KNOWN: dict[str, str] = {}


def _po(path: Path):
    with path.open("rb") as fh:
        return read_po(fh, locale="zh_CN" if "zh_CN" in str(path) else None)


def _text(mid) -> str:
    return mid[0] if isinstance(mid, tuple) else mid


def _catalogs() -> tuple[set[str], set[str]]:
    """(English msgids the app knows, msgids that have Chinese in the catalog or a waiting fragment)."""
    english = {_text(m.id) for m in _po(ROOT / "i18n" / "messages.pot") if m.id}
    translated = set()
    sources = [ROOT / "i18n" / "zh_CN" / "LC_MESSAGES" / "messages.po",
               *sorted((ROOT / "i18n" / "zh_CN" / "fragments").glob("*.po"))]
    for path in sources:
        for m in _po(path):
            if not m.id:
                continue
            english.add(_text(m.id))
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            if any(s for s in strings):
                translated.add(_text(m.id))
    return english, translated


ENGLISH, TRANSLATED = _catalogs()
CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z]{3,}")


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")
    text = html.unescape(text).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return " ".join(text.split())


def _as_shown(msgid: str) -> re.Pattern | None:
    """A msgid as the screen shows it (no & mnemonic, any value in a {placeholder}); None when its own
    words are too few to tell it from other text (``{label}:``)."""
    parts = re.split(r"\{\w*\}", _clean(msgid))
    if len(WORD.findall(" ".join(parts))) < 2:
        return None
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


@cache
def _shown_translated() -> list[re.Pattern]:
    """Made when first needed, not at collection (every xdist worker collects every file)."""
    return [p for m in TRANSLATED if ("&" in m or "{" in m) and (p := _as_shown(m)) is not None]


def _translated_as_shown(text: str) -> bool:
    return any(p.fullmatch(text) for p in _shown_translated())


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) of what a user reads on ``root`` now: labels, buttons, tabs, group boxes, headers."""
    out: list[tuple[str, str]] = []

    def add(w: QWidget, text: str) -> None:
        text = _clean(text)
        if text:
            out.append((f"{type(w).__name__}({w.objectName()})", text))

    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLabel):
            add(w, w.text())
        elif isinstance(w, QAbstractButton):
            add(w, w.text())
            add(w, w.toolTip())
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w, w.tabText(i))
        elif isinstance(w, QGroupBox):
            add(w, w.title())
        elif isinstance(w, QLineEdit):
            add(w, w.placeholderText())
        elif isinstance(w, QComboBox) and not w.isEditable():
            add(w, w.currentText())
        elif isinstance(w, QHeaderView) and w.model() is not None:
            count = w.count()
            for section in range(count):
                if not w.isSectionHidden(section):
                    add(w, str(w.model().headerData(section, w.orientation(), Qt.ItemDataRole.DisplayRole) or ""))
        if w.isWindow():
            add(w, w.windowTitle())
    return out


def english_left(texts: list[tuple[str, str]]) -> list[str]:
    """What is English in the Chinese UI: an untranslated msgid, or an English sentence with no Chinese."""
    bad = []
    for where, text in texts:
        if CJK.search(text) or text in ALLOWED or text in KNOWN:
            continue
        bare = text.rstrip(":：…").strip()
        if text in ENGLISH or bare in ENGLISH:
            if text not in TRANSLATED and bare not in TRANSLATED:
                bad.append(f"{where}: {text!r} (msgid without Chinese)")
            continue
        words = [w for w in WORD.findall(text) if w not in ALLOWED]
        if len(words) >= 2 and not re.search(r"[/\\._]\w|\w\(|\d", text) and not _translated_as_shown(text):
            bad.append(f"{where}: {text!r} (English, not from the catalog)")
    return sorted(set(bad))


def walk(root: QWidget, found: list[str]) -> None:
    """Look at ``root`` and at every tab of every tab widget in it (tab by tab, as a user would)."""
    QApplication.processEvents()
    found += english_left(visible_texts(root))
    for tabs in root.findChildren(QTabWidget):
        if not tabs.isVisible():
            continue
        start = tabs.currentIndex()
        for i in range(tabs.count()):
            tabs.setCurrentIndex(i)
            QApplication.processEvents()
            found += english_left(visible_texts(tabs.widget(i)))
        tabs.setCurrentIndex(start)


def test_the_checker_finds_english(qtbot, qapp_ready):
    i18n.set_locale("zh_CN")
    host = QWidget()
    qtbot.addWidget(host)
    from PySide6.QtWidgets import QPushButton, QVBoxLayout

    lay = QVBoxLayout(host)
    for text in ("Log in", "保存", "OEE", "Press this button to start", "cycle_time_s 21.6", "ISO 10816-3"):
        lay.addWidget(QLabel(text))
    lay.addWidget(QPushButton("&Cancel"))
    host.show()
    found = english_left(visible_texts(host))
    assert any("'Press this button to start'" in f for f in found)
    assert not any("Log in" in f or "OEE" in f or "保存" in f or "cycle_time_s" in f or "ISO" in f for f in found)
    assert "Log in" in TRANSLATED and "Log in" in ENGLISH
    # A translated msgid as shown (mnemonic gone, placeholder filled) is not English left over; others are.
    assert "It may &change:" in TRANSLATED and "Hide the list of steps ({key})" in TRANSLATED
    shown = [("QLabel", "It may change:"), ("QToolButton", "Hide the list of steps (Ctrl+B)"),
             ("QLabel", "It may change nothing:"), ("QLabel", "Hide the list of steps")]
    assert english_left(shown) == ["QLabel: 'Hide the list of steps' (English, not from the catalog)",
                                   "QLabel: 'It may change nothing:' (English, not from the catalog)"]


def test_set_up_page_in_chinese(qtbot, window):
    i18n.set_locale("zh_CN")
    found: list[str] = []
    walk(window, found)
    assert not found, "\n".join(sorted(set(found)))


def test_every_trainee_page_in_chinese(qtbot, window, ctx, trainee, tmp_path):
    from tests.ui.test_labs_layout import bundled_labs

    labs = bundled_labs(ctx)  # the bundled labs, before the library is the fixture's alone
    i18n.set_locale("zh_CN")
    window.show_login()
    found: list[str] = []
    walk(window, found)  # the login page
    login(qtbot, window, "zhangwei", "trainee-pass")
    shell = window.shell
    catalog = shell.show_page("catalog")
    qtbot.waitUntil(lambda: bool(catalog.cards), timeout=20000)
    walk(window, found)  # the catalog with the first-steps tour
    for course_id, key in labs.values():
        view = catalog.show_course(course_id, key)
        qtbot.wait(50)
        walk(window, found)
    install_fixture(ctx, tmp_path)
    catalog.close_course()
    catalog.reload()
    view = catalog.show_course("fixture-mini")
    for key in ("basics/lesson", "basics/quiz", "line/practical"):
        view.open_step(key)
        walk(window, found)
    quiz = view.open_step("basics/quiz")
    quiz.start_btn.click()
    walk(window, found)  # a question
    catalog.close_course()
    for key in ("progress", "settings"):
        shell.show_page(key)
        walk(window, found)
    walk(window.open_guide("trainee"), found)
    walk(window.open_first_steps(), found)
    walk(window.open_verify(), found)
    assert not found, "\n".join(sorted(set(found)))


@pytest.mark.parametrize("who", ["instructor", "admin"])
def test_every_staff_page_in_chinese(qtbot, window, ctx, instructor, who):
    i18n.set_locale("zh_CN")
    login(qtbot, window, "teacher" if who == "instructor" else "admin",
          "teach-pass" if who == "instructor" else "admin-pass")
    found: list[str] = []
    for key in window.shell.page_keys():
        window.shell.show_page(key)
        qtbot.wait(50)
        walk(window, found)
    assert not found, "\n".join(sorted(set(found)))


def test_cli_help_speaks_the_cli_language(capsys, monkeypatch):
    """argparse's own words go through the catalog (the marker shows each one was looked up)."""
    from app.cli import main as cli

    monkeypatch.setenv("ZHIZAO_LANG", "zh_CN")
    monkeypatch.setattr(cli, "pgettext", lambda ctx, msg: f"〔{msg}〕")
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for word in ("usage: ", "options", "show this help message and exit", "show program's version number and exit"):
        assert f"〔{word}〕" in out, word
    with pytest.raises(SystemExit):
        cli.main(["--no-such-option"])
    assert "〔unrecognized arguments: --no-such-option〕" in capsys.readouterr().err
    monkeypatch.undo()
    import argparse

    cli.translate_argparse()
    assert argparse._("options") == i18n.pgettext("argparse", "options")
