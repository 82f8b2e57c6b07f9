"""The self-test's checks of the Qt-free parts (modules, migrations, courses, simulation, certificates).

``app.ui.shell.selftest`` runs them after the main window painted; each check
exercises the real code on the self-test's temporary data dir and returns what
it saw, raises ``Skipped`` for an optional part that is absent, or fails.
"""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import pkgutil
import sys
from typing import Any

# The bundled scenario of the one simulated shift (8 h line).
SHIFT_SCENARIO = ("line", "basic-three-station-line")
NOT_IMPORTED = ("app.storage.migrations",)  # alembic runs these from files; importing env.py would migrate


class Skipped(Exception):
    """An optional part is missing or not allowed here (reported as ``skip``, not a failure)."""


def check_modules() -> str:
    """Import every module of the app and the simulators: a bundle missing one fails here, not later."""
    import app
    import simulators

    count, broken = 0, []
    for package in (app, simulators):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".", onerror=broken.append):
            if info.name.startswith(NOT_IMPORTED) or info.ispkg:
                continue
            try:
                importlib.import_module(info.name)
                count += 1
            except Exception as exc:  # noqa: BLE001 - collected and reported together
                last = (str(exc).strip().splitlines() or [""])[-1]  # numpy's ImportError is a page long
                broken.append(f"{info.name} ({type(exc).__name__}: {last})")
    if broken:
        raise RuntimeError("cannot import " + "; ".join(map(str, broken)))
    if count < 50:
        raise RuntimeError(f"only {count} modules found: the package is incomplete")
    return f"{count} app and simulators modules import"


def check_migrations(ctx: Any) -> str:
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from app.storage.db import alembic_config, current_revision, head_revision

    revisions = list(ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions())
    head = head_revision()
    current = current_revision(ctx.store.engine)
    if not revisions or current != head:
        raise RuntimeError(f"database at {current!r}, migration scripts end at {head!r}")
    tables = [t for t in inspect(ctx.store.engine).get_table_names() if t != "alembic_version"]
    return f"{len(revisions)} scripts applied, at head {head}, {len(tables)} tables"


def check_courses(ctx: Any) -> str:
    from app.paths import courses_dir

    bundled = sorted(p.name for p in courses_dir().iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    found = [c for c in ctx.library.courses() if c.source == "bundled"]
    failed = ctx.library.failed
    if failed:
        path, problems = next(iter(failed.items()))
        raise RuntimeError(f"{path}: {problems[0]}")
    loaded = sorted(c.path.name for c in found if c.path is not None)
    if not bundled or loaded != bundled:
        raise RuntimeError(f"bundled folders {bundled}, loaded {loaded}")
    steps = sum(1 for c in found for _ in c.iter_steps())
    return ", ".join(f"{c.id} {c.version}" for c in found) + f" ({steps} steps)"


def check_shift() -> str:
    import simulators

    kind, name = SHIFT_SCENARIO
    scenarios = simulators.bundled_scenarios()
    for other, (other_kind, _path) in scenarios.items():
        simulators.load_scenario(other_kind, other)
    scenario = simulators.load_scenario(kind, name)
    result = simulators.run(kind, scenario)
    again = simulators.run(kind, scenario)
    m = result.metrics
    if not m["good_parts"] > 0 or not 0 < m["oee"] <= 1:
        raise RuntimeError(f"implausible shift: {m['good_parts']} good parts, OEE {m['oee']}")
    if again.metrics != m:
        raise RuntimeError("the same seed gave different results")
    hours = scenario.shift_length_s / 3600
    return (f"{name}, {hours:g} h: {m['good_parts']:.0f} good parts, OEE {m['oee']:.0%}, "
            f"bottleneck {result.bottleneck_station}; {len(scenarios)} bundled scenarios load")


def check_processes() -> str:
    """Parallel replications re-run this program as worker processes (the frozen bundle needs
    ``multiprocessing.freeze_support()`` in its entry point): one replication in a worker per
    start method the app uses must equal the same replication run here."""
    from concurrent.futures import ProcessPoolExecutor

    import simulators
    from simulators.replications import run_one

    kind, name = SHIFT_SCENARIO
    scenario = simulators.load_scenario(kind, name)
    expected = run_one(kind, scenario, scenario.seed, 1)
    methods = ["spawn"] + [m for m in ("forkserver",) if m in multiprocessing.get_all_start_methods()]
    for method in methods:
        try:
            pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))
        except (OSError, PermissionError) as exc:  # as simulators.replications: labs then run serially
            raise Skipped(f"this system allows no worker processes ({exc}); replications run one by one") from None
        with pool:
            got = pool.submit(run_one, kind, scenario, scenario.seed, 1).result(timeout=120)
        if got != expected:
            raise RuntimeError(f"replication 1 in a {method} worker differs from the same run in-process")
    return f"replication in a {' and a '.join(methods)} worker equals the in-process run"


def check_certificate(ctx: Any) -> str:
    from app.certificates.claims import Claims, new_certificate_number
    from app.certificates.issue import write_certificate
    from app.certificates.keys import CenterKeys, TrustedIssuers
    from app.certificates.verify import verify_pdf
    from app.i18n import _

    course = ctx.library.courses()[0]
    today = dt.date.today()
    keys = CenterKeys.load_or_create(ctx.keys_dir)
    claims = Claims(
        number=new_certificate_number("ZZ", today), learner_name="自检 Self-test", learner_login="selftest",
        course_id=course.id, course_version=str(course.version), course_title_en=course.title.get("en", ""),
        course_title_zh=course.title.get("zh_CN", ""), issued_on=today, score=100.0,
        hours=float(course.estimated_hours), modules_completed=len(course.modules), expires_on=None,
        center_id=ctx.settings.ensure_center_id(), center_name="Zhizao self-test", center_name_zh="智造学院自检")
    issued = write_certificate(claims, keys, ctx.data_dir / "certificates" / "selftest.pdf", locale="zh_CN")
    result = verify_pdf(issued.pdf_path, TrustedIssuers.load(ctx.keys_dir, own=keys))
    if result.status != "valid":
        raise RuntimeError(f"own certificate verified as {result.status}: {result.message}")
    if _("printed QR code matches") not in result.notes:
        raise RuntimeError("the printed QR code was not read back (" + "; ".join(result.notes) + ")")
    stranger = verify_pdf(issued.pdf_path, TrustedIssuers(), check_visible=False)
    if stranger.status != "unknown_issuer":
        raise RuntimeError(f"with no trusted key the certificate verified as {stranger.status}")
    size_kb = issued.pdf_path.stat().st_size / 1024
    return (f"{claims.number} PDF ({size_kb:.0f} KB) and badge written; verified valid, QR read back; "
            "untrusted key refused")


def check_dates() -> str:
    from app.certificates.pdf import EN_DATE_LOCALE
    from app.i18n import format_date, format_percent

    day = dt.date(2026, 11, 24)
    zh, en = format_date(day, "long", "zh_CN"), format_date(day, "long", "en")
    printed = format_date(day, "long", EN_DATE_LOCALE)  # the English date on certificates
    if zh != "2026年11月24日" or "November" not in en or not printed.startswith("24"):
        raise RuntimeError(f"locale data wrong or missing: {zh!r} / {en!r} / {printed!r}")
    return f"{zh} / {en} / {printed}, {format_percent(0.925, 1, 'zh_CN')}"


def check_postgres_driver() -> str:
    """The driver for a center PostgreSQL server loads (no connection is made)."""
    try:
        import psycopg
    except ImportError:
        if getattr(sys, "frozen", False):
            raise
        raise Skipped("psycopg is not installed here (pip install '.[postgres]')") from None
    from sqlalchemy import create_engine

    engine = create_engine("postgresql+psycopg://zhizao@127.0.0.1:1/zhizao")
    try:
        dialect = f"{engine.dialect.name}+{engine.dialect.driver}"
    finally:
        engine.dispose()
    libpq = psycopg.pq.version()
    return f"{dialect}, psycopg {psycopg.__version__} ({psycopg.pq.__impl__}), libpq {libpq // 10000}.{libpq % 100}"
