"""Lesson step: Markdown in English and Chinese side by side, a live preview, images copied into the step,
and a toolbar for the common Markdown marks (review #36), each one undo step."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
)

from app import i18n
from app.courses.authoring import AuthoringError, CourseDraft
from app.courses.render import IMAGE_SUFFIXES, render_markdown
from app.i18n import _
from app.ui.common import messages
from app.ui.instructor.authoring import markdown_edits as md
from app.ui.instructor.authoring.binding import LOCALES, block_text, is_undo_key
from app.ui.instructor.authoring.forms import EditorPage, StepHeader
from app.ui.instructor.authoring.model import DraftModel

PREVIEW_DELAY_MS = 250

# The toolbar's marks: key, what it does to (text, start, end), shortcut (in the text box).
MARKDOWN_TOOLS: tuple[tuple[str, md.Tool, str], ...] = (
    ("bold", lambda t, s, e: md.wrap(t, s, e, "**"), "Ctrl+B"),
    ("italic", lambda t, s, e: md.wrap(t, s, e, "*"), "Ctrl+I"),
    ("heading", lambda t, s, e: md.prefix_lines(t, s, e, "## "), ""),
    ("list", lambda t, s, e: md.prefix_lines(t, s, e, "- "), ""),
    ("link", md.link, "Ctrl+K"),
    ("table", md.table, ""),
    ("code", md.code, ""),
)


class AssetMirror:
    """A scratch folder holding the draft's images at their draft paths, so the preview can show
    images that are not saved yet."""

    def __init__(self) -> None:
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:  # made on first use: most sessions never open a lesson
            self._root = Path(tempfile.mkdtemp(prefix="zhizao-preview-"))
        return self._root

    def sync(self, draft: CourseDraft, prefix: str) -> Path:
        """Mirror the blobs under ``prefix`` (a step folder); returns the mirrored step folder."""
        folder = self.root / prefix
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True, exist_ok=True)
        for rel, entry in draft.entries.items():
            if rel.startswith(prefix + "/") and entry.source is not None and entry.kind == "blob":
                target = self.root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    shutil.copyfile(entry.source, target)
                except OSError:
                    continue
        return folder

    def close(self) -> None:
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


class LessonEditor(EditorPage):
    def __init__(self, model: DraftModel, module_id: str, step_id: str, mirror: AssetMirror) -> None:
        super().__init__(model)
        self.module_id, self.step_id, self.mirror = module_id, step_id, mirror
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.header = StepHeader(self, module_id, step_id)
        lay.addWidget(self.header)
        bar = QHBoxLayout()
        self.format_actions: dict[str, QAction] = {}
        for key, tool, keys in MARKDOWN_TOOLS:
            action = QAction(self, objectName=f"markdown_{key}")
            if keys:
                action.setShortcut(QKeySequence(keys))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # only while a text box has focus
            action.setEnabled(not model.read_only)
            action.triggered.connect(lambda _checked=False, tool=tool: self.apply_markdown(tool))
            button = QToolButton(objectName=f"markdownButton_{key}")
            button.setDefaultAction(action)
            bar.addWidget(button)
            self.format_actions[key] = action
        font = self.format_actions["bold"].font()
        font.setBold(True)
        self.format_actions["bold"].setFont(font)
        font = self.format_actions["italic"].font()
        font.setItalic(True)
        self.format_actions["italic"].setFont(font)
        self.image_btn = QPushButton(objectName="insertImage")
        self.image_btn.clicked.connect(self.ask_image)
        self.image_btn.setEnabled(not model.read_only)
        self.note = QLabel(objectName="warningLabel")
        bar.addWidget(self.image_btn)
        bar.addWidget(self.note, 1)
        lay.addLayout(bar)
        split = QSplitter()
        self.tabs = QTabWidget(objectName="lessonTabs")
        self.edits: dict[str, QPlainTextEdit] = {}
        self._sessions = dict.fromkeys(LOCALES, 0)
        for loc in LOCALES:
            edit = QPlainTextEdit(objectName=f"lessonText_{loc}")
            edit.setUndoRedoEnabled(False)
            edit.setReadOnly(model.read_only)
            edit.setAccessibleName(i18n.locale_display_name(loc))
            edit.textChanged.connect(lambda loc=loc: self._edited(loc))
            edit.installEventFilter(self)
            edit.addActions(list(self.format_actions.values()))
            self.edits[loc] = edit
            self.tabs.addTab(edit, "")
        self.tabs.currentChanged.connect(lambda _i: self._schedule_preview())
        self.preview = QTextBrowser(objectName="lessonPreview", openLinks=False)
        split.addWidget(self.tabs)
        split.addWidget(self.preview)
        split.setSizes([500, 400])
        lay.addWidget(split, 1)
        self._timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self.update_preview)
        model.values_changed.connect(self._values_changed)
        self.start_translating()
        self.reload()

    def rel(self, loc: str) -> str:
        return CourseDraft.lesson_rel(self.module_id, self.step_id, loc)

    def current_locale(self) -> str:
        return LOCALES[max(0, self.tabs.currentIndex())]

    def _edited(self, loc: str) -> None:
        self.model.set_text(self.rel(loc), self.edits[loc].toPlainText(), origin=self.edits[loc],
                            merge_key=(self.rel(loc), self._sessions[loc]))
        self._flag()
        self._schedule_preview()

    def _values_changed(self, origin: object) -> None:
        if origin not in self.edits.values():
            self.reload()

    def reload(self) -> bool:
        super().reload()
        for loc, edit in self.edits.items():
            block_text(edit, self.model.draft.text(self.rel(loc)) or "")
        self._flag()
        self._schedule_preview()
        return True

    def _flag(self) -> None:
        for i, loc in enumerate(LOCALES):
            missing = not self.edits[loc].toPlainText().strip()
            name = i18n.locale_display_name(loc)
            self.tabs.setTabText(i, f"⚠ {name}" if missing else name)
            self.tabs.setTabToolTip(i, _("Missing translation: {language}").format(language=name) if missing else "")

    def _schedule_preview(self) -> None:
        self._timer.start()

    def update_preview(self) -> None:
        prefix = CourseDraft.step_rel(self.module_id, self.step_id)
        folder = self.mirror.sync(self.model.draft, prefix)
        text = self.edits[self.current_locale()].toPlainText()
        bar = self.preview.verticalScrollBar().value()
        self.preview.setHtml(render_markdown(text, folder, self.mirror.root))
        self.preview.verticalScrollBar().setValue(bar)

    def ask_image(self) -> None:
        filters = _("Images ({patterns})").format(patterns=" ".join(f"*{s}" for s in IMAGE_SUFFIXES))
        path, _sel = QFileDialog.getOpenFileName(self, _("Insert image"), str(Path.home()), filters)
        if path:
            self.insert_image(Path(path))

    def insert_image(self, source: Path) -> str | None:
        """Copy ``source`` into the step folder (in the draft) and insert its Markdown at the cursor."""
        mid, sid = self.module_id, self.step_id
        try:
            name = self.model.change(_("Insert image"), lambda d: d.add_image(mid, sid, source),
                                     select=("step", mid, sid))
        except AuthoringError as exc:
            messages.warn(self, _("Insert image"), str(exc))
            return None
        edit = self.edits[self.current_locale()]
        self._sessions[self.current_locale()] += 1  # the image's Markdown is not merged with the typing before
        edit.textCursor().insertText(f"![]({name})")
        edit.setFocus()
        self.note.setText(_("“{name}” will be copied into the step folder when you save.").format(name=name))
        return name

    def apply_markdown(self, tool: md.Tool) -> None:
        """Apply a toolbar mark to the selection of the text box shown, as one undo step of its own."""
        if self.model.read_only:
            return
        loc = self.current_locale()
        edit = self.edits[loc]
        text = edit.toPlainText()
        cursor = edit.textCursor()
        change = tool(text, _py_index(text, cursor.selectionStart()), _py_index(text, cursor.selectionEnd()))
        after = text[:change.start] + change.text + text[change.end:]
        self._sessions[loc] += 1  # not merged with the typing before …
        cursor.beginEditBlock()
        cursor.setPosition(_qt_index(text, change.start))
        cursor.setPosition(_qt_index(text, change.end), QTextCursor.MoveMode.KeepAnchor)
        cursor.insertText(change.text)
        cursor.endEditBlock()
        self._sessions[loc] += 1  # … nor with the typing after
        cursor.setPosition(_qt_index(after, change.select[0]))
        cursor.setPosition(_qt_index(after, change.select[1]), QTextCursor.MoveMode.KeepAnchor)
        edit.setTextCursor(cursor)
        edit.setFocus()

    def focus_target(self, rel: str, path: Sequence[str | int]) -> bool:
        for i, loc in enumerate(LOCALES):
            if rel == self.rel(loc) or (rel == CourseDraft.step_rel(self.module_id, self.step_id) and
                                        not self.edits[loc].toPlainText().strip()):
                self.tabs.setCurrentIndex(i)
                self.edits[loc].setFocus()
                return True
        return super().focus_target(rel, path)

    def retranslate(self) -> None:
        super().retranslate()
        self.header.retranslate()
        self.image_btn.setText(_("Insert image…"))
        texts = {"bold": (_("Bold"), _("Bold: **text** (Ctrl+B)")),
                 "italic": (_("Italic"), _("Italic: *text* (Ctrl+I)")),
                 "heading": (_("Heading"), _("Heading: ## at the start of the line (click again to remove it)")),
                 "list": (_("List"), _("List: - at the start of each selected line (click again to remove it)")),
                 "link": (_("Link"), _("Link: [words](address); type the address over https:// (Ctrl+K)")),
                 "table": (_("Table"), _("Table of two columns; selected lines fill the first column")),
                 "code": (_("Code"), _("Code: `text` within a line, a ``` block for whole lines"))}
        for key, (label, tip) in texts.items():
            self.format_actions[key].setText(label)
            self.format_actions[key].setToolTip(tip)
        self._flag()

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            for loc, edit in self.edits.items():
                if edit is obj:
                    self._sessions[loc] += 1  # a new visit starts a new undo step
        elif event.type() == QEvent.Type.ShortcutOverride and is_undo_key(event):
            event.ignore()  # Ctrl+Z belongs to the editor's undo stack
            return True
        return super().eventFilter(obj, event)


def _py_index(text: str, pos: int) -> int:
    """A Qt text position (UTF-16 units) as an index into ``text`` (they differ after an emoji)."""
    return len(text.encode("utf-16-le")[:2 * pos].decode("utf-16-le", errors="ignore"))


def _qt_index(text: str, index: int) -> int:
    return len(text[:index].encode("utf-16-le")) // 2
