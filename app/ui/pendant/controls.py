"""The pendant's hardware-like controls: the three-position enabling device, the E-stop, the jog keys.

None of them takes keyboard focus: the panel keeps it, so Space and the jog letters always reach the panel
(a focused button would take Space as a click).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.ui.common.style import set_style_property

# Jog key shortcuts: the top letter row is +, the home row −, one column per axis.
PLUS_KEYS = (Qt.Key.Key_Q, Qt.Key.Key_W, Qt.Key.Key_E, Qt.Key.Key_R, Qt.Key.Key_T, Qt.Key.Key_Y)
MINUS_KEYS = (Qt.Key.Key_A, Qt.Key.Key_S, Qt.Key.Key_D, Qt.Key.Key_F, Qt.Key.Key_G, Qt.Key.Key_H)
PLUS_LETTERS, MINUS_LETTERS = "QWERTY", "ASDFGH"
JOINT_NAMES = ("J1", "J2", "J3", "J4", "J5", "J6")
CARTESIAN_NAMES = ("X", "Y", "Z", "Rx", "Ry", "Rz")


class EnablingDevice(QFrame):
    """Three-position enabling device: 1 released, 2 middle (enabled), 3 pressed through.

    Held with the mouse (Shift + press: through) or, via the panel, with Space (Shift + Space: through).
    ``position_changed`` fires on every change.
    """

    position_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="enablingDevice")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.position = 1
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(2)
        self.title = QLabel(objectName="enablingTitle")
        self.title.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        lay.addWidget(self.title)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.marks: list[QLabel] = []
        for i in range(3):
            mark = QLabel(objectName=f"enablingPos{i + 1}", alignment=Qt.AlignmentFlag.AlignCenter)
            mark.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            mark.setStyleSheet("QLabel { border: 1px solid #98a2b3; border-radius: 3px; padding: 2px 4px; }"
                               "QLabel[active=\"true\"] { background: #fdb022; font-weight: bold; }"
                               "QLabel#enablingPos2[active=\"true\"] { background: #32d583; }")
            row.addWidget(mark, 1)
            self.marks.append(mark)
        lay.addLayout(row)
        self.retranslate()
        self._show()

    def retranslate(self) -> None:
        self.title.setText(_("Enabling device: hold Space or press here (Shift: press through)"))
        self.marks[0].setText(_("1 Released"))
        self.marks[1].setText(_("2 Enabled"))
        self.marks[2].setText(_("3 Pressed through"))
        self.setToolTip(_("Hold to enable motion in T1/T2. Letting go or pressing through stops the robot."))

    def set_position(self, position: int, emit: bool = True) -> None:
        if position != self.position:
            self.position = position
            self._show()
            if emit:
                self.position_changed.emit(position)

    def _show(self) -> None:
        for i, mark in enumerate(self.marks):
            set_style_property(mark, "active", i + 1 == self.position)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        through = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        self.set_position(3 if through else 2)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.set_position(1)


class EStopButton(QPushButton):
    """The red mushroom button: pressed it latches (checked); a second click pulls it out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="estopButton", checkable=True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAutoDefault(False)
        self.setMinimumHeight(52)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # the text never clipped
        self.setStyleSheet(
            "QPushButton#estopButton { background: #d92d20; color: white; font-weight: bold; font-size: 13pt;"
            " border: 3px solid #fdb022; border-radius: 26px; padding: 4px 8px; }"
            "QPushButton#estopButton:checked { background: #7a271a; border-color: #b42318; }")

    def retranslate(self) -> None:
        self.setText(_("E-STOP"))
        self.setToolTip(_("Emergency stop. Click again to pull the button out; then press Reset."))


class JogKeys(QWidget):
    """Six pairs of jog keys (− and +), labelled J1…J6 or X…Rz. ``key(index 0-5, direction, down)``."""

    key = Signal(int, int, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="jogKeys")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(3)
        self.minus: list[QPushButton] = []
        self.plus: list[QPushButton] = []
        self.names: list[QLabel] = []
        for i in range(6):
            for col, direction, store, letter in ((0, -1, self.minus, MINUS_LETTERS[i]),
                                                   (2, 1, self.plus, PLUS_LETTERS[i])):
                b = QPushButton(objectName=f"jog{'Plus' if direction > 0 else 'Minus'}{i + 1}")
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                b.setAutoDefault(False)
                b.setMinimumWidth(52)
                b.setText(f"{letter}  −" if direction < 0 else f"+  {letter}")
                b.pressed.connect(lambda i=i, d=direction: self.key.emit(i, d, True))
                b.released.connect(lambda i=i, d=direction: self.key.emit(i, d, False))
                grid.addWidget(b, i, col)
                store.append(b)
            name = QLabel(objectName=f"jogAxis{i + 1}", alignment=Qt.AlignmentFlag.AlignCenter)
            name.setMinimumWidth(30)
            name.setStyleSheet("font-weight: bold;")
            grid.addWidget(name, i, 1)
            self.names.append(name)
        self.set_joint(True)

    def set_joint(self, joint: bool) -> None:
        """Label the keys for joints (J1…J6) or the Cartesian axes (X…Rz)."""
        for name, text in zip(self.names, JOINT_NAMES if joint else CARTESIAN_NAMES, strict=True):
            name.setText(text)

    def retranslate(self) -> None:
        for i in range(6):
            self.minus[i].setToolTip(_("Jog {axis} in the − direction (key {key})").format(
                axis=self.names[i].text(), key=MINUS_LETTERS[i]))
            self.plus[i].setToolTip(_("Jog {axis} in the + direction (key {key})").format(
                axis=self.names[i].text(), key=PLUS_LETTERS[i]))
