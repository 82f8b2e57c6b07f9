"""The course authoring editor of the instructor workspace (the "Courses" tab).

``panel`` is the tab; ``model`` wraps the Qt-free ``app.courses.authoring.CourseDraft``
with an undo stack; ``tree``, ``forms``, ``*_editor`` and ``tables`` are the editing
widgets; ``validation`` runs the validator on the draft as the instructor types.
"""

from app.ui.instructor.authoring.panel import AuthoringPanel

__all__ = ["AuthoringPanel"]
