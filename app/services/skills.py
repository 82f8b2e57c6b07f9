"""The skills matrix (issue 19): levels of a course's competencies reached, from the trainee's records.

A course maps graded steps to competencies with a level (``competencies:`` in course.yaml).
A trainee *reaches* a level when every evidence step of that level and of the levels below
it is passed (a quiz or lab passed, a practical signed off). Levels with no evidence step
are skipped. The matrix is derived from the stored attempts and sign-offs through
:meth:`ProgressService.course_progress`, never stored itself, so it is always the records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.courses import models as m
from app.courses.competencies import LEVEL_ORDER
from app.i18n import _
from app.services.auth import Actor, ServiceError, require_self_or_staff, require_staff
from app.services.errors import storage_errors
from app.services.progress import ProgressService, StepStatus
from app.storage.models import CohortMember, Enrollment, User

# Fill colours of the levels in the class matrix and its Excel export (none reached: white).
LEVEL_COLOURS = {"beginner": "FFF2CC", "intermediate": "C6E0B4", "advanced": "70AD47"}


class SkillsError(ServiceError):
    """The matrix cannot be exported (the file cannot be written); the message says why."""


@dataclass(frozen=True)
class Evidence:
    step_key: str
    kind: str  # quiz | lab | practical
    level: str
    passed: bool


@dataclass(frozen=True)
class SkillCell:
    """One trainee × one competency: the level reached (None: not yet) and the evidence behind it."""

    competency_id: str
    level: str | None
    evidence: tuple[Evidence, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of evidence passed (quiz, lab, practical), in that order."""
        passed = {e.kind for e in self.evidence if e.passed}
        return tuple(k for k in ("quiz", "lab", "practical") if k in passed)


@dataclass(frozen=True)
class MatrixRow:
    user_id: str
    login: str
    name: str
    cells: dict[str, SkillCell]


@dataclass(frozen=True)
class SkillsMatrix:
    course_id: str
    competencies: tuple[m.Competency, ...]
    rows: tuple[MatrixRow, ...]


def cells_for(course: m.Course, status: Callable[[str], StepStatus]) -> dict[str, SkillCell]:
    """Each competency's level reached, given each step's status."""
    cells: dict[str, SkillCell] = {}
    for comp in course.competencies:
        evidence = []
        for ev in comp.evidence:
            step = course.step(ev.step)
            kind = step.kind if step is not None else ""
            evidence.append(Evidence(ev.step, kind, ev.level, status(ev.step) is StepStatus.PASSED))
        reached = None
        for level in LEVEL_ORDER:
            at = [e for e in evidence if LEVEL_ORDER.index(e.level) <= LEVEL_ORDER.index(level)]
            if not any(e.level == level for e in evidence):
                continue
            if all(e.passed for e in at):
                reached = level
            else:
                break
        cells[comp.id] = SkillCell(comp.id, reached, tuple(evidence))
    return cells


@storage_errors
class SkillsService:
    def __init__(self, sessions: sessionmaker[Session], progress: ProgressService,
                 courses: Callable[[str], m.Course]) -> None:
        self._sessions = sessions
        self._progress = progress
        self._courses = courses

    def _cells(self, actor: Actor, user_id: str, course: m.Course) -> dict[str, SkillCell]:
        progress = self._progress.course_progress(actor, user_id, course.id, course.step_kinds())
        return cells_for(course, progress.status)

    def my_skills(self, actor: Actor, user_id: str | None = None) -> list[tuple[m.Course, dict[str, SkillCell]]]:
        """Every enrolled course that has competencies, with the trainee's cells (course id order)."""
        user_id = user_id or actor.user_id
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            course_ids = sorted(set(s.scalars(select(Enrollment.course_id).where(Enrollment.user_id == user_id))))
        found = []
        for course_id in course_ids:
            try:
                course = self._courses(course_id)
            except (KeyError, LookupError):
                continue
            if course.competencies:
                found.append((course, self._cells(actor, user_id, course)))
        return found

    def class_matrix(self, actor: Actor, course: m.Course, cohort_id: str | None = None) -> SkillsMatrix:
        """Trainees enrolled in ``course`` (of one class, or all) × its competencies, by name."""
        require_staff(actor)
        with self._sessions() as s:
            query = select(User.id, User.login, User.display_name).join(
                Enrollment, Enrollment.user_id == User.id).where(Enrollment.course_id == course.id)
            if cohort_id is not None:
                query = query.where(User.id.in_(select(CohortMember.user_id).where(
                    CohortMember.cohort_id == cohort_id)))
            people = sorted(s.execute(query).all(), key=lambda r: (r[2], r[1]))
        rows = tuple(MatrixRow(uid, login, name, self._cells(actor, uid, course)) for uid, login, name in people)
        return SkillsMatrix(course.id, tuple(course.competencies), rows)


# --- labels and the Excel export for HR --------------------------------------------------------

def level_text(level: str | None) -> str:
    names = {"beginner": _("Beginner"), "intermediate": _("Intermediate"), "advanced": _("Advanced")}
    return names.get(level, _("Not yet")) if level else _("Not yet")


def evidence_text(cell: SkillCell) -> str:
    names = {"quiz": _("quiz"), "lab": _("lab"), "practical": _("practical sign-off")}
    return ", ".join(names[k] for k in cell.kinds)


def cell_text(cell: SkillCell) -> str:
    evidence = evidence_text(cell)
    level = level_text(cell.level)
    return _("{level} ({evidence})").format(level=level, evidence=evidence) if evidence else level


def write_matrix_xlsx(matrix: SkillsMatrix, course_title: str, path: Path, locale: str) -> Path:
    """The matrix as an Excel workbook: a row per trainee, a column per competency, cells coloured by level."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = _("Skills matrix")[:31]
    ws.append([course_title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([_("Trainee"), _("Login"), *(m.text_for(c.name, locale) for c in matrix.competencies)])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in matrix.rows:
        ws.append([row.name, row.login, *(cell_text(row.cells[c.id]) for c in matrix.competencies)])
        for col, comp in enumerate(matrix.competencies, start=3):
            level = row.cells[comp.id].level
            if level:
                ws.cell(row=ws.max_row, column=col).fill = PatternFill("solid", fgColor=LEVEL_COLOURS[level])
    ws.append([])
    ws.append([_("Levels: {levels}").format(levels=", ".join(level_text(level) for level in LEVEL_ORDER))])
    for col, width in zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (18, 14, *([28] * len(matrix.competencies))), strict=False):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C3"
    try:
        wb.save(path)
    except OSError as exc:
        raise SkillsError(_("Cannot save {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
    return path
