"""Showing course content (per-locale texts from course files) in the UI language."""

from __future__ import annotations

from typing import Any

from app import i18n
from app.i18n import N_, _

TRACKS = {
    "robotics-control": N_("Robotics control"),
    "ai-maintenance": N_("AI-driven maintenance"),
    "digital-manufacturing": N_("Digital manufacturing"),
}
LEVELS = {"beginner": N_("Beginner"), "intermediate": N_("Intermediate"), "advanced": N_("Advanced")}


def as_dict(value: Any) -> dict[str, str] | str | None:
    if value is None or isinstance(value, (str, dict)):
        return value
    if hasattr(value, "model_dump"):
        dumped = value.model_dump()
        return dumped.get("root", dumped) if isinstance(dumped, dict) else dumped
    return str(value)


def content_text(value: Any, mark_fallback: bool = True) -> str:
    """A course text in the UI language, falling back to the other one (marked)."""
    text, fallback = i18n.localized(as_dict(value))
    if fallback and mark_fallback and text:
        return _("{text} [untranslated]").format(text=text)
    return text


def track_label(track: str) -> str:
    return _(TRACKS[track]) if track in TRACKS else track


def level_label(level: str) -> str:
    return _(LEVELS[level]) if level in LEVELS else level
