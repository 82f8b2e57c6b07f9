"""Startup: time to the first painted window, to a usable set-up/login screen and to the open
store, vs a bare window.

All are timed the same way: from process launch to the line the process prints at that
moment (interpreter start included), with the process's CPU seconds so far. ``zhizao`` runs as
a user starts it (``python -m app --data-dir …``) with ``ZHIZAO_STARTUP_TRACE=1``; runs of ours
and of the bare window are interleaved, medians reported. "Usable" = the set-up or login page
painted with the keyboard focus in its first field. "Store ready" (not a goal; reported so
nobody is fooled) = the store open and migrated: a login submitted before then waits for it.

Profile now (issue 20, second round; 2-core VM at load 6-10, Dec 2026): the set-up/login screen
paints from a read-only probe of the database (``app.storage.probe``: stdlib sqlite3, two
SELECTs, ≈ 2 ms) and is the first paint; the store (SQLAlchemy's ORM, the 20 models, the
accounts/settings services, Alembic and the migrations on a first start) opens on a thread
started after that paint, while the user types. Enter pressed earlier waits (busy cursor) and
is carried out when the store is open. CPU to the painted login screen, by phase
(``time.process_time`` checkpoints, median of 3): interpreter 22 ms, our CLI/i18n modules 22
(platformdirs 7 of it), PySide6 ≈ 80-95 (the bare window pays it too), our shell modules 15,
QApplication with the CJK fonts and style sheet 10, the window with its menus and both pages
18; total ≈ 0.18 s against the bare window's 0.12-0.14 s. Kept out of the time before the
paint, each measured: the ORM and services (≈ 0.4 s, now on the thread); application-wide
Python event filters (the idle watcher's, now installed for a session only, and the trace's,
which now watches the window as the bare benchmark does: shiboken built enum types for every
event class they saw; 0.28-0.31 → 0.21-0.24 s CPU for the two); PySide6's ``Qt`` namespace
(16-19 ms to build its enum types on first use, which setting any shortcut triggers: shortcuts
and the like are set just after the paint); Babel, ``logging.handlers`` and ``uuid`` (≈ 20 ms, loaded with the store).

Measured (9 interleaved runs per benchmark run; the old tree and this one run back to back,
twice): wall ratio to the bare window, before → after: first paint 1.81-1.82 → 1.40-1.41;
usable login on an existing center 5.22-5.59 → 1.40-1.41; usable set-up on a first start
7.96-7.99 → 1.28-1.39. CPU ratio at the paint 1.37-1.40 (0.17-0.18 s vs 0.13 s). The store is
ready 1.8-2.1 s after launch on an existing center and 2.3-2.7 s on a first start (created
and migrated), as late as the old login screen was, but behind a screen that takes typing.
While it opens, the GUI thread's 5 ms timer ran late by 5-7 ms (median), ≈ 20 ms (p95) and at
worst 25-104 ms: keystrokes are delayed a little, never lost.

What bounds what is left: the first paint is PySide6/shiboken (≈ 95 ms of ≈ 200 ms CPU) plus
the fonts, style and menus a real window needs; the store itself (≈ 0.4-0.5 s CPU for the ORM,
models and services, plus Alembic and five migrations on a first start) is what a login typed
within the first second or two waits for. For PostgreSQL or a database the probe cannot read
(damaged, locked, another schema) the window shows "Starting…" and opens the store first,
as before.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from tests.benchmarks._report import report

BARE = textwrap.dedent("""
    import sys, time
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    app = QApplication(sys.argv[:1])
    win = QMainWindow(); win.setCentralWidget(QLabel("hello")); win.resize(1280, 760)
    class Spy(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                print(f"painted cpu {time.process_time():.3f}", flush=True); app.quit()
            return False
    spy = Spy(); win.installEventFilter(spy); win.show(); app.exec()
""")

CENTER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from app.context import AppContext
    ctx = AppContext.open(Path(sys.argv[1]))
    ctx.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    ctx.close()
""")

MARKERS = ["startup: window painted", "startup: login screen ready", "startup: store ready"]


def time_to_lines(cmd: list[str], markers: list[str], env: dict, cwd: str | None = None) -> list[tuple[float, float]]:
    """(ms from launch, the process's CPU seconds it printed) when each marker line was printed;
    the process is then stopped."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=cwd)
    seen: dict[str, tuple[float, float]] = {}
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            for marker in markers:
                if marker in line and marker not in seen:
                    cpu = float(line.split(" cpu ")[1]) if " cpu " in line else float("nan")
                    seen[marker] = ((time.perf_counter() - t0) * 1000, cpu)
            if len(seen) == len(markers):
                break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert set(seen) == set(markers), f"{cmd} printed only {sorted(seen)}"
    return [seen[m] for m in markers]


def zhizao_startup(data_dir: Path, env: dict, cwd: str | None = None) -> list[tuple[float, float]]:
    """(ms, CPU s) at the first paint, the usable set-up/login screen and the open store, for one
    start of the real GUI."""
    return time_to_lines([sys.executable, "-m", "app", "--data-dir", str(data_dir)], MARKERS,
                         {**env, "ZHIZAO_STARTUP_TRACE": "1"}, cwd)


def test_startup_ratio(tmp_path):
    # Byte-compiled, as an installed copy runs (pip and the bundle compile at install): this
    # workplace sets PYTHONDONTWRITEBYTECODE, which would recompile all of app/ on every start.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPYCACHEPREFIX=str(tmp_path / "pycache"))
    bare = tmp_path / "bare.py"
    bare.write_text(BARE, encoding="utf-8")
    center = tmp_path / "center"
    subprocess.run([sys.executable, "-c", CENTER, str(center)], check=True, env=env)
    zhizao_startup(center, env)  # warm-up: writes the bytecode
    floor: list[tuple[float, float]] = []
    existing: list[list[tuple[float, float]]] = []
    first: list[list[tuple[float, float]]] = []
    for i in range(int(os.environ.get("ZHIZAO_BENCH_RUNS", "7"))):
        floor.extend(time_to_lines([sys.executable, str(bare)], ["painted"], env))
        existing.append(zhizao_startup(center, env))
        with tempfile.TemporaryDirectory() as fresh:
            first.append(zhizao_startup(Path(fresh) / f"new-{i}", env))

    def median(runs, stage: int, part: int) -> float:
        return statistics.median(run[stage][part] for run in runs)

    wall = statistics.median(t for t, _cpu in floor)
    cpu = statistics.median(c for _t, c in floor)
    ratio = report("startup to the first painted window", median(existing, 0, 0), wall, note="goal ratio <= 1.5")
    report("startup to a usable login screen, existing center database", median(existing, 1, 0), wall,
           note="goal ratio <= 2.5")
    report("startup to a usable set-up screen, first start (database created)", median(first, 1, 0), wall,
           note="goal ratio <= 4")
    # CPU seconds of the process at the same moments: what the wall figures cost on a loaded machine.
    report("CPU to the first painted window", median(existing, 0, 1), cpu, unit="s", note="process CPU")
    report("CPU to a usable login screen, existing center", median(existing, 1, 1), cpu, unit="s")
    report("CPU to a usable set-up screen, first start", median(first, 1, 1), cpu, unit="s")
    # Not a goal, said so nobody is fooled: a login typed at once waits for this (≈ 1-2 s of typing).
    report("startup to the store open (login carried out), existing center", median(existing, 2, 0), wall,
           note="not a goal: opens while the user types")
    report("startup to the store created and migrated, first start", median(first, 2, 0), wall,
           note="not a goal: opens while the administrator types")
    assert ratio > 0
