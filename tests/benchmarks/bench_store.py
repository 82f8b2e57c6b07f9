"""Progress store at center scale: durable writes, dashboard queries, bundle merge.

A synthetic center (1,000 trainees x 3 courses, full histories: > 1,000,000
attempt/event rows) is generated once per run with bulk inserts into a
migrated SQLite file, so every index of the real schema is there.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import pytest

from app.services.auth import SYSTEM, Actor
from app.services.progress import ProgressService
from app.services.reports import ReportService
from app.services.sync import SyncService
from app.storage import db as storedb
from app.storage.ids import uuid7
from app.storage.models import Role
from tests.benchmarks._report import best_of, report
from tests.stored_progress import store_quiz_attempt

TRAINEES = 1000
COHORT_SIZE = 25
COURSES = ("robot-basics", "predictive-maintenance", "line-safety")
MODULES = 6
# Per module: three lessons, a quiz, a lab, a practical (36 steps a course).
KINDS = ("lesson", "lesson", "lesson", "quiz", "lab", "practical")
READS_PER_LESSON = 14
QUESTIONS = 10
EPOCH = dt.datetime(2026, 1, 5, 8, 0)
FMT = "%Y-%m-%d %H:%M:%S.%f"


def course_steps() -> list[tuple[str, str]]:
    return [(f"m{m}/s{i}", kind) for m in range(1, MODULES + 1) for i, kind in enumerate(KINDS, start=1)]


def _ts(minutes: float) -> str:
    return (EPOCH + dt.timedelta(minutes=minutes)).strftime(FMT)


def generate_center(path: Path, trainees: int, seed: int = 7, ws: str = "bench-ws") -> dict:
    """Bulk-load a migrated database with ``trainees`` x 3 courses of full histories."""
    storedb.upgrade(storedb.sqlite_url(path))
    rng = random.Random(seed)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    now = _ts(0)
    users = [(uuid7(), ws, now, now, f"t{n:04d}", f"学员{n:04d}", "trainee", "x", 0, 0) for n in range(trainees)]
    staff = [(uuid7(), ws, now, now, f"teacher{n}", f"老师{n}", "instructor", "x", 0, 0) for n in range(10)]
    conn.executemany("INSERT INTO users (id, workstation_id, created_at, updated_at, login, display_name, role, "
                     "password_hash, disabled, failed_attempts) VALUES (?,?,?,?,?,?,?,?,?,?)", users + staff)
    cohorts = []
    for c in range(0, trainees, COHORT_SIZE):
        cid = uuid7()
        cohorts.append(cid)
        conn.execute("INSERT INTO cohorts (id, workstation_id, created_at, updated_at, name, archived) "
                     "VALUES (?,?,?,?,?,0)", (cid, ws, now, now, f"Line {c // COHORT_SIZE} 产线"))
        conn.executemany("INSERT INTO cohort_members (cohort_id, user_id) VALUES (?,?)",
                         [(cid, u[0]) for u in users[c:c + COHORT_SIZE]])
    steps = course_steps()
    lesson_rows, attempt_rows, lab_rows, signoff_rows, audit_rows, enroll_rows = [], [], [], [], [], []
    for n, user in enumerate(users):
        uid = user[0]
        skill = rng.random()
        for course in COURSES:
            t = rng.uniform(0, 60 * 24 * 30)
            enroll_rows.append((uuid7(), ws, _ts(t), _ts(t), uid, course, "1.0.0", cohorts[n // COHORT_SIZE],
                                (EPOCH.date() + dt.timedelta(days=rng.randint(20, 90))).isoformat(), None))
            for key, kind in steps:
                t += rng.uniform(1, 30)
                if kind == "lesson":
                    for _ in range(READS_PER_LESSON):
                        t += rng.uniform(1, 60)
                        lesson_rows.append((uuid7(), ws, _ts(t), uid, course, key, round(rng.uniform(20, 400), 1)))
                    attempt_rows.append((uuid7(), ws, _ts(t), uid, course, "1.0.0", key, "lesson", _ts(t), _ts(t),
                                         90.0, None, 1, "{}"))
                elif kind == "quiz":
                    for a in range(rng.randint(1, 5)):
                        correct = [rng.random() < skill * 0.6 + 0.3 + 0.1 * a for _ in range(QUESTIONS)]
                        score = sum(correct) / QUESTIONS
                        answers = {"questions": [{"id": f"q{i + 1}", "response": rng.randint(0, 3), "correct": ok,
                                                  "points": float(ok)} for i, ok in enumerate(correct)],
                                   "seed": rng.randint(0, 1 << 30)}
                        t += rng.uniform(5, 120)
                        attempt_rows.append((uuid7(), ws, _ts(t), uid, course, "1.0.0", key, "quiz", _ts(t - 5),
                                             _ts(t), round(rng.uniform(60, 600), 1), score, int(score >= 0.7),
                                             json.dumps(answers)))
                        if score >= 0.7:
                            break
                elif kind == "lab":
                    for a in range(rng.randint(2, 6)):
                        t += rng.uniform(5, 120)
                        score = min(1.0, rng.random() * 0.5 + skill * 0.4 + 0.1 * a)
                        aid = uuid7()
                        attempt_rows.append((aid, ws, _ts(t), uid, course, "1.0.0", key, "lab", _ts(t - 10), _ts(t),
                                             round(rng.uniform(120, 900), 1), score, int(score >= 0.8),
                                             json.dumps({"parameters": {"speed": a}})))
                        lab_rows.append((uuid7(), ws, _ts(t), uid, aid, course, "1.0.0", key,
                                         json.dumps({"speed": a}), a, json.dumps({"oee": score}), score,
                                         int(score >= 0.8)))
                else:
                    t += rng.uniform(60, 600)
                    ok = rng.random() < 0.6 + skill * 0.4
                    signoff_rows.append((uuid7(), ws, _ts(t), uid, staff[n % 10][0], course, key,
                                         json.dumps({"guard": ok}), int(ok), ""))
                    audit_rows.append((uuid7(), ws, _ts(t), staff[n % 10][0], "practical.signoff", uid,
                                       json.dumps({"course_id": course, "step_key": key})))
    conn.executemany("INSERT INTO enrollments (id, workstation_id, created_at, updated_at, user_id, course_id, "
                     "course_version, cohort_id, due_date, completed_at) VALUES (?,?,?,?,?,?,?,?,?,?)", enroll_rows)
    conn.executemany("INSERT INTO lesson_time (id, workstation_id, created_at, user_id, course_id, step_key, "
                     "seconds) VALUES (?,?,?,?,?,?,?)", lesson_rows)
    conn.executemany("INSERT INTO step_attempts (id, workstation_id, created_at, user_id, course_id, course_version,"
                     " step_key, kind, started_at, finished_at, duration_s, score, passed, answers) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", attempt_rows)
    conn.executemany("INSERT INTO lab_runs (id, workstation_id, created_at, user_id, attempt_id, course_id, "
                     "course_version, step_key, parameters, seed, metrics, score, passed) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", lab_rows)
    conn.executemany("INSERT INTO signoffs (id, workstation_id, created_at, user_id, instructor_id, course_id, "
                     "step_key, checklist, passed, comment) VALUES (?,?,?,?,?,?,?,?,?,?)", signoff_rows)
    conn.executemany("INSERT INTO audit_log (id, workstation_id, created_at, actor_id, action, target_user_id, "
                     "details) VALUES (?,?,?,?,?,?,?)", audit_rows)
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('center_id', 'bench-center')")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    events = len(lesson_rows) + len(attempt_rows) + len(lab_rows) + len(signoff_rows) + len(audit_rows)
    return {"events": events, "cohort": cohorts[0], "user": users[0][0], "staff": staff[0][0]}


@pytest.fixture(scope="module")
def center():
    folder = Path(tempfile.mkdtemp(prefix="zhizao-bench-"))
    path = folder / "center.sqlite"
    t0 = time.perf_counter()
    info = generate_center(path, TRAINEES)
    info["gen_s"] = time.perf_counter() - t0
    info["path"] = path
    info["folder"] = folder
    store = storedb.Store(storedb.sqlite_url(path))
    info["store"] = store
    yield info
    store.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def test_center_size(center):
    assert center["events"] >= 1_000_000
    print(f"synthetic center: {center['events']:,} attempt/event rows, generated in {center['gen_s']:.1f} s, "
          f"{center['path'].stat().st_size / 1e6:.0f} MB", flush=True)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def test_durable_step_write(center):
    """ProgressService storing a quiz attempt (synchronous=FULL) vs a bare sqlite3 insert+commit, same file."""
    progress = ProgressService(center["store"].sessions, "bench-ws")
    me = Actor(center["user"], "t0000", "学员0000", Role.TRAINEE)
    answers = {"questions": [{"id": f"q{i}", "response": 1, "correct": True, "points": 1.0} for i in range(10)],
               "seed": 1}
    raw = sqlite3.connect(center["path"], isolation_level=None)
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("PRAGMA synchronous=FULL")
    body = json.dumps(answers)
    ours, floor = [], []
    for i in range(300):
        t0 = time.perf_counter()
        store_quiz_attempt(progress, me, "robot-basics", "1.0.0", "m1/s4", answers=answers, score=1.0, passed=True,
                                     duration_s=30)
        ours.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        raw.execute("BEGIN")
        raw.execute("INSERT INTO step_attempts (id, workstation_id, created_at, user_id, course_id, course_version, "
                    "step_key, kind, started_at, finished_at, duration_s, score, passed, answers) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (uuid7(), "bench-ws", _ts(i), center["user"], "robot-basics", "1.0.0", "m1/s4", "quiz", _ts(i),
                     _ts(i), 30.0, 1.0, 1, body))
        raw.execute("COMMIT")
        floor.append((time.perf_counter() - t0) * 1000)
    raw.close()
    report("store durable step write median", statistics.median(ours), statistics.median(floor),
           note="storing a quiz attempt, synchronous=FULL, vs bare sqlite3 insert+commit FULL")
    report("store durable step write p99", _percentile(ours, 0.99), _percentile(floor, 0.99))


def _bare(path: Path, sql: str, params: tuple) -> float:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return best_of(lambda: conn.execute(sql, params).fetchall(), repeat=7)
    finally:
        conn.close()


MEMBERS = "SELECT m.user_id FROM cohort_members m JOIN users u ON u.id = m.user_id WHERE m.cohort_id = ? " \
          "AND u.role = 'trainee'"
SUMMARY = ("SELECT user_id, course_id, step_key, kind, count(*), max(passed = 1), sum(passed = 0), max(score), "
           "sum(duration_s), max(created_at) FROM step_attempts WHERE user_id IN (" + MEMBERS + ") "
           "AND course_id IN ('robot-basics', 'predictive-maintenance', 'line-safety') "
           "GROUP BY user_id, course_id, step_key, kind")
BEST = ("SELECT step_key, user_id, max(score) FROM step_attempts WHERE user_id IN (" + MEMBERS + ") "
        "AND course_id = 'robot-basics' AND kind = 'quiz' AND score IS NOT NULL GROUP BY user_id, step_key")
FIRSTS = ("SELECT user_id, started_at, id, score, answers FROM step_attempts WHERE course_id = 'robot-basics' "
          "AND step_key = 'm1/s4' AND kind = 'quiz' AND user_id IN (" + MEMBERS + ")")
LESSONS = ("SELECT user_id, course_id, sum(seconds), max(created_at) FROM lesson_time WHERE user_id IN (" + MEMBERS
           + ") GROUP BY user_id, course_id")


def test_dashboard_queries(center):
    """Each instructor-dashboard query for one cohort (25 trainees) — goal <= 100 ms."""
    reports = ReportService(center["store"].sessions)
    staff = Actor(center["staff"], "teacher0", "老师0", Role.INSTRUCTOR)
    cohort = center["cohort"]
    courses = {c: course_steps() for c in COURSES}
    path = center["path"]
    cases = [
        ("completion per course", lambda: reports.completion_per_course(staff, cohort, courses), SUMMARY),
        ("score distribution", lambda: reports.score_distribution(staff, cohort, "robot-basics"), BEST),
        ("item difficulty", lambda: reports.item_analysis(staff, cohort, "robot-basics", "m1/s4"), FIRSTS),
        ("time on task", lambda: reports.time_on_task(staff, cohort), LESSONS),
        ("trainees at risk", lambda: reports.at_risk(staff, cohort, courses), SUMMARY),
    ]
    for name, call, sql in cases:
        assert call()  # real rows, not an empty answer
        ours = best_of(call, repeat=7)
        floor = _bare(path, sql, (cohort,))
        report(f"store dashboard {name} (cohort of {COHORT_SIZE})", ours, floor,
               note="goal <= 100 ms; floor = its main SQL via bare sqlite3")


def test_dashboard_center_wide(center):
    """The same for all 1,000 trainees at once (the center manager's view)."""
    reports = ReportService(center["store"].sessions)
    staff = Actor(center["staff"], "teacher0", "老师0", Role.INSTRUCTOR)
    courses = {c: course_steps() for c in COURSES}
    everyone = "SELECT id FROM users WHERE role = 'trainee' AND ? IS NOT NULL"
    for name, call, sql in [
        ("completion per course", lambda: reports.completion_per_course(staff, None, courses),
         SUMMARY.replace(MEMBERS, everyone)),
        ("item difficulty", lambda: reports.item_analysis(staff, None, "robot-basics", "m1/s4"),
         FIRSTS.replace(MEMBERS, everyone)),
    ]:
        ours = best_of(call, repeat=3)
        report(f"store dashboard {name} (center, {TRAINEES} trainees)", ours, _bare(center["path"], sql, (1,)))


def test_merge_bundle(center):
    """Import of a 100,000-record bundle from another workstation vs bare executemany of the same rows."""
    folder = center["folder"]
    src = folder / "ws.sqlite"
    generate_center(src, 100, seed=11, ws="other-ws")
    src_store = storedb.Store(storedb.sqlite_url(src))
    keys = folder / "keys"
    t0 = time.perf_counter()
    exported = SyncService(src_store.sessions, "other-ws", keys).export_bundle(SYSTEM, folder / "b.zip")
    export_ms = (time.perf_counter() - t0) * 1000
    src_store.dispose()
    assert exported.total >= 100_000

    target = folder / "target.sqlite"
    storedb.upgrade(storedb.sqlite_url(target))
    with sqlite3.connect(target) as conn:
        conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES ('center_id', 'bench-center')")
    floor_db = folder / "floor.sqlite"
    shutil.copyfile(target, floor_db)
    store = storedb.Store(storedb.sqlite_url(target))
    sync = SyncService(store.sessions, "target-ws", keys)
    t0 = time.perf_counter()
    res = sync.import_bundle(SYSTEM, folder / "b.zip")
    ours = (time.perf_counter() - t0) * 1000
    assert res.total_added == exported.total
    t0 = time.perf_counter()
    again = sync.import_bundle(SYSTEM, folder / "b.zip")
    again_ms = (time.perf_counter() - t0) * 1000
    assert again.total_added == 0
    store.dispose()

    # Floor: the bundle's rows inserted with executemany in one transaction, no checks, no merge rules.
    import zipfile

    with zipfile.ZipFile(folder / "b.zip") as zf:
        records = [json.loads(line) for line in zf.read("records.jsonl").splitlines()]
    by_table: dict[str, list[dict]] = {}
    for rec in records:
        by_table.setdefault(rec["t"], []).append(rec["r"])
    conn = sqlite3.connect(floor_db, isolation_level=None)
    conn.execute("PRAGMA synchronous=FULL")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    for table, rows in by_table.items():
        if table == "users":  # a local-only column the bundle leaves out
            rows = [{**r, "failed_attempts": 0} for r in rows]
        cols = list(rows[0])
        conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [tuple(json.dumps(r[c]) if isinstance(r[c], (dict, list)) else r[c] for c in cols)
                          for r in rows])
    conn.execute("COMMIT")
    floor = (time.perf_counter() - t0) * 1000
    conn.close()
    report(f"store merge {exported.total // 1000}k-record bundle", ours, floor,
           note=f"signature+hash check, merge rules; re-import (all present) {again_ms:.0f} ms; "
                f"export {export_ms:.0f} ms")
