"""Dynamic style-sheet properties (``QLabel[state="passed"]``, ``QPushButton[primary="true"]``).

Qt applies a style sheet's property selectors when a widget is polished, not when the property
changes, so every change must re-polish the widget; these helpers are the one place that does it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def repolish(widget: QWidget) -> None:
    """Re-apply the style sheet to ``widget`` after a property or object name it selects on changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def set_style_property(widget: QWidget, name: str, value: object) -> None:
    """Set the dynamic property ``name`` and re-apply the style sheet."""
    widget.setProperty(name, value)
    repolish(widget)
