"""Startup: time to the first painted window and to a usable set-up/login screen, vs a bare window.

All three are timed the same way: from process launch to the line the process prints
when its window has painted (interpreter start included). ``zhizao`` runs as a user
starts it (``python -m app --data-dir …``) with ``ZHIZAO_STARTUP_TRACE=1``; runs of ours
and of the bare window are interleaved, medians reported.

Where the time went (python -X importtime and cProfile, 2-core VM at load 7-12, Dec 2026):
before, opening the store imported every service (course models and pydantic, grading,
the simulators, certificates: ≈ 1.6 s of 3 s under that load) and Alembic (≈ 0.6 s) only
to compare two revision strings. Now the services are built on first use (the login
screen needs accounts and settings only), the revision is one SELECT against the head
read from the revision files and Alembic loads only to migrate. Whole process to a
usable login screen on an existing center, 9 paired runs: CPU 0.54×, wall 0.57× of before.
Opening the store on a thread while the window paints was tried and measured (7 paired
runs): first paint 649 vs 476 ms (the imports hold the GIL), login screen no sooner
(1418 vs 1298 ms) on this loaded machine, so it was not kept.

What bounds the ratio now (measured, CPU seconds, median of 7): importing SQLAlchemy's
ORM, our 20 mapped models and the accounts/settings services costs 0.39 s, 2.6-3.3× the
bare window's whole process (0.13-0.15 s), before any query, so ≤ 2.5× cannot be met
while the login screen goes through the ORM. The first paint is PySide6/shiboken (≈ 0.2 s
of 0.3 s importtime) plus our CLI parser, logging, i18n and message-box set-up. A first
start adds the Alembic import and the five migrations.
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
