"""The dashboard's tabs: progress over time and trainees at risk, quizzes, labs, time on task, trainees.

Each tab gets the whole :class:`~app.services.dashboard_queries.Dashboard` and
the course, and redraws from them; nothing here queries the store.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSplitter, QVBoxLayout, QWidget

from app.i18n import _, format_date, format_decimal, format_duration, format_percent, ngettext, pgettext
from app.services.dashboard_queries import Dashboard, ItemRow, LabMetricStats, MetricValue, StepTime
from app.services.reports import AtRisk, ReportRow
from app.ui.common.content import content_text
from app.ui.common.table_model import Column, RowsModel, make_view, wrap_rows
from app.ui.instructor.dashboard.charts import CompletionChart, ItemScatter, LabMetricChart, ScoreHistogram, TimeChart
from app.ui.instructor.dashboard.section import Section
from app.ui.labs.panels import format_metric, metric_label

DASH = "—"


def joined(parts) -> str:
    """Items of a list in one cell, with the language's separator (Chinese uses a full-width ；)."""
    # Translators: the separator between items listed in one table cell.
    return pgettext("list separator", "; ").join(parts)


def pct(value: float | None) -> str:
    return DASH if value is None else format_percent(value)


def local_day(when: dt.datetime | None) -> dt.date | None:
    return when.astimezone().date() if when is not None else None


def day_text(day: dt.date | None) -> str:
    return format_date(day, "medium") if day is not None else DASH


def minutes(seconds: float | None) -> float | None:
    return round(seconds / 60, 1) if seconds is not None else None


def duration_text(seconds: float | None) -> str:
    return format_duration(seconds) if seconds else DASH


def step_title(course, key: str) -> str:
    step = course.step(key) if course is not None else None
    return content_text(step.title) if step is not None else key


class Tab(QWidget):
    """Base: a list of sections to retranslate and export, and a trainee to open."""

    open_trainee = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sections: list[Section] = []
        self.board: Dashboard | None = None
        self.course = None

    def picker_bar(self, lay: QVBoxLayout, object_name: str, min_chars: int, on_change: Callable[[], None]) -> None:
        """The "choose a quiz/objective" row: ``pick_label``, ``pick`` and ``summary``."""
        bar = QHBoxLayout()
        self.pick_label = QLabel(self)
        self.pick = QComboBox(self, objectName=object_name)
        self.pick.setMinimumContentsLength(min_chars)
        self.pick.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.pick.currentIndexChanged.connect(lambda _i: on_change())
        self.summary = QLabel(self, objectName="subtitle")
        bar.addWidget(self.pick_label)
        bar.addWidget(self.pick)
        bar.addSpacing(12)
        bar.addWidget(self.summary, 1)
        lay.addLayout(bar)

    def section(self, parent: QWidget, name: str, title: Callable[[], str], content: Callable[[QWidget], QWidget],
                model: RowsModel | None = None) -> Section:
        """A section made in ``parent`` (the splitter or tab it goes in), its ``content(section)`` in it."""
        sec = Section(name, title, content, model, parent)
        self.sections.append(sec)
        return sec

    def table(self, parent: QWidget, name: str, columns: Sequence[Column], title: Callable[[], str],
              tone: Callable[[Any], str | None] | None = None, opens_trainee: bool = False) -> Section:
        model = RowsModel(columns, tone, self)
        sec = self.section(parent, name + "Section", title, lambda sec: make_view(model, name, sec), model)
        view = sec.view = sec.content
        if opens_trainee:
            # activated: a double-click (or the platform's single click) or Enter on the row.
            view.activated.connect(lambda idx: self.open_trainee.emit(model.rows[idx.row()].user_id))
        return sec

    def show_board(self, board: Dashboard, course) -> None:
        self.board, self.course = board, course
        self.fill()

    def fill(self) -> None:
        raise NotImplementedError

    def retranslate(self) -> None:
        for sec in self.sections:
            sec.retranslate()


def trainee_columns() -> list[Column]:
    return [Column(lambda: _("Trainee"), lambda r: r.display_name),
            Column(lambda: _("Login"), lambda r: r.login)]


class ProgressTab(Tab):
    """Completion over time against the due dates, beside the trainees at risk."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.timeline_model = RowsModel([
            Column(lambda: _("Date"), lambda r: day_text(r[0]), lambda r: r[0]),
            Column(lambda: _("Completed the course"), lambda r: pct(r[1]), lambda r: r[1], "0.0%", numeric=True),
            Column(lambda: _("Mean progress (steps passed)"), lambda r: pct(r[2]), lambda r: r[2], "0.0%",
                   numeric=True),
            Column(lambda: _("Due"), lambda r: format_decimal(r[3], 0) if r[3] else "", lambda r: r[3] or None,
                   "0", numeric=True),
        ], parent=self)
        self.chart_section = self.section(split, "completionSection", lambda: _("Completion over time"),
                                          CompletionChart, self.timeline_model)
        self.chart: CompletionChart = self.chart_section.content
        cols = trainee_columns() + [
            Column(lambda: _("Progress"), lambda r: pct(r.fraction), lambda r: r.fraction, "0%", numeric=True),
            Column(lambda: _("Last activity"), lambda r: day_text(local_day(r.last_activity)),
                   lambda r: local_day(r.last_activity)),
            Column(lambda: _("Why"), lambda r: joined(r.labels()), stretch=True),
        ]
        self.risk_section = self.table(split, "atRiskTable", cols, lambda: _("Trainees at risk"),
                                       tone=lambda r: "bad" if "repeated_failures" in r.reasons else "warn",
                                       opens_trainee=True)
        wrap_rows(self.risk_section.view)
        split.addWidget(self.chart_section)
        split.addWidget(self.risk_section)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([620, 440])
        lay.addWidget(split)

    def fill(self) -> None:
        tl = self.board.timeline
        self.chart.set_timeline(tl)
        due = dict(tl.due_dates)
        self.timeline_model.set_rows([(d, c, p, due.get(d, 0)) for d, c, p in zip(tl.days, tl.completed, tl.progress)])
        self.risk_section.model.set_rows(self.board.at_risk)


class QuizTab(Tab):
    """Per quiz: the best-score histogram with the pass mark, and the item analysis as a scatter and a table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        self.picker_bar(lay, "dashQuiz", 24, self._show_quiz)
        self.numbers: dict[str, int] = {}
        cols = [
            Column(lambda: _("No."), lambda r: str(self.numbers.get(r.question_id, "")),
                   lambda r: self.numbers.get(r.question_id), "0", numeric=True,
                   tooltip=lambda r: _("The question's place in the quiz (the dot's label in the chart)")),
            Column(lambda: _("Question"), lambda r: r.question_id),
            Column(lambda: _("Prompt"), self._prompt, stretch=True),
            Column(lambda: pgettext("trainees who answered the question", "Answered"),
                   lambda r: format_decimal(r.n, 0), lambda r: r.n, "0", numeric=True,
                   tooltip=lambda r: _("Trainees who answered this question on their first attempt")),
            Column(lambda: _("p"), lambda r: format_decimal(r.difficulty, 2), lambda r: round(r.difficulty, 4),
                   "0.00", numeric=True, tooltip=lambda r: _("Difficulty: the share of trainees who answered "
                                                             "correctly on their first attempt")),
            Column(lambda: _("D"), lambda r: DASH if r.discrimination is None else format_decimal(r.discrimination, 2),
                   lambda r: None if r.discrimination is None else round(r.discrimination, 4), "0.00", numeric=True,
                   tooltip=lambda r: _("Discrimination: p in the top 27 percent of trainees by quiz score minus p in "
                                       "the bottom 27 percent")),
            Column(lambda: _("Check"), lambda r: joined(r.flag_labels())),
        ]
        split = QSplitter(Qt.Orientation.Vertical, self)
        top = QSplitter(Qt.Orientation.Horizontal, split)
        self.bins_model = RowsModel([
            Column(lambda: _("Best score"), lambda r: _("{low}–{high}").format(low=pct(r[0]), high=pct(r[1]))),
            Column(lambda: pgettext("start of a value band", "From"), lambda r: pct(r[0]), lambda r: r[0], "0%",
                   numeric=True),
            Column(lambda: _("Trainees"), lambda r: format_decimal(r[2], 0), lambda r: r[2], "0", numeric=True),
        ], parent=self)
        self.hist_section = self.section(top, "scoreSection", lambda: _("Best scores"), ScoreHistogram,
                                         self.bins_model)
        self.histogram: ScoreHistogram = self.hist_section.content
        self.scatter_section = self.section(top, "itemScatterSection", lambda: _("Difficulty and discrimination"),
                                            ItemScatter)
        self.scatter: ItemScatter = self.scatter_section.content
        top.addWidget(self.hist_section)
        top.addWidget(self.scatter_section)
        self.items_section = self.table(split, "itemTable", cols, lambda: _("Item analysis"),
                                        tone=lambda r: "bad" if r.broken else ("warn" if r.flags else None))
        for sec in (self.hist_section, self.scatter_section, self.items_section):
            sec.subject = self._subject
        split.addWidget(top)
        split.addWidget(self.items_section)
        split.setSizes([250, 270])
        lay.addWidget(split, 1)

    def _prompt(self, row: ItemRow) -> str:
        step = self.course.step(self.pick.currentData()) if self.course is not None else None
        q = step.quiz.question(row.question_id) if step is not None and step.quiz is not None else None
        return content_text(q.prompt).replace("\n", " ") if q is not None else _("(no longer in the quiz)")

    def _subject(self) -> str:
        return self.pick.currentText()

    def fill(self) -> None:
        chosen = self.pick.currentData()
        self.pick.blockSignals(True)
        self.pick.clear()
        for q in self.board.quizzes:
            self.pick.addItem(step_title(self.course, q.step_key), q.step_key)
        self.pick.setCurrentIndex(max(0, self.pick.findData(chosen)))
        self.pick.setEnabled(self.pick.count() > 0)
        self.pick.blockSignals(False)
        self._show_quiz()

    def current(self):
        key = self.pick.currentData()
        return next((q for q in self.board.quizzes if q.step_key == key), None) if self.board else None

    def _show_quiz(self) -> None:
        quiz = self.current()
        step = self.course.step(quiz.step_key) if quiz is not None and self.course is not None else None
        bank = step.quiz.questions if step is not None and step.quiz is not None else []
        self.numbers = {q.id: n for n, q in enumerate(bank, start=1)}
        self.histogram.set_distribution(quiz.distribution if quiz else None, quiz.pass_mark if quiz else None)
        bins = quiz.distribution.bins if quiz is not None and quiz.distribution is not None else ()
        self.bins_model.set_rows([(i / len(bins), (i + 1) / len(bins), c) for i, c in enumerate(bins)])
        self.scatter.set_items(quiz.items if quiz else (), self.numbers)
        rows = sorted(quiz.items if quiz else (), key=lambda r: (0 if r.broken else 1 if r.flags else 2,
                                                               self.numbers.get(r.question_id, 10**6)))
        self.items_section.model.set_rows(rows)  # broken first, then flagged, in quiz order
        self._summary()

    def _summary(self) -> None:
        quiz = self.current()
        dist = quiz.distribution if quiz else None
        if quiz is None:
            self.summary.setText(_("This course has no quiz."))
        elif dist is None or not dist.n:
            self.summary.setText(_("No attempts at this quiz yet."))
        else:
            broken = sum(1 for i in quiz.items if i.broken)
            text = ngettext("{n} trainee · mean {mean} · median {median} · {passed} passed",
                            "{n} trainees · mean {mean} · median {median} · {passed} passed", dist.n)
            text = text.format(n=dist.n, mean=pct(dist.mean), median=pct(dist.median), passed=quiz.passed)
            if broken:
                text = ngettext("{summary} · {broken} question looks broken",
                                "{summary} · {broken} questions look broken", broken).format(summary=text,
                                                                                            broken=broken)
            self.summary.setText(text)

    def retranslate(self) -> None:
        self.pick_label.setText(_("Quiz:"))
        if self.board is not None:
            for i in range(self.pick.count()):
                self.pick.setItemText(i, step_title(self.course, self.pick.itemData(i)))
            self._summary()
        super().retranslate()


class LabTab(Tab):
    """Per lab objective: each trainee's best value, as a histogram against the target and as a table."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        self.picker_bar(lay, "dashLabMetric", 30, self._show_metric)
        cols = trainee_columns() + [
            Column(lambda: _("Best result"), lambda r: format_metric(self._metric(), r.value), lambda r: r.value,
                   numeric=True),
            Column(lambda: _("Runs"), lambda r: format_decimal(r.runs, 0), lambda r: r.runs, "0", numeric=True),
            Column(lambda: _("Target met"), lambda r: _("Yes") if self._meets(r) else _("No")),
        ]
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.bands_model = RowsModel([
            Column(lambda: metric_label(self._metric()) if self._metric() else _("Value"),
                   lambda r: _("{low}–{high}").format(low=format_metric(self._metric(), r[0]),
                                                     high=format_metric(self._metric(), r[1]))),
            Column(lambda: pgettext("start of a value band", "From"), lambda r: format_metric(self._metric(), r[0]),
                   lambda r: r[0], numeric=True),
            Column(lambda: pgettext("end of a value band", "To"), lambda r: format_metric(self._metric(), r[1]),
                   lambda r: r[1], numeric=True),
            Column(lambda: _("Trainees"), lambda r: format_decimal(r[2], 0), lambda r: r[2], "0", numeric=True),
        ], parent=self)
        self.chart_section = self.section(split, "labSection", lambda: _("Lab results"), LabMetricChart,
                                          self.bands_model)
        self.chart: LabMetricChart = self.chart_section.content
        self.values_section = self.table(split, "labValues", cols, lambda: _("Best result per trainee"),
                                         tone=lambda r: None if self._meets(r) else "warn", opens_trainee=True)
        for sec in (self.chart_section, self.values_section):
            sec.subject = lambda: self.pick.currentText()
        split.addWidget(self.chart_section)
        split.addWidget(self.values_section)
        split.setSizes([620, 440])
        lay.addWidget(split, 1)

    def _metric(self) -> str:
        st = self.current()
        return st.metric if st else ""

    def _meets(self, value: MetricValue) -> bool:
        st = self.current()
        return st is not None and st.meets(value.value)

    def _label(self, st: LabMetricStats) -> str:
        return _("{step} — {metric}").format(step=step_title(self.course, st.step_key),
                                             metric=metric_label(st.metric))

    def current(self) -> LabMetricStats | None:
        i = self.pick.currentIndex()
        return self.board.labs[i] if self.board is not None and 0 <= i < len(self.board.labs) else None

    def fill(self) -> None:
        chosen = self.pick.currentIndex()
        self.pick.blockSignals(True)
        self.pick.clear()
        for st in self.board.labs:
            self.pick.addItem(self._label(st))
        self.pick.setCurrentIndex(chosen if 0 <= chosen < self.pick.count() else 0)
        self.pick.setEnabled(self.pick.count() > 0)
        self.pick.blockSignals(False)
        self._show_metric()

    def _show_metric(self) -> None:
        st = self.current()
        self.chart.set_stats(st)
        self.bands_model.set_rows(list(zip(st.edges[:-1], st.edges[1:], st.counts)) if st and st.values else [])
        self.values_section.model.set_rows(st.values if st else ())
        self._summary()

    def _summary(self) -> None:
        st = self.current()
        if st is None:
            self.summary.setText(_("This course has no lab."))
        elif not st.values:
            self.summary.setText(_("No lab runs with this result yet."))
        else:
            n = len(st.values)
            self.summary.setText(ngettext("{n} trainee with runs · {met} met the target ({share})",
                                          "{n} trainees with runs · {met} met the target ({share})", n)
                                 .format(n=n, met=st.met, share=pct(st.met / n)))

    def retranslate(self) -> None:
        self.pick_label.setText(_("Result:"))
        if self.board is not None:
            for i, st in enumerate(self.board.labs):
                self.pick.setItemText(i, self._label(st))
            self._summary()
        super().retranslate()


class TimeTab(Tab):
    """Mean time per trainee on each step, against the course's estimate."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        self.titles: dict[str, str] = {}
        cols = [
            Column(lambda: _("Step"), lambda r: self.titles.get(r.step_key, r.step_key), stretch=True),
            Column(lambda: _("Trainees"), lambda r: format_decimal(r.trainees, 0), lambda r: r.trainees, "0",
                   numeric=True),
            Column(lambda: _("Mean"), lambda r: duration_text(r.mean_s), lambda r: minutes(r.mean_s), "0.0",
                   numeric=True, export_header=lambda: _("Mean (min)")),
            Column(lambda: _("Median"), lambda r: duration_text(r.median_s), lambda r: minutes(r.median_s), "0.0",
                   numeric=True, export_header=lambda: _("Median (min)")),
            Column(lambda: _("Estimate"), lambda r: duration_text(r.estimated_s), lambda r: minutes(r.estimated_s),
                   "0.0", numeric=True, export_header=lambda: _("Estimate (min)")),
        ]
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.chart_section = self.section(split, "timeSection", lambda: _("Time on task per step"), TimeChart)
        self.chart: TimeChart = self.chart_section.content
        self.table_section = self.table(split, "timeTable", cols, lambda: _("Time per step"),
                                        tone=lambda r: "warn" if self._over(r) else None)
        split.addWidget(self.chart_section)
        split.addWidget(self.table_section)
        split.setSizes([600, 460])
        lay.addWidget(split)

    @staticmethod
    def _over(row: StepTime) -> bool:
        """Twice the estimate or more: the step may be harder or longer than the course says."""
        return bool(row.mean_s and row.estimated_s and row.mean_s >= 2 * row.estimated_s)

    def _titles(self) -> list[str]:
        """Step titles numbered module.step (1.2), so the chart's short labels match the course outline."""
        numbers: dict[str, str] = {}
        for mi, module in enumerate(self.course.modules if self.course is not None else [], start=1):
            for si, step in enumerate(module.steps, start=1):
                numbers[step.key] = f"{mi}.{si}"
        return [f"{numbers.get(t.step_key, '')} {step_title(self.course, t.step_key)}".strip()
                for t in self.board.times]

    def fill(self) -> None:
        titles = self._titles()
        self.titles = {t.step_key: title for t, title in zip(self.board.times, titles)}
        self.chart.set_times(self.board.times, titles)
        self.table_section.model.set_rows(self.board.times)

    def retranslate(self) -> None:
        if self.board is not None:
            titles = self._titles()
            self.titles = {t.step_key: title for t, title in zip(self.board.times, titles)}
            self.chart.titles = titles
        super().retranslate()


class TraineesTab(Tab):
    """Every trainee of the class in this course: the cohort report, double-click for the full record."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        cols = trainee_columns() + [
            Column(lambda: _("Steps passed"), lambda r: f"{r.passed_steps}/{r.total_steps}", lambda r: r.passed_steps,
                   "0", numeric=True),
            Column(lambda: _("Progress"), lambda r: pct(r.fraction), lambda r: r.fraction, "0%", numeric=True),
            Column(lambda: _("Mean best score"), lambda r: pct(r.mean_best_score), lambda r: r.mean_best_score,
                   "0%", numeric=True),
            Column(lambda: _("Attempts"), lambda r: format_decimal(r.attempts, 0), lambda r: r.attempts, "0",
                   numeric=True),
            Column(lambda: _("Time on task"), lambda r: duration_text(r.time_s), lambda r: minutes(r.time_s), "0.0",
                   numeric=True, export_header=lambda: _("Time on task (min)")),
            Column(lambda: _("Last activity"), lambda r: day_text(local_day(r.last_activity)),
                   lambda r: local_day(r.last_activity)),
            Column(lambda: _("Due date"), lambda r: day_text(r.due_date), lambda r: r.due_date),
            Column(lambda: _("At risk"), self._risks, stretch=True),
        ]
        self.table_section = self.table(self, "traineeTable", cols, lambda: _("Trainees"),
                                        tone=lambda r: "warn" if r.risks else None, opens_trainee=True)
        lay.addWidget(self.table_section)

    @staticmethod
    def _risks(row: ReportRow) -> str:
        return joined(AtRisk(row.user_id, row.login, row.display_name, row.course_id, row.risks, row.fraction,
                                row.last_activity).labels())

    def fill(self) -> None:
        self.table_section.model.set_rows(self.board.report)
