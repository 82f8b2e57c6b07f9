"""Lesson reader: rendered Markdown, zoom, "mark as read", time on task, links, the course glossary."""

from __future__ import annotations

import logging
import re

from PySide6.QtCore import QElapsedTimer, QEvent, Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from app import i18n
from app.courses.links import classify_link
from app.courses.render import render_markdown
from app.i18n import _
from app.services.errors import WRITE_ERRORS
from app.services.progress import StepStatus
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.step_base import StepView
from app.ui.trainee.course_file_view import CourseFileDialog
from app.ui.trainee.glossary_panel import GlossaryPanel
from app.ui.trainee.lesson_images import sharp_svgs

log = logging.getLogger(__name__)

ZOOM_PREF = "lesson_zoom"
MIN_ZOOM, MAX_ZOOM = -4, 12
ZOOM_STEP = 0.1  # each step scales the lesson's font sizes by 10 %
_PT = re.compile(r"(\d+(?:\.\d+)?)pt\b")
MIN_RECORD_S = 1.0  # shorter visits are noise (clicking through the tree)


class LessonView(StepView):
    """Shows a lesson; time counts only while the reader is on screen."""

    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 14, 20, 12)
        lay.setSpacing(8)
        top = QHBoxLayout()
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        top.addWidget(self.heading, 1)
        self.glossary_btn = QPushButton(objectName="openGlossary")
        self.glossary_btn.clicked.connect(self.open_glossary)
        self.glossary_btn.setVisible(bool(course.glossary))
        self.zoom_out_btn = QPushButton(objectName="zoomOut")
        self.zoom_in_btn = QPushButton(objectName="zoomIn")
        for b in (self.glossary_btn, self.zoom_out_btn, self.zoom_in_btn):
            b.setAutoDefault(False)
            top.addWidget(b, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.fallback_note = QLabel(objectName="warningLabel", wordWrap=True)
        self.fallback_note.hide()
        lay.addWidget(self.fallback_note)
        self.browser = QTextBrowser(objectName="lessonBrowser")
        self.browser.setOpenLinks(False)
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(self._anchor_clicked)
        lay.addWidget(self.browser, 1)
        bottom = QHBoxLayout()
        self.status = QLabel(objectName="statusLabel", wordWrap=True)
        bottom.addWidget(self.status, 1)
        self.read_btn = QPushButton(objectName="markRead")
        self.read_btn.clicked.connect(self.mark_read)
        self.read_btn.setProperty("primary", True)
        bottom.addWidget(self.read_btn)
        lay.addLayout(bottom)

        self.zoom = 0
        self._html = ""
        self.zoom_in_btn.clicked.connect(lambda: self.set_zoom(self.zoom + 1))
        self.zoom_out_btn.clicked.connect(lambda: self.set_zoom(self.zoom - 1))
        for seq, delta in (("Ctrl++", 1), ("Ctrl+=", 1), ("Ctrl+-", -1)):
            QShortcut(QKeySequence(seq), self, activated=lambda d=delta: self.set_zoom(self.zoom + d),
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+0"), self, activated=lambda: self.set_zoom(0),
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+G"), self, activated=self.open_glossary,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.glossary: GlossaryPanel | None = None  # made on first use

        self.browser.installEventFilter(self)
        self.browser.viewport().installEventFilter(self)

        self._timer = QElapsedTimer()
        self._pending_s = 0.0  # measured but not stored yet
        self._done = self._already_read()
        self._restore_zoom()
        on_language_changed(self, self.retranslate)

    # --- content -------------------------------------------------------------

    def retranslate(self) -> None:
        self.heading.setText(content_text(self.step.title))
        self.glossary_btn.setText(_("Glossary"))
        self.glossary_btn.setToolTip(_("Look up the course's terms in English and Chinese (Ctrl+G)"))
        self.zoom_in_btn.setText(_("A+"))
        self.zoom_out_btn.setText(_("A−"))
        self.zoom_in_btn.setToolTip(_("Larger text (Ctrl++)"))
        self.zoom_out_btn.setToolTip(_("Smaller text (Ctrl+−); Ctrl+0 resets"))
        self.zoom_in_btn.setAccessibleName(_("Larger text"))
        self.zoom_out_btn.setAccessibleName(_("Smaller text"))
        self.read_btn.setText(_("Mark as read"))
        self._render()
        self._show_status()

    def _render(self) -> None:
        lesson = self.step.lesson
        text, fallback = i18n.localized(lesson.markdown if lesson else None)
        self.fallback_note.setVisible(bool(fallback))
        if fallback:
            self.fallback_note.setText(_("This lesson is not available in your language yet; "
                                         "it is shown in the original language."))
        self._html = ""
        if not text:
            self.browser.setPlainText(_("This lesson has no text."))
            return
        try:
            self._html = render_markdown(text, self.step.path, self.course.path,
                                         title=content_text(self.step.title, mark_fallback=False))
        except Exception:
            log.exception("rendering lesson %s/%s failed", self.course.id, self.step_key)
            self.browser.setPlainText(text)
            return
        self._show_html()

    def font_scale(self) -> float:
        return 1.0 + ZOOM_STEP * self.zoom

    def _show_html(self) -> None:
        """Show the lesson with its font sizes scaled by the zoom, keeping the reading position."""
        if not self._html:
            return
        scale = self.font_scale()
        head, sep, body = self._html.partition("</head>")
        head = _PT.sub(lambda m: f"{float(m.group(1)) * scale:.1f}pt", head)
        # Diagrams drawn at the zoom and the screen's pixel density: sharp, and growing with A+.
        shown = self.browser.isVisible() and self.browser.viewport().width() > 200
        body = sharp_svgs(body, self.browser.document(), scale, self.browser.devicePixelRatioF(),
                          self.browser.viewport().width() - 24 if shown else None)
        bar = self.browser.verticalScrollBar()
        fraction = bar.value() / bar.maximum() if bar.maximum() else 0.0
        self.browser.setHtml(head + sep + body)
        bar.setValue(round(fraction * bar.maximum()))

    def _anchor_clicked(self, url: QUrl) -> None:
        """What a click may do is decided by ``classify_link``: programs never run, files open only as documents."""
        course_dir = self.course.path or self.step.path
        link = classify_link(course_dir, url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        if link.kind == "anchor":
            self.browser.scrollToAnchor(url.fragment())
        elif link.kind == "refuse":
            messages.warn(self, _("Link not opened"), link.reason)
        elif link.kind == "view":
            CourseFileDialog(link, course_dir, self).open()
        elif link.kind == "open":
            if messages.ask(
                    self, _("Open file"),
                    _("Open “{name}” from this course with the program your computer uses for {type} files?")
                    .format(name=link.path.name, type=link.path.suffix[1:].upper()),
                    yes_label=_("Open"), destructive=True):
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(link.path)))
        elif messages.ask(
                self, _("Open link"),
                _("Open this address in your web browser?\n\n{url}\n\nIt is outside Zhizao Academy and needs a "
                  "network connection.").format(url=link.url), yes_label=_("Open"), destructive=True):
            QDesktopServices.openUrl(QUrl(link.url))

    def open_glossary(self) -> None:
        """Show the course glossary beside the lesson (one window per lesson view)."""
        if not self.course.glossary:
            return
        if self.glossary is None:
            self.glossary = GlossaryPanel(self.course, self)
        self.glossary.show()
        self.glossary.raise_()
        self.glossary.activateWindow()
        self.glossary.search_box.setFocus()
        self.glossary.search_box.selectAll()

    # --- zoom ------------------------------------------------------------------

    _ZOOM_KEYS = {Qt.Key.Key_Plus: 1, Qt.Key.Key_Equal: 1, Qt.Key.Key_Minus: -1, Qt.Key.Key_Underscore: -1}

    def eventFilter(self, obj, event) -> bool:
        """Zoom keys and Ctrl+wheel in the text go through ``set_zoom`` so the level is remembered."""
        etype = event.type()
        if etype in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            k = event.key()
            if k in self._ZOOM_KEYS or k == Qt.Key.Key_0:
                if etype == QEvent.Type.KeyPress:
                    self.set_zoom(0 if k == Qt.Key.Key_0 else self.zoom + self._ZOOM_KEYS[k])
                event.accept()
                return True
        if etype == QEvent.Type.Wheel and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            dy = event.angleDelta().y()
            if dy:
                self.set_zoom(self.zoom + (1 if dy > 0 else -1))
            return True
        return super().eventFilter(obj, event)

    def set_zoom(self, level: int) -> None:
        level = max(MIN_ZOOM, min(MAX_ZOOM, level))
        if level == self.zoom:
            return
        self.zoom = level
        self._show_html()
        try:
            self.ctx.accounts.set_preference(self.actor, ZOOM_PREF, str(level))
        except WRITE_ERRORS:
            log.warning("cannot store the lesson zoom")

    def _restore_zoom(self) -> None:
        try:
            level = int(self.ctx.accounts.get_preference(self.actor, ZOOM_PREF) or 0)
        except (ValueError, *WRITE_ERRORS):
            level = 0
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, level))
        self._show_html()

    # --- time on task and completion -------------------------------------------

    def _already_read(self) -> bool:
        prog = self.ctx.progress.course_progress(self.actor, self.actor.user_id, self.course.id,
                                                 [(self.step_key, "lesson")])
        return prog.status(self.step_key) is StepStatus.PASSED

    def _show_status(self) -> None:
        self.status.setText(_("You have read this lesson.") if self._done else "")
        self.read_btn.setEnabled(not self._done)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._timer.isValid():
            self._timer.start()

    def hideEvent(self, event) -> None:
        self._pause()
        super().hideEvent(event)

    def _pause(self) -> None:
        if self._timer.isValid():
            self._pending_s += self._timer.elapsed() / 1000.0
            self._timer.invalidate()

    def seconds_on_task(self) -> float:
        """Time measured and not yet stored, including the running stretch."""
        running = self._timer.elapsed() / 1000.0 if self._timer.isValid() else 0.0
        return self._pending_s + running

    def _take_seconds(self) -> float:
        secs = self.seconds_on_task()
        self._pending_s = 0.0
        if self._timer.isValid():
            self._timer.restart()
        return secs

    def mark_read(self) -> None:
        if self._done:
            return
        secs = self._take_seconds()
        try:
            self.ctx.progress.record_lesson(self.actor, self.course.id, self.course.version, self.step_key,
                                            secs, completed=True)
        except WRITE_ERRORS as exc:
            self._pending_s += secs
            messages.warn(self, _("Not saved"), _("The lesson could not be marked as read: {error}")
                          .format(error=exc))
            return
        self._done = True
        self._show_status()
        self.completed.emit()

    def save_state(self) -> None:
        """Store the reading time so far (before a lock, a logout or leaving the lesson)."""
        secs = self.seconds_on_task()
        if secs < MIN_RECORD_S:
            return
        self._take_seconds()
        try:
            self.ctx.progress.record_lesson(self.actor, self.course.id, self.course.version, self.step_key,
                                            secs, completed=False)
        except WRITE_ERRORS:
            log.warning("cannot store lesson time for %s", self.step_key)
