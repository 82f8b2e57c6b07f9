"""Each question type's widget, driven by the keyboard, gives the response the grader expects."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app import i18n
from app.courses.grading import draw_questions, grade_question, matching_right_order
from app.ui.trainee.quiz.question_arrange import FillBlankWidget, MatchingWidget, OrderingWidget
from app.ui.trainee.quiz.question_factory import make_question_widget
from app.ui.trainee.quiz.question_widgets import NumericWidget, parse_number
from app.ui.trainee.quiz.quiz_review import correct_text, response_text
from tests.ui.test_trainee_support import answer, install_fixture, type_text


@pytest.fixture
def quiz(ctx, tmp_path):
    return install_fixture(ctx, tmp_path).step("basics/quiz").quiz


class _Pane:
    """What ``answer`` needs: the widget."""

    def __init__(self, widget):
        self.widget = widget


def _show(qtbot, widget):
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


def _widget(qtbot, quiz, qtype, seed=5):
    q = next(q for q in draw_questions(quiz, seed) if q.type == qtype)
    order = matching_right_order(q, seed) if qtype == "matching" else None
    return _show(qtbot, make_question_widget(quiz.question(q.id), order or [o.id for o in getattr(q, "options", [])]))


@pytest.mark.parametrize("qtype", ["single", "multiple", "true_false", "numeric", "ordering", "matching",
                                   "fill_blank"])
@pytest.mark.parametrize("correct", [True, False])
def test_every_type_answers_right_and_wrong_from_the_keyboard(qtbot, qapp_ready, quiz, qtype, correct):
    w = _widget(qtbot, quiz, qtype)
    assert not w.answered()
    seen = []
    w.changed.connect(lambda: seen.append(1))
    answer(qtbot, _Pane(w), correct)
    assert seen, "answering must emit changed (it saves the draft)"
    assert w.answered()
    ok, points = grade_question(w.question, w.response())
    assert ok is correct and points == (w.question.points if correct else 0)
    # The response survives a draft round trip into a fresh widget with the same option order.
    again = _show(qtbot, make_question_widget(w.question, w.order))
    again.set_response(w.response())
    assert again.response() == w.response()
    assert response_text(w.question, w.response()) not in ("", "(no answer)")
    assert correct_text(w.question, "en")


def test_number_keys_choose_options_and_locking_stops_them(qtbot, qapp_ready, quiz):
    w = _widget(qtbot, quiz, "single")
    qtbot.keyClick(w, Qt.Key.Key_2)
    assert w.response() == w.order[1]
    assert w.buttons[w.order[1]].hasFocus()
    w.set_locked(True)
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert w.response() == w.order[1]
    assert not any(b.isEnabled() for b in w.buttons.values())
    qtbot.keyClick(w, Qt.Key.Key_9)  # no 9th option: ignored
    assert w.response() == w.order[1]


def test_multiple_toggles_with_number_keys(qtbot, qapp_ready, quiz):
    w = _widget(qtbot, quiz, "multiple")
    qtbot.keyClick(w, Qt.Key.Key_1)
    qtbot.keyClick(w, Qt.Key.Key_3)
    assert w.response() == [w.order[0], w.order[2]]
    qtbot.keyClick(w, Qt.Key.Key_1)
    assert w.response() == [w.order[2]]
    qtbot.keyClick(w, Qt.Key.Key_3)
    assert w.response() is None and not w.answered()


def test_numeric_accepts_comma_dot_and_full_width(qtbot, qapp_ready, quiz):
    w = _widget(qtbot, quiz, "numeric")
    assert isinstance(w, NumericWidget)
    assert w.unit.text() == "parts/h"
    qtbot.keyClicks(w.edit, "12,5")
    assert w.response() == 12.5
    w.edit.clear()
    qtbot.keyClicks(w.edit, "abc-3.25x")  # letters are refused by the validator as typed
    assert w.edit.text() == "-3.25" and w.response() == -3.25
    w.edit.clear()
    type_text(qtbot, w.edit, "１２０")  # a Chinese IME may commit full-width digits
    assert w.response() == 120.0
    assert grade_question(w.question, w.response())[0]
    assert parse_number("") is None and parse_number("-") is None and parse_number("1.") == 1.0


def test_ordering_moves_with_ctrl_arrows_and_buttons(qtbot, qapp_ready, quiz):
    w = _widget(qtbot, quiz, "ordering")
    assert isinstance(w, OrderingWidget)
    start = w.current_order()
    assert w.response() is None  # the shuffled start is not an answer yet
    w.list.setFocus()
    w.list.setCurrentRow(2)
    qtbot.keyClick(w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    moved = start[:1] + [start[2], start[1]] + start[3:]
    assert w.response() == moved and w.list.currentRow() == 1
    assert w.list.item(1).text().startswith("2.")
    qtbot.mouseClick(w.down_btn, Qt.MouseButton.LeftButton)
    assert w.response() == start
    qtbot.keyClick(w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # row 2 → 1 again
    qtbot.keyClick(w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(w.list, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)  # at the top: stays
    assert w.response()[0] == start[2]


def test_matching_shows_the_right_column_shuffled_and_keeps_choices_across_languages(qtbot, qapp_ready, quiz):
    w = _widget(qtbot, quiz, "matching")
    assert isinstance(w, MatchingWidget)
    q = w.question
    first = w.combos[q.pairs[0].id]
    shown = [first.itemData(i) for i in range(1, first.count())]
    assert sorted(shown) == sorted(p.id for p in q.pairs) and shown != [p.id for p in q.pairs]
    answer(qtbot, _Pane(w), True)
    chosen = w.response()
    i18n.set_locale("zh_CN")
    assert w.response() == chosen  # retranslating keeps what was chosen
    assert first.currentText() == q.pairs[0].right["zh_CN"]
    assert w.left_labels[q.pairs[0].id].text() == q.pairs[0].left["zh_CN"]


def test_fill_blank_puts_the_box_in_the_sentence_and_takes_chinese(qtbot, qapp_ready, quiz):
    i18n.set_locale("zh_CN")
    w = _widget(qtbot, quiz, "fill_blank")
    assert isinstance(w, FillBlankWidget)
    words = [w.flow.itemAt(i).widget() for i in range(w.flow.count())]
    assert any(isinstance(x, QLineEdit) for x in words)
    edit_at = words.index(w.edit)
    assert 0 < edit_at < len(words) - 1  # text before and after the box
    assert "".join(x.text() for x in words if x is not w.edit).replace("\u00a0", " ") == \
        w.question.prompt["zh_CN"].replace("___", "")
    type_text(qtbot, w.edit, "合格品率")
    assert w.response() == "合格品率" and grade_question(w.question, w.response())[0]
    # The box stays on the sentence's line and the words wrap around it in a narrow window.
    w.resize(260, 300)
    qtbot.wait(10)
    assert w.flow_host.height() >= w.flow.heightForWidth(w.flow_host.width())


def test_long_option_text_wraps_instead_of_widening_the_page(qtbot, qapp_ready, quiz):
    q = quiz.question("q-single")
    long_text = {"en": "A very long option that keeps going " * 8, "zh_CN": "很长的选项" * 30}
    q = q.model_copy(update={"options": [q.options[0].model_copy(update={"text": long_text}), *q.options[1:]]})
    w = _show(qtbot, make_question_widget(q))
    w.resize(420, 500)
    qtbot.wait(10)
    assert w.minimumSizeHint().width() < 420
    label = w.labels[q.options[0].id]
    assert label.height() > 2 * label.fontMetrics().height()  # wrapped onto several lines
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)  # clicking the text chooses the option
    assert w.response() == q.options[0].id


def test_matching_counts_as_answered_only_when_complete_and_shows_long_answers_whole(qtbot, qapp_ready, quiz):
    """Review #26: "Answered" counted 1 of 4 pairs; a long chosen answer was cut in the closed drop-down."""
    q = quiz.question(next(q.id for q in quiz.questions if q.type == "matching"))
    long_right = {"en": "The operator walks closer and the robot slows down to the collaborative speed",
                  "zh_CN": "操作人员靠近时机器人降到协作速度" * 4}
    pairs = [q.pairs[0].model_copy(update={"right": long_right}), *q.pairs[1:]]
    q = q.model_copy(update={"pairs": pairs})
    w = _show(qtbot, make_question_widget(q, [p.id for p in q.pairs]))
    w.resize(600, 400)
    first = w.combos[q.pairs[0].id]
    first.setCurrentIndex(first.findData(q.pairs[0].id))
    qtbot.wait(10)
    assert w.response() and not w.answered()  # one pair of several: not answered yet
    chosen = w.chosen_labels[q.pairs[0].id]
    assert chosen.isVisible() and chosen.text() == long_right["en"]  # shown whole, wrapped
    assert first.view().minimumWidth() > first.fontMetrics().horizontalAdvance(long_right["en"])
    for pair in q.pairs[1:]:
        combo = w.combos[pair.id]
        combo.setCurrentIndex(combo.findData(pair.id))
    assert w.answered()
    short = w.chosen_labels[q.pairs[1].id]
    assert not short.isVisible()  # a short answer fits the drop-down: no second copy
