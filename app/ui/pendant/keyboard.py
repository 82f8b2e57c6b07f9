"""The pendant's keyboard: Space is the enabling device (Shift+Space pressed through), Q W E R T Y jog axes
1–6 in the + direction and A S D F G H in the − direction while held; auto-repeat is ignored (a held key is one
press). Focus leaving the panel lets go of everything, as a trainee's hand leaving a real pendant would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFocusEvent, QKeyEvent

from app.ui.pendant.controls import MINUS_KEYS, PLUS_KEYS

# With Ctrl/Alt/Meta a letter is a command (Ctrl+S, Alt+F …), not a jog key
_COMMAND = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


class PendantKeyboard:
    """Mixed into the panel (before QWidget): needs ``enabling``, ``_jog_key``, ``_held_keys``, ``_space``."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if event.isAutoRepeat():
            if key == Qt.Key.Key_Space or key in PLUS_KEYS + MINUS_KEYS:
                event.accept()  # a held key is one press
            else:
                super().keyPressEvent(event)
            return
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if key == Qt.Key.Key_Space:
            self._space = True
            self.enabling.set_position(3 if shift else 2)
        elif key == Qt.Key.Key_Shift and self._space:
            self.enabling.set_position(3)  # squeezing harder while held
        elif (key in PLUS_KEYS or key in MINUS_KEYS) and not event.modifiers() & _COMMAND:
            self._held_keys.add(key)
            plus = key in PLUS_KEYS
            self._jog_key((PLUS_KEYS if plus else MINUS_KEYS).index(key), 1 if plus else -1, True)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if event.isAutoRepeat():
            return
        if key == Qt.Key.Key_Space:
            self._space = False
            self.enabling.set_position(1)
        elif key == Qt.Key.Key_Shift and self._space:
            self.enabling.set_position(2)  # back to the middle: still not enabled after 3 (the core's rule)
        elif key in self._held_keys:
            self._held_keys.discard(key)
            plus = key in PLUS_KEYS
            self._jog_key((PLUS_KEYS if plus else MINUS_KEYS).index(key), 1 if plus else -1, False)
        else:
            super().keyReleaseEvent(event)
            return
        event.accept()

    def let_go(self) -> None:
        """Release every held key and the enabling device (focus lost, panel hidden)."""
        for key in sorted(self._held_keys):
            plus = key in PLUS_KEYS
            self._jog_key((PLUS_KEYS if plus else MINUS_KEYS).index(key), 1 if plus else -1, False)
        self._held_keys.clear()
        self._space = False
        self.enabling.set_position(1)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self._space or self._held_keys:
            self.let_go()
        super().focusOutEvent(event)
