"""Review: today's spaced-review cards (missed questions, glossary terms), one at a time (issue 19).

The page shows a card's front, then its answer on "Show answer", then the four FSRS ratings;
the service stores the answer and schedules the card (app/services/review.py). The navigation
item carries the number of cards due (``title``); the page re-counts when shown, after each
answer and once a minute (cards in their learning steps come back within minutes).
"""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app import i18n
from app.i18n import _, format_datetime, ngettext
from app.services.review import QUESTION, DueCard
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed
from app.ui.trainee.quiz.quiz_review import correct_text

RECOUNT_MS = 60_000
# (rating, object name, shortcut key); the labels are translated in retranslate.
RATINGS = ((1, "rateAgain", "1"), (2, "rateHard", "2"), (3, "rateGood", "3"), (4, "rateEasy", "4"))


def _other_locale(locale: str, texts: dict[str, str]) -> str:
    return next((t for loc, t in texts.items() if loc != locale and t), "")


class ReviewPage(Page):
    key = "review"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        self._cards: list[DueCard] = []
        self._revealed = False
        self._shown_at = time.monotonic()
        lay = self.page_layout(summary=True)

        self.card = QFrame(objectName="reviewCard")
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        self.card.setStyleSheet("#reviewCard { background: palette(base); border-radius: 6px; }")
        cl = QVBoxLayout(self.card)
        cl.setContentsMargins(20, 16, 20, 16)
        self.origin = QLabel(objectName="reviewOrigin", wordWrap=True)
        self.origin.setStyleSheet("color: palette(placeholder-text);")
        cl.addWidget(self.origin)
        self.front = QLabel(objectName="reviewFront", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.front.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cl.addWidget(self.front)
        self.back = QLabel(objectName="reviewBack", wordWrap=True, textFormat=Qt.TextFormat.RichText)
        self.back.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        cl.addWidget(self.back)
        cl.addStretch(1)
        lay.addWidget(self.card, 1)

        row = QHBoxLayout()
        row.addStretch(1)
        self.show_btn = QPushButton(objectName="showAnswer")
        self.show_btn.clicked.connect(self.reveal)
        row.addWidget(self.show_btn)
        self.rate_btns: dict[int, QPushButton] = {}
        for rating, name, key in RATINGS:
            btn = QPushButton(objectName=name)
            btn.clicked.connect(lambda _c=False, r=rating: self.rate(r))
            row.addWidget(btn)
            self.rate_btns[rating] = btn
            QShortcut(QKeySequence(key), self, activated=lambda r=rating: self.rate(r) if self._revealed else None)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self.reveal)
        row.addStretch(1)
        lay.addLayout(row)

        self.empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        self.empty.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # so Ctrl+3 lands in the page even with no card
        lay.addWidget(self.empty, 1)

        self._timer = QTimer(self, interval=RECOUNT_MS)
        self._timer.timeout.connect(self._recount)
        self._timer.start()
        on_language_changed(self, self.retranslate)
        self.reload()

    # --- data ----------------------------------------------------------------------------------

    @property
    def due(self) -> int:
        return len(self._cards)

    def title(self) -> str:
        if self._cards:
            return _("Review ({n})").format(n=len(self._cards))
        return _("Review")

    def activated(self) -> None:
        self.reload()

    def focus_first(self) -> bool:
        """Show answer, Good once the answer shows, or the "nothing to review" note."""
        for w in (self.show_btn, self.rate_btns[3], self.empty):
            if w.isVisibleTo(self):
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return False

    def reload(self) -> None:
        """Fetch today's due cards and show the first."""
        self._cards = self.ctx.review.due_cards(self.actor)
        self._revealed = False
        self._shown_at = time.monotonic()
        self.render()
        self.title_changed.emit()

    def _recount(self) -> None:
        # Keep a half-answered card on screen; only pick up cards that came due meanwhile.
        if not self._revealed and self.isVisible():
            self.reload()
        elif not self.isVisible():
            self._cards = self.ctx.review.due_cards(self.actor)
            self.title_changed.emit()

    def reveal(self) -> None:
        if self._cards and not self._revealed:
            self._revealed = True
            self.render()
            self.rate_btns[3].setFocus()

    def rate(self, rating: int) -> None:
        if not self._cards or not self._revealed:
            return
        card = self._cards[0]
        try:
            self.ctx.review.answer(self.actor, card.id, rating,
                                   duration_ms=int((time.monotonic() - self._shown_at) * 1000))
        except ValueError as exc:  # ServiceError: the card is gone (a refresh fixes it)
            messages.warn(self, _("Review"), messages.error_text(exc))
        self.reload()
        if self._cards:
            self.show_btn.setFocus()

    # --- rendering -----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.heading.setText(_("Review"))
        self.show_btn.setText(_("Show answer"))
        labels = {1: _("Again"), 2: _("Hard"), 3: _("Good"), 4: _("Easy")}
        tips = {1: _("I did not remember it: see it again in a few minutes"),
                2: _("I remembered it with difficulty"), 3: _("I remembered it"),
                4: _("I remembered it at once: wait longer before the next review")}
        for rating, btn in self.rate_btns.items():
            btn.setText(_("{label} ({key})").format(label=labels[rating], key=rating))
            btn.setToolTip(tips[rating])
        self.render()
        self.title_changed.emit()

    def render(self) -> None:
        n = len(self._cards)
        has = n > 0
        self.card.setVisible(has)
        self.empty.setVisible(not has)
        self.show_btn.setVisible(has and not self._revealed)
        for btn in self.rate_btns.values():
            btn.setVisible(has and self._revealed)
        if not has:
            self.summary.setText(_("Cards come from the questions you missed in quizzes and from the glossary "
                                   "of the courses you are enrolled in."))
            nxt = self.ctx.review.next_due(self.actor)
            text = _("Nothing to review now. Well done!")
            if nxt is not None:
                text += "\n" + _("The next card is due {when}.").format(when=format_datetime(nxt.astimezone()))
            self.empty.setText(text)
            return
        self.summary.setText(ngettext("{n} card to review today.", "{n} cards to review today.", n).format(n=n))
        card = self._cards[0]
        course = content_text(card.course_title)
        if card.source == QUESTION:
            kind = _("A question you missed")
            front = html.escape(content_text(card.question.prompt))
        else:
            kind = _("Glossary term")
            front = html.escape(content_text(card.term.term))
        self.origin.setText(_("{kind} · {course}").format(kind=kind, course=course) if not card.new else
                            _("{kind} · {course} · new").format(kind=kind, course=course))
        self.front.setText(f"<p style='font-size:15pt'><b>{front}</b></p>")
        self.back.setVisible(self._revealed)
        if self._revealed:
            self.back.setText(self._answer_html(card))

    def _answer_html(self, card: DueCard) -> str:
        locale = i18n.current_locale()
        if card.source == QUESTION:
            q = card.question
            parts = [html.escape(_("Correct answer: {answer}").format(answer=correct_text(q, locale)))
                     .replace("\n", "<br>")]
            if q.explanation:
                parts.append(html.escape(content_text(q.explanation)))
        else:
            entry = card.term
            parts = []
            other = _other_locale(locale, entry.term)
            if other:
                parts.append(f"<b>{html.escape(other)}</b>")
            parts.append(html.escape(content_text(entry.definition)))
            if entry.aliases:
                parts.append(html.escape(_("Also: {names}").format(names=", ".join(entry.aliases))))
        return "<hr>" + "".join(f"<p>{p}</p>" for p in parts)
