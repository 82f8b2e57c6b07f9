"""Helpers shared by the trainee GUI tests (no tests here): the fixture course and answering questions
through the real widgets with the keyboard."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from ruamel.yaml import YAML

from app.courses.library import CourseLibrary
from app.paths import courses_dir
from tests.ui.conftest import login, type_text

FIXTURE_ID = "fixture-mini"
FIXTURE_DIR = courses_dir() / "_fixture-mini"


def install_fixture(ctx, tmp_path: Path):
    """Give ``ctx`` a library holding just the fixture course (a copy, so tests may not alter the original)."""
    bundled = tmp_path / "bundled"
    bundled.mkdir(exist_ok=True)
    target = bundled / FIXTURE_ID
    if not target.exists():
        shutil.copytree(FIXTURE_DIR, target)
    ctx._library = CourseLibrary(bundled, None, tmp_path / "course-cache")
    return ctx.library.get(FIXTURE_ID)


def login_trainee(qtbot, window) -> None:
    window.show_login()
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell is not None


def open_fixture(qtbot, window):
    """Click the fixture's card in the catalog; returns the course view."""
    catalog = window.shell.show_page("catalog")
    card = catalog.card(FIXTURE_ID)
    assert card is not None and card.button.isEnabled()
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    assert catalog.course_view is not None
    return catalog.course_view


def known_good(lab_yaml: Path) -> dict:
    """The ``# known-good: {...}`` settings written at the top of a lab.yaml."""
    for line in lab_yaml.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*known-good:\s*(\{.*?\})", line)
        if m:
            return dict(YAML(typ="safe").load(m.group(1)))
    raise AssertionError(f"no known-good comment in {lab_yaml}")


# --- answering through the widgets -------------------------------------------------------------

def key(qtbot, widget, k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(widget, k, modifier)


def _digit(n: int):
    return getattr(Qt.Key, f"Key_{n}")


def answer(qtbot, pane, correct: bool) -> None:
    """Answer the question in ``pane`` like a trainee at the keyboard, rightly or wrongly."""
    w = pane.widget
    q = w.question
    t = q.type
    if t == "single":
        order = w.order
        target = q.answer if correct else next(o for o in order if o != q.answer)
        key(qtbot, w, _digit(order.index(target) + 1))
    elif t == "multiple":
        order = w.order
        targets = q.answer if correct else q.answer[:1]
        if not correct and len(q.answer) == 1:
            targets = [next(o for o in order if o not in q.answer)]
        for oid in targets:
            key(qtbot, w, _digit(order.index(oid) + 1))
    elif t == "true_false":
        value = q.answer if correct else not q.answer
        key(qtbot, w, Qt.Key.Key_1 if value else Qt.Key.Key_2)
    elif t == "numeric":
        value = q.answer if correct else q.answer + q.tolerance + 7
        text = (f"{value:g}").replace(".", ",")  # the comma decimal a trainee may type
        qtbot.keyClicks(w.edit, text)
    elif t == "ordering":
        target = list(q.answer)
        if not correct:
            target = target[1:] + target[:1]
        for pos, oid in enumerate(target):
            row = w.current_order().index(oid)
            key(qtbot, w, _digit(row + 1))
            for _ in range(row - pos):
                key(qtbot, w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
        if not w.answered():  # already in the wanted order: one move and back marks it answered
            key(qtbot, w.list, Qt.Key.Key_Down, Qt.KeyboardModifier.ControlModifier)
            key(qtbot, w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    elif t == "matching":
        ids = [p.id for p in q.pairs]
        for i, pair in enumerate(q.pairs):
            want = pair.id if correct else ids[(i + 1) % len(ids)]
            combo = w.combos[pair.id]
            combo.setFocus()
            steps = combo.findData(want) - combo.currentIndex()
            for _ in range(steps):
                key(qtbot, combo, Qt.Key.Key_Down)
            assert combo.currentData() == want
    elif t == "fill_blank":
        from app import i18n

        accepted = q.accepted.get(i18n.current_locale()) or next(iter(q.accepted.values()))
        type_text(qtbot, w.edit, accepted[0] if correct else "不对 wrong")
    else:  # pragma: no cover - a new question type needs a line here
        raise AssertionError(f"unknown question type {t}")


def press_enter(qtbot, quiz_view) -> None:
    target = quiz_view.focusWidget() or quiz_view
    qtbot.keyClick(target, Qt.Key.Key_Return)
