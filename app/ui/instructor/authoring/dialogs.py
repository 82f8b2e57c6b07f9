"""Small dialogs of the authoring editor: new course, copy a course into the library, publish."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.courses import authoring as au
from app.i18n import _
from app.ui.common.dialogs import ok_button, ok_cancel


class _IdDialog(QDialog):
    """An id field checked as it is typed (a valid slug, not taken)."""

    def __init__(self, taken: Callable[[str], bool], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.taken = taken
        self.form = QFormLayout(self)
        self.intro = QLabel(wordWrap=True)
        self.form.addRow(self.intro)
        self.id_edit = QLineEdit(objectName="newCourseId")
        self.id_edit.textChanged.connect(self._check)
        self.form.addRow(_("Course id:"), self.id_edit)
        self.problem = QLabel(objectName="errorLabel", wordWrap=True)
        self.buttons = ok_cancel(self)

    def finish(self) -> None:
        self.form.addRow(self.problem)
        self.form.addRow(self.buttons)
        self._check()

    def course_id(self) -> str:
        return self.id_edit.text().strip()

    def _check(self) -> None:
        cid = self.course_id()
        try:
            au.check_id(cid)
            message = _("A course with this id already exists.") if self.taken(cid) else ""
        except au.AuthoringError as exc:
            message = str(exc) if cid else _("Enter an id.")
        self.problem.setText(message)
        ok_button(self.buttons).setEnabled(not message)


class NewCourseDialog(_IdDialog):
    def __init__(self, taken: Callable[[str], bool], parent: QWidget | None = None) -> None:
        super().__init__(taken, parent)
        self.setWindowTitle(_("New course"))
        self.intro.setText(_("The id names the course folder and keeps trainees' progress; it cannot change "
                             "later. Use lowercase letters, digits and hyphens."))
        self.titles: dict[str, QLineEdit] = {}
        for loc in ("en", "zh_CN"):
            edit = QLineEdit(objectName=f"newCourseTitle_{loc}")
            self.titles[loc] = edit
            self.form.addRow(_("Title ({language}):").format(language=i18n.locale_display_name(loc)), edit)
        self.finish()

    def title(self) -> dict[str, str]:
        return {loc: e.text().strip() for loc, e in self.titles.items() if e.text().strip()}


class CopyCourseDialog(_IdDialog):
    def __init__(self, course_id: str, taken: Callable[[str], bool], parent: QWidget | None = None) -> None:
        super().__init__(taken, parent)
        self.setWindowTitle(_("Copy to my library"))
        self.intro.setText(_("Bundled courses cannot be changed. Edit a copy in your library: keep the id to "
                             "replace the bundled course for your trainees (their progress is kept), or give a "
                             "new id for a separate course."))
        self.id_edit.setText(course_id if not taken(course_id) else au.unique_id(course_id + "-copy", []))
        self.finish()


class PublishDialog(QDialog):
    """Choose how the version grows: patch (fixes), minor (new content), major (changed structure)."""

    def __init__(self, version: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Publish"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(_("Current version: {version}").format(version=version)))
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        texts = {"patch": _("Patch — corrections ({new})"), "minor": _("Minor — new or extended content ({new})"),
                 "major": _("Major — a reworked course ({new})")}
        for part, text in texts.items():
            try:
                new = au.bump_version(version, part)  # type: ignore[arg-type]
            except ValueError:
                new = "?"
            r = QRadioButton(text.format(new=new), objectName=f"bump_{part}")
            self.group.addButton(r)
            self.radios[part] = r
            lay.addWidget(r)
        self.radios["minor"].setChecked(True)
        lay.addWidget(QLabel(_("Publishing checks the course, raises the version and saves it. A course with "
                               "errors is not published."), wordWrap=True))
        lay.addWidget(ok_cancel(self))

    def part(self) -> au.BumpPart:
        return next(p for p, r in self.radios.items() if r.isChecked())  # type: ignore[return-value]
