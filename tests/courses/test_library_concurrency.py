"""The course library loads once when two threads ask for it at the same time (catalog + login)."""

from __future__ import annotations

import threading

from app.courses.library import CourseLibrary
from app.paths import courses_dir


def test_two_threads_asking_at_once_load_the_library_once(tmp_path, monkeypatch):
    lib = CourseLibrary(courses_dir(), None, tmp_path / "cache", key_file=tmp_path / "key")
    loads = []
    started = threading.Event()
    real = CourseLibrary.reload

    def counting_reload(self):
        loads.append(threading.current_thread().name)
        started.set()
        real(self)

    monkeypatch.setattr(CourseLibrary, "reload", counting_reload)
    worker = threading.Thread(target=lib.courses, name="catalog")
    worker.start()
    started.wait(10)
    ids = [c.id for c in lib.courses()]  # the "login" thread asks while the catalog loads
    worker.join(30)
    assert loads == ["catalog"]
    assert "digital-manufacturing-management" in ids and len(ids) >= 3
