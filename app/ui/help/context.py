"""Context help: which section of the user guide F1 opens for the widget that has the focus.

A widget (or any of its parents) may name its section with a ``help_topic`` attribute,
``"chapter#anchor"``; otherwise the first class in its parents' class hierarchies that is in
``TOPICS`` decides. Class names, not imports: the help room never imports the rooms it explains.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

# Class name → (chapter, anchor of the English heading). Most specific first along the parent chain.
TOPICS: dict[str, tuple[str, str]] = {
    "RobotLabView": ("trainee", "robot-cell-labs-robot_cell"),
    "VibrationLabView": ("trainee", "spectrum-diagnosis-labs-vibration"),
    "SimLabView": ("trainee", "production-line-and-predictive-maintenance-labs-line-maintenance"),
    "LabViewBase": ("trainee", "labs-the-live-simulator-views"),
    "QuizView": ("trainee", "learning-in-zhizao-academy"),
    "LessonView": ("trainee", "learning-in-zhizao-academy"),
    "PracticalView": ("trainee", "learning-in-zhizao-academy"),
    "CatalogPage": ("trainee", "learning-in-zhizao-academy"),
    "ProgressPage": ("trainee", "certificates"),
    "LoginPage": ("trainee", "logging-in"),
    "AuthoringPanel": ("instructor", "writing-courses-in-the-app-the-courses-tab"),
    "DashboardPanel": ("instructor", "instructor-dashboard"),
    "TraineeRecordDialog": ("instructor", "one-trainees-record"),
    "InstructorPage": ("instructor", "the-workspace"),
    "SettingsPage": ("administrator", "accounts-on-a-shared-workstation"),
    "SetupPage": ("administrator", "accounts-on-a-shared-workstation"),
}


def topic_for(widget: QWidget | None, staff: bool = False) -> tuple[str, str]:
    """(chapter, anchor) for ``widget``; the chapter of the user's role when nothing more specific fits."""
    w = widget
    while w is not None:
        own = getattr(w, "help_topic", None)
        if isinstance(own, str) and own:
            chapter, _sep, anchor = own.partition("#")
            return chapter, anchor
        for cls in type(w).__mro__:
            if cls.__name__ in TOPICS:
                return TOPICS[cls.__name__]
        w = w.parentWidget()
    return ("instructor", "") if staff else ("trainee", "")
