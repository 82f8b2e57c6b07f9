"""How the six-axis lab shares its room at 1366×768: the pendant wide when it fits beside a 3D view of
``CENTRE_MIN`` px, else compact, keeping the width it needs while the 3D view takes the rest; a wide, low centre
puts the program beside the 3D view rather than under it. A mixin of ``ArmLabView`` (its splitters and panes)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer

CENTRE_MIN = 300  # px of 3D view (and program) beside the pendant before it goes compact
WIDE_CENTRE = 1.4  # the 3D view beside the program (not over it) when the centre is this much wider than high


class ArmLayout:
    """Needs ``pendant``, ``pendant_scroll``, ``_pendant_box``, ``right_split`` and ``centre_split`` (or None)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            if self.pendant is not None and watched is self.right_split:
                self._fit_pendant()
            elif watched is self.centre_split:
                self._orient_centre()
        return super().eventFilter(watched, event)

    def _fit_pendant(self) -> None:
        """The wide pendant when it fits beside a 3D view of ``CENTRE_MIN`` px, else the compact one (the steps
        list shown at 1366 px); either way the pendant gets the width it needs and the 3D view the rest."""
        if not self.pendant.compact:  # measured now: styled, in the user's language
            self._pendant_wide = self.pendant.sizeHint().width()
        centre = max(CENTRE_MIN, self.right_split.widget(0).minimumSizeHint().width())  # the program's run bar
        compact = self.right_split.width() - centre < self._pendant_need(wide=True)
        if compact != self.pendant.compact:
            self.pendant.set_compact(compact)
            self._pendant_box.setMinimumHeight(self.pendant.minimumSizeHint().height() + 60)
        self._later(self._size_pendant)  # once the layout has settled

    def _pendant_need(self, wide: bool) -> int:
        bar = self.pendant_scroll.verticalScrollBar().sizeHint().width()
        return (self._pendant_wide if wide else self.pendant.minimumSizeHint().width()) + bar + 12

    def _size_pendant(self) -> None:
        if self.pendant is None:
            return
        total = sum(self.right_split.sizes())
        need = self._pendant_need(wide=not self.pendant.compact)
        if total > need and self.right_split.sizes()[1] != need:
            self.right_split.setSizes([total - need, need])

    def _orient_centre(self) -> None:
        """A wide, low centre puts the program beside the 3D view: stacked, the editor showed four lines. Not
        beside a pendant: side by side the two would need more width than the pendant leaves them."""
        split = self.centre_split
        wide = self.pendant is None and split.width() > WIDE_CENTRE * split.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if split.orientation() != orientation:
            split.setOrientation(orientation)
            total = split.width() if wide else split.height()
            split.setSizes([int(total * (0.45 if wide else 0.55)), int(total * (0.55 if wide else 0.45))])

    def _later(self, slot) -> None:
        """Call ``slot`` once the event loop is back, on a timer owned by the view (gone with it)."""
        timers = self.__dict__.setdefault("_later_timers", {})
        timer = timers.get(slot.__name__)
        if timer is None:
            timer = timers[slot.__name__] = QTimer(self, singleShot=True, interval=0)
            timer.timeout.connect(slot)
        timer.start()
