"""The dashboard's retention tab (issue 19): spaced review of the chosen class and course.

Figures come from :meth:`app.services.review.ReviewService.retention`, computed in the
background; the tab only formats them.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from app.i18n import _, format_number, format_percent
from app.services.review import RECALL_WINDOW_DAYS, Retention
from app.ui.common.background import run_in_background
from app.ui.common.qt_i18n import on_language_changed

DASH = "—"


class RetentionTab(QWidget):
    """Cards, cards due now and the recall rate of the last 30 days for the class and course shown."""

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionTab")
        self.ctx, self.actor = ctx, actor
        self.retention: Retention | None = None
        self.error: str | None = None
        self._ticket = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        self.note = QLabel(objectName="subtitle", wordWrap=True)
        lay.addWidget(self.note)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for key in ("trainees", "cards", "due", "reviews", "recall"):
            self.labels[key] = QLabel()
            self.values[key] = QLabel(objectName=f"retention_{key}")
            form.addRow(self.labels[key], self.values[key])
        lay.addLayout(form)
        lay.addStretch(1)
        on_language_changed(self, self.retranslate)

    def load(self, cohort_id: str | None, course) -> None:
        """Compute the figures for ``course`` (None: nothing) and the class ``cohort_id`` (None: everyone)."""
        self._ticket += 1
        ticket = self._ticket
        self.retention, self.error = None, None
        if course is None:
            self.render()
            return
        review, actor = self.ctx.review, self.actor

        def done(figures: Retention) -> None:
            if shiboken6.isValid(self) and ticket == self._ticket:
                self.retention = figures
                self.render()

        def failed(exc: Exception) -> None:
            if shiboken6.isValid(self) and ticket == self._ticket:
                self.error = str(exc)
                self.render()

        run_in_background(lambda: review.retention(actor, course.id, cohort_id), done, failed)

    def retranslate(self) -> None:
        self.note.setText(_("Spaced review: cards come from the questions trainees missed and from the course "
                            "glossary. The recall rate is the share of reviews in the last {days} days answered "
                            "Hard, Good or Easy (not Again).").format(days=RECALL_WINDOW_DAYS))
        self.labels["trainees"].setText(_("Trainees:"))
        self.labels["cards"].setText(_("Review cards:"))
        self.labels["due"].setText(_("Cards due now:"))
        self.labels["reviews"].setText(_("Reviews in the last {days} days:").format(days=RECALL_WINDOW_DAYS))
        self.labels["recall"].setText(_("Recall rate:"))
        self.render()

    def render(self) -> None:
        r = self.retention
        if r is None:
            for value in self.values.values():
                value.setText(self.error and _("Not available: {error}").format(error=self.error) or DASH)
            return
        self.values["trainees"].setText(format_number(r.trainees))
        self.values["cards"].setText(format_number(r.cards))
        self.values["due"].setText(format_number(r.due))
        self.values["reviews"].setText(format_number(r.reviews))
        self.values["recall"].setText(DASH if r.recall_rate is None else format_percent(r.recall_rate))
