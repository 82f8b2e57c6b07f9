"""LatestOnly: an answer still on its way when a newer request starts, or after its owner is deleted,
never reaches the screen (the dashboard and the verify dialog rely on it)."""

from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QWidget

from app.ui.common.background import LatestOnly


def _loads(qtbot):
    """A LatestOnly on a live widget, a gate that holds slow work back, and the list of what arrived."""
    owner = QWidget()
    qtbot.addWidget(owner)
    return LatestOnly(owner), threading.Event(), []


def test_only_the_latest_answer_is_delivered(qtbot, qapp_ready):
    loads, release, got = _loads(qtbot)
    loads.run(lambda: release.wait(5) and "old", got.append, lambda exc: got.append(f"error {exc}"))
    loads.run(lambda: "new", got.append, lambda exc: got.append(f"error {exc}"))
    qtbot.waitUntil(lambda: got == ["new"], timeout=5000)
    release.set()  # the first answer arrives now, after the newer one: dropped
    qtbot.wait(200)
    assert got == ["new"]


def test_invalidate_drops_answers_and_errors_in_flight(qtbot, qapp_ready):
    loads, release, got = _loads(qtbot)

    def fail():
        release.wait(5)
        raise RuntimeError("late")

    loads.run(fail, got.append, got.append)
    loads.invalidate()
    release.set()
    qtbot.wait(300)
    assert got == []
    loads.run(fail, got.append, lambda exc: got.append(str(exc)))  # not stale: the error arrives
    qtbot.waitUntil(lambda: got == ["late"], timeout=5000)


def test_no_answer_after_the_owner_is_deleted(qtbot, qapp_ready):
    owner = QWidget()
    loads = LatestOnly(owner)
    release = threading.Event()
    got: list[str] = []
    loads.run(lambda: release.wait(5) and "late", got.append, lambda exc: None)
    shiboken6.delete(owner)
    release.set()
    qtbot.wait(300)
    assert got == []
