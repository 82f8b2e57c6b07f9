"""The course side of the authoring tab: which course is open, new courses, copies of bundled ones,
saving, publishing, exporting, and keeping unsaved work over a logout."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from app.courses import authoring as au
from app.courses.package import PackageError, export_course
from app.courses.yamlio import TextError, parse_yaml, read_text
from app.i18n import _, ngettext
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.instructor.authoring.dialogs import CopyCourseDialog, NewCourseDialog, PublishDialog
from app.ui.instructor.authoring.model import DraftModel

log = logging.getLogger(__name__)
RECOVERY = "authoring-recovery"
SOURCE_MARK = ".zhizao-source"  # hidden: a draft loaded from the recovery folder skips it


class CourseFiles:
    """Mixed into ``AuthoringPanel`` (which provides the widgets and ``_set_model``)."""

    # --- the course list ---------------------------------------------------------------------------

    def _folders(self) -> list[tuple[str, Path]]:
        lib = self.ctx.library
        found: list[tuple[str, Path]] = []
        for source, folder in (("library", self.ctx.library_dir), ("bundled", getattr(lib, "bundled_dir", None))):
            if folder is None or not Path(folder).is_dir():
                continue
            for child in sorted(Path(folder).iterdir()):
                hidden = child.name.startswith(".") or (child.name.startswith("_") and not lib.include_hidden)
                if child.is_dir() and not hidden and (child / "course.yaml").is_file():
                    found.append((source, child))
        return found

    @staticmethod
    def _describe(path: Path) -> str:
        try:
            data = parse_yaml(read_text(path / "course.yaml"))
        except (TextError, OSError):
            data = None
        data = data if isinstance(data, dict) else {}
        title = content_text(data.get("title"), mark_fallback=False) if isinstance(data.get("title"), dict) else ""
        return _("{title} — {id} {version}").format(title=title or path.name, id=data.get("id", path.name),
                                                   version=data.get("version", ""))

    def refresh_courses(self) -> None:
        current = self.model.draft.root if self.model is not None else None
        self.course_combo.blockSignals(True)
        self.course_combo.clear()
        self.course_combo.addItem(_("Choose a course to edit…"), None)
        for source, path in self._folders():
            label = self._describe(path)
            if source == "bundled":
                label = _("{course} (bundled, read-only)").format(course=label)
            self.course_combo.addItem(label, (source, str(path)))
        for root in self._unsaved_new_courses():
            if self.model is None or root != self.model.draft.root:
                self.course_combo.addItem(_("{id} (new, not saved yet)").format(id=root.name), ("new", str(root)))
        if self.never_saved and self.model is not None:
            self.course_combo.addItem(_("{id} (new, not saved yet)").format(id=self.model.draft.course_id),
                                      ("new", str(current)))
        idx = next((i for i in range(1, self.course_combo.count())
                    if current is not None and Path(self.course_combo.itemData(i)[1]) == current), 0)
        self.course_combo.setCurrentIndex(idx)
        self.course_combo.blockSignals(False)

    def _picked(self, index: int) -> None:
        data = self.course_combo.itemData(index)
        if data is None or (self.model is not None and Path(data[1]) == self.model.draft.root):
            return
        if not self.confirm_discard():
            self.refresh_courses()
            return
        self.open_course(Path(data[1]), read_only=data[0] == "bundled")

    @property
    def dirty(self) -> bool:
        return self.model is not None and (self.never_saved or not self.model.stack.isClean())

    def ask_unsaved(self) -> str:
        """"save", "discard" or "cancel" for the unsaved changes (tests replace this)."""
        return messages.choose(self, _("Unsaved changes"), _("The course has changes that are not saved."),
                               [("save", _("Save")), ("discard", _("Discard")), ("cancel", _("Cancel"))])

    def confirm_discard(self) -> bool:
        if not self.dirty:
            return True
        answer = self.ask_unsaved()
        return answer == "discard" or (answer == "save" and self.save())

    # --- opening -----------------------------------------------------------------------------------

    def open_course(self, path: Path, read_only: bool = False) -> None:
        """Open the course folder at ``path`` (offering edits kept from a logout, if there are any)."""
        draft = None
        if (path / "course.yaml").is_file():
            try:
                draft = au.CourseDraft.load(path)
            except (au.AuthoringError, OSError) as exc:
                messages.warn(self, _("Open course"), str(exc))
                return
        recovered = None if read_only else self._recovered(path)
        if recovered is not None:
            self._set_model(DraftModel(recovered, False, self), new=True)
            self.status.say(lambda: _("Your unsaved changes are back. Save them to keep them."))
        elif draft is not None:
            self._set_model(DraftModel(draft, read_only, self), new=False)

    # --- unsaved work over a logout ----------------------------------------------------------------

    def _recovery_dir(self, root: Path) -> Path:
        return self.ctx.data_dir / RECOVERY / root.name

    def save_state(self) -> None:
        """Keep unsaved edits over a lock or logout: a copy of the draft in ``<data dir>/authoring-recovery/``."""
        if self.model is None or self.model.read_only:
            return
        rec = self._recovery_dir(self.model.draft.root)
        if not self.dirty:
            shutil.rmtree(rec, ignore_errors=True)
            return
        tmp = rec.with_name(rec.name + ".partial")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            au.write_tree(self.model.draft.files(), tmp)
            (tmp / SOURCE_MARK).write_text(str(self.model.draft.root), encoding="utf-8")
            shutil.rmtree(rec, ignore_errors=True)
            tmp.rename(rec)
        except OSError:
            log.exception("keeping the unsaved course draft failed")

    def ask_restore(self) -> bool:
        """Whether to bring back the edits kept from the last session (tests replace this)."""
        return messages.ask(self, _("Unsaved changes"), _(
            "This course has changes from your last session that were not saved. Restore them?"))

    def _recovered(self, root: Path) -> au.CourseDraft | None:
        rec = self._recovery_dir(root)
        mark = rec / SOURCE_MARK
        try:
            if not mark.is_file() or Path(mark.read_text(encoding="utf-8")) != root:
                return None
            if not self.ask_restore():
                shutil.rmtree(rec, ignore_errors=True)
                return None
            draft = au.CourseDraft.load(rec)
            saved = au.CourseDraft.load(root)._saved if (root / "course.yaml").is_file() else {}
        except (au.AuthoringError, OSError):
            log.exception("reading the kept course draft failed")
            return None
        for rel, entry in list(draft.entries.items()):
            on_disk = root / rel
            if entry.source and entry.kind == "blob" and on_disk.is_file() and _same_bytes(entry.source, on_disk):
                draft.entries[rel] = entry.replace(source=on_disk)  # an image that did not change
        draft.root = root
        draft._saved = saved  # compared with the folder on disk, so a save writes what differs
        return draft

    def _unsaved_new_courses(self) -> list[Path]:
        """Courses created but never saved before a logout (their folder does not exist)."""
        found = []
        folder = self.ctx.data_dir / RECOVERY
        for rec in sorted(folder.iterdir()) if folder.is_dir() else []:
            try:
                source = Path((rec / SOURCE_MARK).read_text(encoding="utf-8"))
            except OSError:
                continue
            if not source.exists():
                found.append(source)
        return found

    def new_course(self) -> None:
        if not self.confirm_discard():
            return
        taken = {p.name for _s, p in self._folders()}
        dialog = NewCourseDialog(lambda cid: cid in taken or (self.ctx.library_dir / cid).exists(), self)
        if dialog.exec() != NewCourseDialog.DialogCode.Accepted:
            return
        cid = dialog.course_id()
        draft = au.CourseDraft.new(self.ctx.library_dir / cid, cid, dialog.title())
        self._set_model(DraftModel(draft, False, self), new=True)
        self.status.say(lambda: _("New course “{id}”: add modules and steps, then save.").format(id=cid))

    def copy_to_library(self) -> None:
        if self.model is None:
            return
        source = self.model.draft.root
        dialog = CopyCourseDialog(self.model.draft.course_id, lambda cid: (self.ctx.library_dir / cid).exists(), self)
        if dialog.exec() != CopyCourseDialog.DialogCode.Accepted:
            return
        try:
            dest = au.copy_course(source, self.ctx.library_dir, dialog.course_id())
        except (au.AuthoringError, OSError) as exc:
            messages.warn(self, _("Copy to my library"), str(exc))
            return
        self.ctx.library.reload()
        self.open_course(dest)
        self.status.say(lambda: _("Copied to your library: {path}").format(path=dest))

    # --- saving ------------------------------------------------------------------------------------

    def save(self) -> bool:
        if self.model is None or self.model.read_only:
            return False
        try:
            written = self.model.draft.save()
        except OSError as exc:
            messages.error(self, _("Save"), _("The course could not be saved: {reason}").format(
                reason=exc.strerror or exc))
            return False
        self.model.stack.setClean()
        self.never_saved = False
        shutil.rmtree(self._recovery_dir(self.model.draft.root), ignore_errors=True)
        self.ctx.library.reload()
        self.refresh_courses()
        self.status.say(lambda: ngettext("Saved: {n} file written.", "Saved: {n} files written.",
                                         len(written)).format(n=len(written)))
        self._update_actions()
        return True

    def publish(self) -> bool:
        if self.model is None or self.model.read_only:
            return False
        dialog = PublishDialog(self.model.draft.version, self)
        if dialog.exec() != PublishDialog.DialogCode.Accepted:
            return False
        problems = self.validation.validate_now()
        errors = [p for p in problems if p.is_error]
        if errors:
            messages.warn(self, _("Not published"), ngettext(
                "The course has {n} error. Fix it first (see the problems list).",
                "The course has {n} errors. Fix them first (see the problems list).",
                len(errors)).format(n=len(errors)))
            return False
        if not isinstance(self.model.draft.get("course.yaml", ["certificate"]), dict) and not messages.ask(
                self, _("No certificate"),
                _("This course issues no certificate: trainees who complete it get none, while the app tells them "
                  "a certificate follows a completed course. Turn on “Issue a certificate” in the course's form, "
                  "or publish without one."), yes_label=_("Publish without a certificate"), destructive=True):
            self.tree.select(("course",))
            return False
        part = dialog.part()
        try:
            version = self.model.change(_("Publish"), lambda d: d.bump_version(part))
        except (au.AuthoringError, ValueError) as exc:
            messages.warn(self, _("Not published"), str(exc))
            return False
        if not self.save():
            return False
        self.status.say(lambda: _("Published version {version}.").format(version=version))
        return True

    def export(self) -> Path | None:
        if self.model is None:
            return None
        if self.dirty and not self.save():
            return None
        draft = self.model.draft
        default = Path.home() / f"{draft.course_id}-{draft.version}.zhizao"
        name, _sel = QFileDialog.getSaveFileName(self, _("Export course"), str(default),
                                                 _("Zhizao course packages (*.zhizao)"))
        if not name:
            return None
        out = Path(name) if name.endswith(".zhizao") else Path(name + ".zhizao")
        try:
            export_course(draft.root, out)
        except PackageError as exc:
            details = "\n".join([f"{p.file}: {p.message}" for p in exc.problems if p.is_error][:5])
            messages.warn(self, _("Export course"), f"{exc.message}\n\n{details}".strip())
            return None
        except OSError as exc:
            messages.warn(self, _("Export course"), str(exc))
            return None
        self.status.say(lambda: _("Exported to {path}").format(path=out))
        return out


def _same_bytes(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False
