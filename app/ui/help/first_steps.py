"""First steps: a short tour of what a course, a lab and a certificate are, card by card.

On a trainee's first login the tour sits at the top of the catalog (``FirstStepsCards``); it never
covers the page and never blocks it. Help → First steps shows it again in a dialog. Skipping or
finishing it stores, per user, that it was seen (``FIRST_STEPS_PREF``).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)

FIRST_STEPS_PREF = "first_steps_seen"

# (title, text) of each card; translated when shown, so a language switch re-renders them.
CARDS: tuple[tuple[str, str], ...] = (
    (N_("Welcome to Zhizao Academy"),
     N_("Here you learn the skills of a smart factory: operating and programming industrial robots, and "
        "predictive maintenance. This short tour shows what a course, a lab and a certificate are.")),
    (N_("A course"),
     N_("A course is a path of modules. Each module has steps: lessons to read, quizzes that check what you "
        "learned, labs in a simulator and practicals on real equipment. Open a course in the catalog with "
        "“Enroll and start”; “Continue ▶” always takes you to the next step you have not finished.")),
    (N_("A lab"),
     N_("In a lab you set up a simulated production line, a maintenance plan or a robot program, and watch "
        "it run in the preview. “Submit for grading” runs the lab's own test: the same settings always get "
        "the same grade, and your best result counts.")),
    (N_("A certificate"),
     N_("When you meet a course's passing rules, a signed certificate is issued at once. You find it under "
        "“My progress” → “Certificates”, where you can open, save and print it. An employer can check it "
        "from the paper alone.")),
    (N_("Help is always here"),
     N_("Help → User guide explains every screen, and F1 opens the part about the screen you are on. Your "
        "work is saved as you go: when the screen locks while you are away, you continue where you left "
        "off. Help → First steps shows this tour again.")),
)


class FirstStepsCards(QFrame):
    """The tour's cards with Back, Skip and Next; ``finished`` when skipped or done."""

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstSteps")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.index = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 12)
        head = QHBoxLayout()
        self.title = QLabel(objectName="firstStepsTitle", wordWrap=True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.counter = QLabel(objectName="firstStepsCounter")
        head.addWidget(self.title, 1)
        head.addWidget(self.counter, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(head)
        self.text = QLabel(objectName="firstStepsText", wordWrap=True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.text)
        row = QHBoxLayout()
        self.skip_btn = QPushButton(objectName="firstStepsSkip")
        self.skip_btn.clicked.connect(self.finish)
        self.back_btn = QPushButton(objectName="firstStepsBack")
        self.back_btn.clicked.connect(self.back)
        self.next_btn = QPushButton(objectName="firstStepsNext")
        self.next_btn.setProperty("primary", True)
        self.next_btn.clicked.connect(self.next)
        row.addWidget(self.skip_btn)
        row.addStretch(1)
        row.addWidget(self.back_btn)
        row.addWidget(self.next_btn)
        lay.addLayout(row)
        on_language_changed(self, self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        title, text = CARDS[self.index]
        self.title.setText(_(title))
        self.text.setText(_(text))
        self.counter.setText(_("{n} of {total}").format(n=self.index + 1, total=len(CARDS)))
        self.skip_btn.setText(_("Skip the tour"))
        self.back_btn.setText(_("◀ Back"))
        last = self.index == len(CARDS) - 1
        self.next_btn.setText(_("Start learning") if last else _("Next ▶"))
        self.back_btn.setEnabled(self.index > 0)
        self.setAccessibleName(_("First steps"))

    def show_card(self, index: int) -> None:
        self.index = max(0, min(len(CARDS) - 1, index))
        self.retranslate()
        self.next_btn.setFocus()

    def next(self) -> None:
        if self.index == len(CARDS) - 1:
            self.finish()
        else:
            self.show_card(self.index + 1)

    def back(self) -> None:
        self.show_card(self.index - 1)

    def finish(self) -> None:
        self.finished.emit()

    def keyPressEvent(self, event) -> None:
        # Outside a dialog Enter does not press a button: Enter goes on, Esc skips.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            focused = self.focusWidget()
            (focused if isinstance(focused, QPushButton) and self.isAncestorOf(focused) else self.next_btn).click()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.finish()
            return
        super().keyPressEvent(event)


class FirstStepsDialog(QDialog):
    """Help → First steps: the same cards in a small window."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstStepsDialog")
        self.setModal(False)
        self.cards = FirstStepsCards(self)
        lay = QVBoxLayout(self)
        lay.addWidget(self.cards)
        self.cards.finished.connect(self.accept)
        self.resize(560, 260)
        on_language_changed(self, self.retranslate)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("First steps"))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.cards.next_btn.setFocus()


def mark_seen(ctx, actor) -> None:
    """Remember that ``actor`` saw the tour (nothing to remember on a read-only store)."""
    if actor is None or ctx is None or ctx.store.readonly:
        return
    try:
        ctx.accounts.set_preference(actor, FIRST_STEPS_PREF, "1")
    except Exception:  # the tour shows again next time; nothing else depends on it
        log.exception("storing that the first steps were seen failed")


def should_show(ctx, actor) -> bool:
    """A trainee who has not seen the tour yet."""
    if actor is None or actor.is_staff:
        return False
    try:
        return ctx.accounts.get_preference(actor, FIRST_STEPS_PREF) != "1"
    except Exception:  # better no tour than no catalog
        log.exception("reading the first-steps preference failed")
        return False
