"""The pendant's two layouts: wide (about 540 px: selectors in two columns, the jog keys beside the position, the
mode switch, Reset and E-STOP in one row) and compact (about 340 px, for a lab beside the course's steps list at
1366 px): the same widgets rearranged, nothing hidden. A mixin of ``PendantPanel``, which builds the layouts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QBoxLayout


class PendantLayout:
    """Needs ``_top``, ``_mid`` (QBoxLayout), ``_modes``, ``_stops``, ``_sel`` (QGridLayout), ``_override_row`` and
    the panel's widgets."""

    def _place_selectors(self, compact: bool) -> None:
        fields = (self.frame_combo, self.inc_combo, self.tool_combo, self.user_combo)
        for i, (label, field) in enumerate(zip(self.sel_labels[:4], fields, strict=True)):
            row, col = (i, 0) if compact else (i // 2, (i % 2) * 2)
            self._sel.addWidget(label, row, col)
            self._sel.addWidget(field, row, col + 1)

    def _place_override(self, compact: bool) -> None:
        row = 4 if compact else 2
        self._sel.addWidget(self.sel_labels[4], row, 0)
        self._sel.addLayout(self._override_row, row, 1, 1, 1 if compact else 3)

    @property
    def compact(self) -> bool:
        return self._mid.direction() == QBoxLayout.Direction.TopToBottom

    def set_compact(self, compact: bool) -> None:
        """Narrow layout (about 330 px instead of 540): the selectors in one column, the jog keys over the
        position, Reset and E-STOP under the mode switch. The pendant grows taller; its lab scrolls it."""
        if compact == self.compact:
            return
        down, across = QBoxLayout.Direction.TopToBottom, QBoxLayout.Direction.LeftToRight
        self._top.setDirection(down if compact else across)
        self._mid.setDirection(down if compact else across)
        self._mid.setAlignment(self.jog_keys, Qt.AlignmentFlag.AlignLeft if compact else Qt.AlignmentFlag(0))
        self._sel.removeItem(self._override_row)
        for w in (*self.sel_labels, self.frame_combo, self.inc_combo, self.tool_combo, self.user_combo):
            self._sel.removeWidget(w)
        self._place_selectors(compact)
        self._place_override(compact)
        self._sel.setColumnStretch(3, 0 if compact else 1)
        self.enabling.title.setWordWrap(compact)
        self.points.set_compact(compact)
        for mark in self.enabling.marks:
            mark.setWordWrap(compact)
        # compact: Motors on beside Reset and E-STOP, the mode switch alone on its row
        (self._modes if compact else self._stops).removeWidget(self.motors_on)
        if compact:
            self._stops.insertWidget(0, self.motors_on)
        else:
            self._modes.addWidget(self.motors_on)
        self.updateGeometry()
