"""The instructor dashboard (pyqtgraph): progress, quizzes, labs, time on task, trainees; exports."""

from app.ui.instructor.dashboard.panel import DashboardPanel

__all__ = ["DashboardPanel"]
