"""A center under load: 50 workstations against one PostgreSQL server (issue #21, Load).

Ours: one PostgreSQL server (fsync and synchronous_commit on, as in production),
``ZHIZAO_LOAD_WORKSTATIONS`` (50) workstation processes. Floor: the same center on
SQLite with one workstation, in the same run. Each workstation is a spawned process
using the real services through ``AppContext``: it logs in once with the production
argon2 cost, then, for ``ZHIZAO_LOAD_SECONDS`` (120), repeats a trainee's cycle —
lesson time (``record_lesson``), ``start_quiz``, ``submit_quiz``, ``submit_lab`` (the
robot course's first-program lab, ~1 ms of simulation) — with a think time drawn
uniformly from 1.2–3.0 s before each call: a trainee finishes a step every 2–5 min,
×100 is one write every 1.2–3 s (≈ 24 writes/s for the center). Each call is timed
from the workstation; any exception counts as an error. Meanwhile the main process,
logged in as the class's instructor, refreshes the dashboard of the 50-trainee class
(``DashboardQueries.dashboard``: report, score distributions, item analysis, timeline,
labs, step times) once a second and times each refresh.

Measured on the 2-core development machine shared with ~6 other jobs, 120 s each,
SQLite / 1 workstation (floor) vs PostgreSQL 15 / 50 workstations (ours), 0 errors both:

  run  machine     writes    write p50    write p99    dashboard p99
  1    busy*       53/2841   4.9/9.6 ms   16/32 ms     80/196 ms
  2    half idle   53/2848   4.1/5.0 ms   13/16 ms     39/111 ms

  * other engineers' jobs; load average 24-33 during the spawn, decaying during the run.
  Run 2: machine CPU busy 51% over both windows, load average 1.4 (SQLite) and 2.8 (PG)
  at the end; the 50 workstations used 9 CPU s in their 120 s.

So the write path is not what bounds this: at ×100 pace the center makes ~24 writes/s
(a commit with fsync each), which one PostgreSQL server takes in a few ms apiece;
the tails follow whatever else wants the two cores. The dashboard is the heaviest
query: it reads the whole class's history, which on PostgreSQL holds 50 trainees'
writes (~2,800 rows by the end) against one trainee's (53) on the SQLite floor, so
its ratio also measures the larger class record; it stayed under the 200 ms goal
on the busy machine only just. The CPU-bound part is before the clock: spawning
50 Python processes (imports, course model) and their logins (argon2id, 64 MiB,
~0.4 s CPU each, taken two at a time so 50 × 64 MiB are never needed at once)
take ~2-3 min here. Memory: each workstation is ~105 MB resident at the end
(Python, SQLAlchemy, psycopg, the course model, the simulators), 5.4 GB for 50.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import tempfile
import time
import traceback
from pathlib import Path

import pytest

from tests.benchmarks._report import report
from tests.pg_server import running_server, unavailable_reason

WORKSTATIONS = int(os.environ.get("ZHIZAO_LOAD_WORKSTATIONS", "50"))
SECONDS = float(os.environ.get("ZHIZAO_LOAD_SECONDS", "120"))
THINK_S = (1.2, 3.0)  # a trainee's pace (a step every 2-5 min) x 100
DASHBOARD_EVERY_S = 1.0
COURSE = "industrial-robot-operation"
LAB = "motion/first-program-lab"
PASSWORD = "load-test-password"
CONCURRENT_LOGINS = 2
READY_TIMEOUT_S = 900


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _prepare_center(url: str, data_dir: Path, trainees: int) -> dict:
    """A migrated center: an instructor, ``trainees`` trainees in one class enrolled in COURSE."""
    from argon2 import PasswordHasher
    from sqlalchemy import update

    from app.context import AppContext
    from app.services import accounts
    from app.storage import db as storedb
    from app.storage.models import Role, User

    storedb.upgrade(url)
    ctx = AppContext.open(data_dir, url)
    production = accounts._hasher
    try:
        # Accounts are made with a cheap hash, then all get one production-cost hash of the same
        # password: the workstations' logins pay the real argon2 cost, the set-up pays it once.
        accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        admin = ctx.accounts.create_first_admin("admin", "Admin", PASSWORD)
        ctx.accounts.add_user(admin, "instructor", "Instructor", Role.INSTRUCTOR, PASSWORD)
        logins = [f"t{n:03d}" for n in range(trainees)]
        for login in logins:
            ctx.accounts.add_user(admin, login, f"学员 {login}", Role.TRAINEE, PASSWORD)
        real_hash = production.hash(PASSWORD)
        with ctx.store.session() as s, s.begin():
            s.execute(update(User).values(password_hash=real_hash))
    finally:
        accounts._hasher = production
    try:
        instructor = ctx.accounts.authenticate("instructor", PASSWORD)
        cohort = ctx.cohorts.create(instructor, "Load class")
        for login in logins:
            ctx.cohorts.add_member(instructor, cohort, login)
        ctx.cohorts.assign_course(instructor, cohort, COURSE, None)
    finally:
        ctx.close()
    return {"cohort": cohort, "logins": logins}


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _rss_mb() -> float:
    """Resident memory now (the peak would count argon2's 64 MiB of the login)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _workstation(url: str, data_dir: str, login: str, seed: int, logins_gate, ready, deadline, results) -> None:
    """One workstation process: log in, then a trainee's writes at THINK_S pace until ``deadline``."""
    latencies: dict[str, list[float]] = {"lesson": [], "start_quiz": [], "submit_quiz": [], "submit_lab": []}
    errors: list[str] = []
    ctx = None
    try:
        from app.context import AppContext

        ctx = AppContext.open(Path(data_dir), url)
        with logins_gate:
            actor = ctx.accounts.authenticate(login, PASSWORD)
        course = ctx.library.get(COURSE)
        steps = {step.key: step for _m, step in course.iter_steps()}
        lessons = [k for k, st in steps.items() if st.kind == "lesson"]
        quizzes = [k for k, st in steps.items() if st.kind == "quiz"]
        quiz_budget = [k for k in quizzes for _ in range(steps[k].quiz.max_attempts or 3)]
        lab = steps[LAB]
        progress = ctx.progress
    except Exception:  # noqa: BLE001 - reported to the main process, which fails the run
        ready.put(("failed", login, traceback.format_exc()[-1500:]))
        if ctx is not None:
            ctx.close()
        return
    ready.put(("ready", login, ""))
    while deadline.value == 0.0:
        time.sleep(0.05)
    rng = random.Random(seed)
    cpu0 = time.process_time()
    i = 0
    quiz_step = None
    while True:
        time.sleep(rng.uniform(*THINK_S))
        if time.time() >= deadline.value:
            break
        op = ("lesson", "start_quiz", "submit_quiz", "submit_lab")[i % 4]
        i += 1
        if op == "start_quiz" and not quiz_budget:
            op = "lesson"  # every attempt of every quiz used: keep writing lesson time
        elif op == "submit_quiz" and quiz_step is None:
            continue
        t0 = time.perf_counter()
        try:
            if op == "lesson":
                progress.record_lesson(actor, course.id, course.version, lessons[i % len(lessons)],
                                       rng.uniform(60, 300), completed=True)
            elif op == "start_quiz":
                quiz_step = steps[quiz_budget.pop(0)]
                progress.start_quiz(actor, course, quiz_step)
            elif op == "submit_quiz":
                progress.submit_quiz(actor, course, quiz_step, {}, duration_s=rng.uniform(60, 300))
                quiz_step = None
            else:
                progress.submit_lab(actor, course, lab, {}, duration_s=rng.uniform(60, 300), parallel=False)
        except Exception as exc:  # noqa: BLE001 - every failed write is an error of the run
            errors.append(f"{op}: {type(exc).__name__}: {exc}"[:300])
            continue
        latencies[op].append((time.perf_counter() - t0) * 1000)
    cpu_s = time.process_time() - cpu0
    ctx.close()
    results.put((login, latencies, errors, _rss_mb(), cpu_s))


def _run_center(url: str, root: Path, center: dict, workstations: int, seconds: float) -> dict:
    """Start the workstations, refresh the dashboard while they write, gather the figures."""
    from app.context import AppContext

    spawn = mp.get_context("spawn")
    gate, ready, results = spawn.Semaphore(CONCURRENT_LOGINS), spawn.Queue(), spawn.Queue()
    deadline = spawn.Value("d", 0.0)
    procs = [spawn.Process(target=_workstation, daemon=True,
                           args=(url, str(root / f"ws{n:02d}"), center["logins"][n], n, gate, ready, deadline,
                                 results)) for n in range(workstations)]
    for proc in procs:
        proc.start()
    failed = []
    try:
        for _ in procs:
            state, login, detail = ready.get(timeout=READY_TIMEOUT_S)
            if state != "ready":
                failed.append(f"{login}: {detail}")
        assert not failed, f"{len(failed)} workstations failed to start, first: {failed[0]}"

        ctx = AppContext.open(root / "instructor", url)
        try:
            instructor = ctx.accounts.authenticate("instructor", PASSWORD)
            course = ctx.library.get(COURSE)
            ctx.dashboards.dashboard(instructor, center["cohort"], course)  # warm: imports, course model
            dash_ms, dash_errors = [], []
            cpu0 = _cpu_ticks()
            deadline.value = time.time() + seconds
            while time.time() < deadline.value:
                t0 = time.perf_counter()
                try:
                    board = ctx.dashboards.dashboard(instructor, center["cohort"], course)
                    if board.trainees != len(center["logins"]):
                        raise AssertionError(f"{board.trainees} trainees on the dashboard")
                except Exception as exc:  # noqa: BLE001 - every failed refresh is an error of the run
                    dash_errors.append(f"dashboard: {type(exc).__name__}: {exc}"[:300])
                dash_ms.append((time.perf_counter() - t0) * 1000)
                time.sleep(max(0.0, DASHBOARD_EVERY_S - (time.perf_counter() - t0)))
            cpu1, load = _cpu_ticks(), os.getloadavg()[0]
        finally:
            ctx.close()
        gathered = [results.get(timeout=max(60.0, seconds)) for _ in procs]
    finally:
        if deadline.value == 0.0:
            deadline.value = time.time()  # the run failed before it started: let the workstations go
        give_up = time.monotonic() + 60
        for proc in procs:
            proc.join(timeout=max(0.1, give_up - time.monotonic()))
            if proc.is_alive():
                proc.kill()
    by_op: dict[str, list[float]] = {}
    errors = list(dash_errors)
    for _login, latencies, errs, _rss, _cpu in gathered:
        errors += errs
        for op, values in latencies.items():
            by_op.setdefault(op, []).extend(values)
    writes = [v for values in by_op.values() for v in values]
    return {"writes": writes, "by_op": by_op, "errors": errors, "dashboard": dash_ms,
            "load": load, "cpu_busy": (cpu1[0] - cpu0[0]) / max(1, cpu1[1] - cpu0[1]),
            "rss_mb": [g[3] for g in gathered], "ws_cpu_s": sum(g[4] for g in gathered)}


def _summary(name: str, run: dict) -> str:
    ops = ", ".join(f"{op} n={len(v)} p50={_pct(v, 0.5):.0f}/p99={_pct(v, 0.99):.0f} ms"
                    for op, v in sorted(run["by_op"].items()))
    return (f"{name}: {len(run['writes'])} writes, {len(run['errors'])} errors, {len(run['dashboard'])} dashboard "
            f"refreshes, machine CPU busy {run['cpu_busy']:.0%} (workstation processes: {run['ws_cpu_s']:.1f} CPU s), "
            f"load avg (1 min) at the end {run['load']:.1f}; {ops}")


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_center_under_load():
    from app.storage import db as storedb

    with tempfile.TemporaryDirectory(prefix="zhizao-load-") as tmp:
        root = Path(tmp)
        # Floor: SQLite, one workstation, same center and same dashboard.
        sqlite_root = root / "sqlite"
        sqlite_url = storedb.sqlite_url(sqlite_root / "center" / "zhizao.sqlite")
        (sqlite_root / "center").mkdir(parents=True)
        center = _prepare_center(sqlite_url, sqlite_root / "center", WORKSTATIONS)
        floor = _run_center(sqlite_url, sqlite_root, center, 1, SECONDS)
        print("\n" + _summary("SQLite, 1 workstation", floor), flush=True)

        with running_server(settings={}) as server:  # production durability: fsync, synchronous_commit on
            with server.admin() as conn:
                conn.execute("CREATE DATABASE center")
            pg_url = server.url("center")
            center = _prepare_center(pg_url, root / "pg" / "center", WORKSTATIONS)
            ours = _run_center(pg_url, root / "pg", center, WORKSTATIONS, SECONDS)
        print(_summary(f"PostgreSQL, {WORKSTATIONS} workstations", ours), flush=True)

    note = (f"{WORKSTATIONS} ws vs 1, {SECONDS:.0f} s, CPU busy {ours['cpu_busy']:.0%} vs {floor['cpu_busy']:.0%}, "
            f"load {ours['load']:.1f} vs {floor['load']:.1f}")
    report("center_load write p50", _pct(ours["writes"], 0.5), _pct(floor["writes"], 0.5), note=note)
    report("center_load write p99", _pct(ours["writes"], 0.99), _pct(floor["writes"], 0.99), note=note)
    report("center_load errors", len(ours["errors"]), len(floor["errors"]), unit="", note="goal 0")
    report("center_load dashboard p99", _pct(ours["dashboard"], 0.99), _pct(floor["dashboard"], 0.99),
           note=f"goal <= 200 ms; {len(ours['dashboard'])} refreshes")
    report("center_load workstation RSS", max(ours["rss_mb"]), max(floor["rss_mb"]), unit="MB",
           note=f"largest at the end; {WORKSTATIONS} ws total {sum(ours['rss_mb']):.0f} MB")
    assert ours["writes"] and floor["writes"], "no write was timed"
    assert not ours["errors"] and not floor["errors"], (ours["errors"] + floor["errors"])[:5]
