"""Form widgets bound to values in one file of the draft.

Every edit becomes an undoable command (keystrokes in one field, between focusing it and
leaving it, merge into one step); undo/redo updates the widgets. Each widget is known by
its key path, so a validation problem's pointer finds the widget to focus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QWidget,
)

from app import i18n
from app.courses.authoring import MISSING
from app.i18n import N_, _
from app.ui.instructor.authoring.model import DraftModel

KeyPath = tuple[str | int, ...]
LOCALES = ("en", "zh_CN")
MISSING_STYLE = "background-color: #fff4d6;"
UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


def is_undo_key(event: QEvent) -> bool:
    """Ctrl+Z, Ctrl+Shift+Z or Ctrl+Y (whatever the platform calls undo and redo)."""
    if any(event.matches(k) for k in UNDO_KEYS):
        return True
    combo = event.keyCombination()
    return combo.keyboardModifiers() == Qt.KeyboardModifier.ControlModifier and combo.key() == Qt.Key.Key_Y


def block_text(w: QPlainTextEdit | QLineEdit, text: str) -> None:
    """Show ``text`` without emitting edit signals (and keep the cursor where it was when possible)."""
    w.blockSignals(True)
    if isinstance(w, QPlainTextEdit):
        if w.toPlainText() != text:
            pos = w.textCursor().position()
            w.setPlainText(text)
            cur = w.textCursor()
            cur.setPosition(min(pos, len(text)))
            w.setTextCursor(cur)
    elif w.text() != text:
        w.setText(text)
    w.blockSignals(False)


def plain_text_edit(lines: int = 3) -> QPlainTextEdit:
    w = QPlainTextEdit()
    w.setTabChangesFocus(True)
    w.setUndoRedoEnabled(False)  # the editor's undo stack owns Ctrl+Z
    w.setFixedHeight(w.fontMetrics().lineSpacing() * lines + 14)
    return w


def scroll_into_view(w: QWidget) -> None:
    """Make ``w`` visible: select the tabs it is on and scroll it into view."""
    parent = w.parentWidget()
    scroll: QScrollArea | None = None
    while parent is not None:
        if isinstance(parent, QTabWidget):
            for i in range(parent.count()):
                page = parent.widget(i)
                if page is w or page.isAncestorOf(w):
                    parent.setCurrentIndex(i)
        if isinstance(parent, QScrollArea) and scroll is None:
            scroll = parent
        parent = parent.parentWidget()
    if scroll is not None:
        scroll.ensureWidgetVisible(w, 40, 40)


@dataclass(eq=False)
class Field:
    path: KeyPath
    widget: QWidget
    read: Callable[[Any], None]
    session: int = 0
    pair: LocalizedPair | None = None


@dataclass(eq=False)
class LocalizedPair:
    """The English and Chinese inputs of one per-locale text; an empty one is flagged as a missing translation."""

    path: KeyPath
    widgets: dict[str, QLineEdit | QPlainTextEdit] = field(default_factory=dict)

    def text(self, loc: str) -> str:
        w = self.widgets[loc]
        return w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()

    def update_flags(self) -> None:
        filled = {loc: bool(self.text(loc).strip()) for loc in self.widgets}
        for loc, w in self.widgets.items():
            missing = not filled[loc]
            w.setStyleSheet(MISSING_STYLE if missing else "")
            w.setToolTip(_("Missing translation: {language}").format(language=i18n.locale_display_name(loc))
                         if missing and any(filled.values()) else _("Missing in every language") if missing else "")
            w.setProperty("missingTranslation", missing)

    def missing(self) -> list[str]:
        return [loc for loc in self.widgets if not self.text(loc).strip()]


class Binder(QObject):
    """Binds widgets to key paths of ``rel`` (a YAML file of the draft)."""

    def __init__(self, model: DraftModel, rel: str, parent: QObject,
                 base: Callable[[], Sequence[str | int]] | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.rel = rel
        self.base = base or (lambda: ())  # key path of the item the fields belong to (e.g. a list entry)
        self.fields: list[Field] = []
        self.extra: dict[KeyPath, Any] = {}  # path → object with focus_path(rest) (tables, lists)
        self.pairs: list[LocalizedPair] = []
        model.values_changed.connect(self.refresh)

    # --- plumbing ----------------------------------------------------------------------------------

    def full(self, path: Sequence[str | int]) -> list[str | int]:
        return [*self.base(), *path]

    def get(self, path: Sequence[str | int], default: Any = None) -> Any:
        return self.model.get(self.rel, self.full(path), default)

    def _add(self, path: Sequence[str | int], widget: QWidget, read: Callable[[Any], None]) -> Field:
        f = Field(tuple(path), widget, read)
        self.fields.append(f)
        widget.installEventFilter(self)
        if self.model.read_only and hasattr(widget, "setReadOnly"):
            widget.setReadOnly(True)
        elif self.model.read_only and isinstance(widget, QComboBox):
            widget.setEnabled(False)
        read(self.get(path, MISSING))
        return f

    def push(self, f: Field, value: Any) -> None:
        full = self.full(f.path)
        self.model.set_value(self.rel, full, value, origin=f.widget,
                             merge_key=(self.rel, tuple(full), id(f), f.session))
        if f.pair is not None:
            f.pair.update_flags()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            for f in self.fields:
                if f.widget is obj:
                    f.session += 1  # a new visit to the field starts a new undo step
        elif event.type() == QEvent.Type.ShortcutOverride and is_undo_key(event):
            event.ignore()  # let the editor's Undo/Redo actions have Ctrl+Z, not the widget's own undo
            return True
        return False

    def refresh(self, origin: object | None = None) -> None:
        for f in self.fields:
            if f.widget is not origin:
                f.read(self.get(f.path, MISSING))
        for pair in self.pairs:
            pair.update_flags()

    def register(self, path: Sequence[str | int], target: Any) -> None:
        self.extra[tuple(path)] = target

    def focus(self, path: Sequence[str | int]) -> bool:
        """Focus the widget bound to ``path`` (a full key path in the file; or to its longest bound prefix)."""
        base = tuple(self.base())
        if tuple(path[:len(base)]) != base:
            return False
        path = tuple(path[len(base):])
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            if prefix in self.extra:
                return bool(self.extra[prefix].focus_path(path[n:]))
            pair = next((p for p in self.pairs if p.path == prefix), None)
            if pair is not None:
                loc = next((x for x in pair.missing()), "en") if n == len(path) else None
                w = pair.widgets.get(loc or (path[n] if len(path) > n else "en"), pair.widgets["en"])
                return _focus(w)
            f = next((f for f in self.fields if f.path == prefix), None)
            if f is not None:
                return _focus(f.widget)
        return False

    # --- widgets -----------------------------------------------------------------------------------

    def line(self, path: Sequence[str | int], *, optional: bool = True, placeholder: str = "",
             object_name: str = "") -> QLineEdit:
        w = QLineEdit(objectName=object_name)
        w.setPlaceholderText(placeholder)

        def read(v: Any) -> None:
            block_text(w, "" if v is MISSING or v is None else str(v))

        f = self._add(path, w, read)
        w.textEdited.connect(lambda t: self.push(f, t if t or not optional else MISSING))
        return w

    def plain(self, path: Sequence[str | int], lines: int = 3, object_name: str = "") -> QPlainTextEdit:
        w = plain_text_edit(lines)
        w.setObjectName(object_name)

        def read(v: Any) -> None:
            block_text(w, "" if v is MISSING or v is None else str(v))

        f = self._add(path, w, read)
        w.textChanged.connect(lambda: self.push(f, w.toPlainText() or MISSING))
        return w

    def localized(self, path: Sequence[str | int], *, multiline: bool = False, lines: int = 3,
                  object_name: str = "") -> LocalizedPair:
        pair = LocalizedPair(tuple(path))
        for loc in LOCALES:
            name = f"{object_name}_{loc}" if object_name else ""
            w = self.plain([*path, loc], lines, name) if multiline else self.line([*path, loc], object_name=name)
            w.setAccessibleDescription(i18n.locale_display_name(loc))
            pair.widgets[loc] = w
            self.fields[-1].pair = pair
        self.pairs.append(pair)
        pair.update_flags()
        return pair

    def spin(self, path: Sequence[str | int], lo: float, hi: float, *, decimals: int = 0, step: float = 1,
             optional: bool = False, special: str = "", suffix: str = "", object_name: str = "") -> QSpinBox:
        w: QSpinBox | QDoubleSpinBox
        if decimals:
            w = QDoubleSpinBox(objectName=object_name, decimals=decimals)
        else:
            w = QSpinBox(objectName=object_name)
            lo, hi = int(lo), int(min(hi, 2**31 - 1))
        w.setRange(lo, hi)
        w.setSingleStep(step)
        w.setSuffix(suffix)
        if optional:
            w.setSpecialValueText(special)

        def read(v: Any) -> None:
            w.blockSignals(True)
            w.setValue(v if isinstance(v, int | float) and not isinstance(v, bool) else w.minimum())
            w.blockSignals(False)

        f = self._add(path, w, read)

        def changed(v: float) -> None:
            if optional and v == w.minimum():
                self.push(f, MISSING)
            else:
                self.push(f, int(v) if float(v).is_integer() else float(v))

        w.valueChanged.connect(changed)
        return w

    def combo(self, path: Sequence[str | int], items: Sequence[tuple[Any, str]], *, editable: bool = False,
              optional: bool = False, object_name: str = "") -> QComboBox:
        """``items``: (value, label) pairs; an editable combo also takes typed text."""
        w = QComboBox(objectName=object_name, editable=editable)
        for value, label in items:
            w.addItem(label, value)

        def read(v: Any) -> None:
            w.blockSignals(True)
            idx = next((i for i in range(w.count()) if _same_value(w.itemData(i), v)), -1)
            if idx >= 0:
                w.setCurrentIndex(idx)
            elif editable:
                w.setEditText("" if v is MISSING or v is None else str(v))
            else:
                w.setCurrentIndex(-1)
            w.blockSignals(False)

        f = self._add(path, w, read)
        if editable:
            w.currentTextChanged.connect(lambda t: self.push(f, _data_for(w, t) if t or not optional else MISSING))
        else:
            w.activated.connect(lambda i: self.push(f, w.itemData(i)))
        return w

    def check(self, path: Sequence[str | int], default: bool = False, object_name: str = "") -> QCheckBox:
        w = QCheckBox(objectName=object_name)

        def read(v: Any) -> None:
            w.blockSignals(True)
            w.setChecked(v if isinstance(v, bool) else default)
            w.blockSignals(False)

        f = self._add(path, w, read)
        w.toggled.connect(lambda on: self.push(f, bool(on)))
        if self.model.read_only:
            w.setEnabled(False)
        return w

    def lines(self, path: Sequence[str | int], lines: int = 3, object_name: str = "") -> QPlainTextEdit:
        """A list of texts, one per line."""
        w = plain_text_edit(lines)
        w.setObjectName(object_name)

        def read(v: Any) -> None:
            block_text(w, "\n".join(str(x) for x in v) if isinstance(v, list) else "")

        f = self._add(path, w, read)
        w.textChanged.connect(lambda: self.push(f, [x.strip() for x in w.toPlainText().splitlines() if x.strip()]))
        return w

    def id_list(self, path: Sequence[str | int], placeholder: str = "", object_name: str = "") -> QLineEdit:
        """A list of ids typed as ``a, b, c``."""
        w = QLineEdit(objectName=object_name)
        w.setPlaceholderText(placeholder)

        def read(v: Any) -> None:
            block_text(w, ", ".join(str(x) for x in v) if isinstance(v, list) else "")

        f = self._add(path, w, read)
        w.textEdited.connect(lambda t: self.push(f, [p.strip() for p in t.replace("，", ",").split(",")
                                                     if p.strip()]))
        return w


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def _data_for(w: QComboBox, text: str) -> Any:
    idx = w.findText(text)
    return w.itemData(idx) if idx >= 0 and w.itemData(idx) is not None else text


def _focus(w: QWidget) -> bool:
    scroll_into_view(w)
    w.setFocus(Qt.FocusReason.OtherFocusReason)
    if isinstance(w, QLineEdit):
        w.selectAll()
    return True


class FormGrid(QWidget):
    """Label | English | Chinese rows (or label | one wide widget), retranslated with the UI language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(6)
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        self.labels: list[tuple[QLabel, str]] = []
        self.named: list[tuple[QWidget, str, str | None]] = []  # accessible names to retranslate
        self.row = 0

    def header(self) -> None:
        # Column headings in the UI language ("英文" in Chinese, like the tables), not the languages' own names.
        for col, msgid in ((1, N_("English")), (2, N_("Chinese"))):
            lab = QLabel(_(msgid), objectName="sectionTitle")
            self.grid.addWidget(lab, self.row, col)
            self.labels.append((lab, msgid))
        self.row += 1

    def _label(self, msgid: str, buddy: QWidget | None) -> QLabel:
        lab = QLabel(_(msgid))
        lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        lab.setContentsMargins(0, 4, 0, 0)
        if buddy is not None:
            lab.setBuddy(buddy)
        self.labels.append((lab, msgid))
        return lab

    def add_localized(self, msgid: str, pair: LocalizedPair) -> None:
        self.grid.addWidget(self._label(msgid, pair.widgets["en"]), self.row, 0)
        self.grid.addWidget(pair.widgets["en"], self.row, 1)
        self.grid.addWidget(pair.widgets["zh_CN"], self.row, 2)
        for loc, w in pair.widgets.items():
            self.named.append((w, msgid, loc))
        self.row += 1
        self._name_widgets()

    def add_row(self, msgid: str, widget: QWidget, *, span: int = 2) -> None:
        self.grid.addWidget(self._label(msgid, widget), self.row, 0)
        self.grid.addWidget(widget, self.row, 1, 1, span)
        if not isinstance(widget, QAbstractScrollArea | QLabel):
            self.named.append((widget, msgid, None))
        self.row += 1
        self._name_widgets()

    def add_section(self, msgid: str) -> QLabel:
        lab = QLabel(_(msgid), objectName="sectionTitle")
        self.labels.append((lab, msgid))
        self.grid.addWidget(lab, self.row, 0, 1, 3)
        self.row += 1
        return lab

    def add_wide(self, widget: QWidget) -> None:
        self.grid.addWidget(widget, self.row, 0, 1, 3)
        self.row += 1

    def _name_widgets(self) -> None:
        for w, msgid, loc in self.named:
            w.setAccessibleName(_(msgid) if loc is None else _("{field} ({language})").format(
                field=_(msgid), language=i18n.locale_display_name(loc)))

    def retranslate(self) -> None:
        for lab, msgid in self.labels:
            lab.setText(_(msgid))
        self._name_widgets()
