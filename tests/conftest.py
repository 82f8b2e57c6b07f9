"""Shared fixtures: a fresh data dir with a migrated store, and seeded accounts."""

from __future__ import annotations

import fcntl
import gc
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app import i18n
from app.context import AppContext
from app.services.auth import Actor
from app.storage.models import Role


@pytest.fixture(autouse=True)
def english():
    """Every test starts in English and leaves no listener behind."""
    i18n.set_locale("en")
    yield
    i18n.set_locale("en")


def _quick_password_hashing():
    """argon2id at its production cost is ~0.4 s of CPU per hash or check, and most tests make
    and log in several accounts (module-scoped set-ups too): a large share of the suite's time.
    Same code path, cheaper parameters for the whole session; a test marked
    ``real_password_hashing`` (the accounts tests about hashing and logging in), or every test of a
    module that sets ``REAL_PASSWORD_HASHING = True`` (the login race), gets the production hasher back."""
    from argon2 import PasswordHasher

    from app.services import accounts

    real = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return real


PRODUCTION_HASHER = _quick_password_hashing()


def pytest_configure(config):
    config.addinivalue_line("markers", "real_password_hashing: hash with the production argon2id cost")
    from tests.bytecode_warmup import warm_up

    warm_up(config)


@pytest.fixture(autouse=True)
def production_password_hashing(request, monkeypatch):
    if (getattr(request.module, "REAL_PASSWORD_HASHING", False)
            or request.node.get_closest_marker("real_password_hashing")):
        from app.services import accounts

        monkeypatch.setattr(accounts, "_hasher", PRODUCTION_HASHER)


@pytest.fixture(scope="session")
def first_start_data_dir(tmp_path_factory, worker_id) -> Path:
    """A data dir as a first start leaves it, made once per run: the database created and
    migrated (Alembic, five revisions) and the bundled courses' signed parse cache written.
    Per test that was about 0.05 s of CPU for the migrations and 0.25 s for parsing the bundled
    courses whenever the test touched the library, in most of the suite's ~1,500 tests (issue 20).
    The test processes of one xdist run share it: the first builds it under a lock, the others
    only copy from it, as every test does (3-4 s of CPU saved per process).
    Holds no center id, no workstation id and no accounts: each test's copy gets its own."""
    from app.courses.library import CourseLibrary
    from app.paths import courses_dir
    from app.storage.db import sqlite_url, upgrade

    base = tmp_path_factory.getbasetemp()
    shared = base.parent if worker_id != "master" else base  # the run's folder, above each worker's own
    root = shared / "first-start" / "data"
    with open(shared / "first-start.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root.parent / "complete").exists():
            shutil.rmtree(root.parent, ignore_errors=True)
            root.mkdir(parents=True)
            upgrade(sqlite_url(root / "zhizao.sqlite"))
            CourseLibrary(courses_dir(), root / "library", root / "cache").reload()
            (root.parent / "complete").touch()
    assert sorted(p.name for p in root.iterdir()) == ["cache", "course-cache.key", "zhizao.sqlite"]
    return root


@pytest.fixture
def ctx(tmp_path, first_start_data_dir):
    """A fresh center on a copy of the first-start data dir: opening it runs the same code as
    every later start (revision check, then a new center id and workstation id)."""
    data = tmp_path / "data"
    shutil.copytree(first_start_data_dir, data)  # copy2 keeps the key file's 0600
    context = AppContext.open(data)
    yield context
    context.close()


@pytest.fixture
def admin(ctx) -> Actor:
    return ctx.accounts.create_first_admin("admin", "管理员", "admin-pass")


@pytest.fixture
def instructor(ctx, admin) -> Actor:
    ctx.accounts.add_user(admin, "teacher", "李老师", Role.INSTRUCTOR, "teach-pass")
    return ctx.accounts.authenticate("teacher", "teach-pass")


@pytest.fixture
def trainee(ctx, admin) -> Actor:
    ctx.accounts.add_user(admin, "zhangwei", "张伟", Role.TRAINEE, "trainee-pass")
    return ctx.accounts.authenticate("zhangwei", "trainee-pass")


FIXTURE_COURSE = Path(__file__).resolve().parent.parent / "courses" / "_fixture-mini"


@pytest.fixture
def fixture_course(ctx):
    """The small complete test course, installed in the instructor library of ``ctx``."""
    dest = ctx.library_dir / "fixture-mini"
    shutil.copytree(FIXTURE_COURSE, dest)
    ctx.library.reload()
    return ctx.library.get("fixture-mini")


# The heaviest test files, heaviest first (CPU per file, self + subprocesses, from a whole
# `pytest -n 2 --dist loadfile` run with a per-file CPU probe, December 2026; docs/benchmarks.md).
# `make test` hands out whole files (--dist loadfile) in collection order (--no-loadscope-reorder),
# so the two workers finish together only if the long files start first and the short ones fill
# the gaps: xdist's own order, most tests first, left the bundle build and the one-test kill -9
# file to the very end. A stale entry costs nothing but balance; re-measure when one grows.
RUN_FIRST = (
    "tests/test_package.py",  # the bundle build: PyInstaller in a subprocess, 1-2 min
    "tests/courses/test_labs.py",  # every bundled lab over robustness seeds (~90 s)
    "tests/courses/test_bundled_courses.py",  # each lab's examples on its grading seed (~55 s)
    "tests/simulators/test_line_dmm_scenarios.py",  # five scenarios over 30 seeds (~33 s)
    "tests/store/test_concurrent_writers.py",
    "tests/core/test_cli.py",
    "tests/verifier/test_verifier_page.py",  # headless Chromium
    "tests/attacks/test_certificate_attacks.py",
    "tests/cli/test_cli_fuzz.py",
    "tests/store/test_crash.py",
    "tests/simulators/robot_arm/test_autojog.py",
    "tests/ui/test_authoring.py",
    "tests/ui/test_labs_layout.py",
    "tests/store/test_damaged_db.py",
    "tests/ui/test_certificates_ui.py",
    "tests/core/test_accounts.py",
    "tests/attacks/test_sync_attacks.py",
    "tests/store/test_sync.py",
    "tests/certificates/test_service.py",
    "tests/store/test_xapi_lrs.py",
    "tests/ui/test_labs.py",
    "tests/store/test_full_disk.py",
    "tests/ui/test_ux_labs.py",
    "tests/ui/test_shell.py",
    "tests/ui/test_dashboard.py",
    "tests/ui/test_sim_messages_ui.py",
    "tests/ui/test_trainee_views.py",
    "tests/courses/test_fuzz.py",
    "tests/core/test_login_race.py",
    "tests/ui/test_exams_ui.py",
    "tests/ui/test_vibration_lab.py",
    "tests/ui/test_arm_lab_journeys.py",
    "tests/ui/test_staff_ux.py",
    "tests/ui/test_no_english_in_chinese.py",
    "tests/simulators/test_limits.py",
    "tests/ui/test_arm_lab.py",
    "tests/ui/test_arm_lab_showme.py",
    "tests/ui/test_dmm_lab_ui.py",
    "tests/ui/test_help.py",
    "tests/ui/test_retention_ui.py",
)


def pytest_collection_modifyitems(config, items):
    """In an xdist worker: files in RUN_FIRST order, then the others with the most tests first
    (xdist's default), each file's tests in their own order. Alone, pytest keeps its order."""
    if not hasattr(config, "workerinput"):
        return
    rank = {name: i for i, name in enumerate(RUN_FIRST)}
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    order = sorted(files, key=lambda name: (rank.get(name, len(rank)), -len(files[name])))
    items[:] = [item for name in order for item in files[name]]


def pytest_collection_finish(session):
    """Move what importing and collecting made (modules, Qt's and SQLAlchemy's classes, thousands of
    test items) out of the cyclic collector's reach: it never frees any of it, yet every full
    collection walked it again (gc.freeze). Full collections cost 2.5 → 0.7 s of CPU on the DMM and
    trainee/dashboard test files, 6 % of their CPU; the objects the tests make are collected as before."""
    gc.freeze()
