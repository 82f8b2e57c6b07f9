"""`zhizao --self-test`: start offscreen in a fresh data dir, check the real parts, exit 0.

Used by the packaging smoke test (the installed bundle, with no network) and the
startup benchmark. Prints one ``ok   <check>: <what was seen>`` line per check
(``FAIL ...`` on stderr otherwise, ``skip ...`` for an optional part that is not
installed) and the time to the first painted main window. Nothing here is
specific to the bundle: the same checks run from a source checkout.
"""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import os
import pkgutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The bundled scenario of the one simulated shift (8 h line).
SHIFT_SCENARIO = ("line", "basic-three-station-line")
NOT_IMPORTED = ("app.storage.migrations",)  # alembic runs these from files; importing env.py would migrate


class Skipped(Exception):
    """An optional part is missing or not allowed here (reported as ``skip``, not a failure)."""


def run_self_test(started: float) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="zhizao-selftest-") as tmp:
        os.environ["ZHIZAO_DATA_DIR"] = tmp
        try:
            return _run(Path(tmp), started)
        except Exception as exc:  # noqa: BLE001 - the self-test reports, never crashes
            print(f"FAIL self-test: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1


def _run(data_dir: Path, started: float) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer

    from app import i18n
    from app.logs import setup_logging
    from app.ui.application import make_qapp
    from app.ui.main_window import MainWindow

    app = make_qapp()
    setup_logging(data_dir)
    opened: list = []

    def open_context():
        from app.context import AppContext

        opened.append(AppContext.open(data_dir))
        return opened[0]

    # As a user starts it: the window paints first, then the store opens (and here, migrates).
    win = MainWindow(open_context=open_context)
    painted: list[float] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    win.installEventFilter(spy)
    failure: list[Exception] = []
    win.context_failed.connect(failure.append)
    win.show()
    deadline = time.perf_counter() + 30
    while not painted and not failure and time.perf_counter() < deadline:
        app.processEvents()
    if not painted:
        print("FAIL main window never painted", file=sys.stderr)
        return 1
    startup_ms = (painted[0] - started) * 1000
    print(f"ok   main window painted: startup {startup_ms:.0f} ms", flush=True)
    while win.ctx is None and not failure and time.perf_counter() < deadline:
        app.processEvents()
    if failure:
        raise failure[0]
    if win.ctx is None:
        print("FAIL the store never opened", file=sys.stderr)
        return 1
    ready_ms = (time.perf_counter() - started) * 1000
    ctx = win.ctx
    print(f"ok   database created and migrated ({ctx.store.url.split('///')[-1]})", flush=True)
    print(f"ok   set-up screen ready (store open and migrated): {ready_ms:.0f} ms", flush=True)
    admin = ctx.accounts.create_first_admin("selftest", "自检 Self-test", "selftest-pw")
    win._logged_in(admin)
    app.processEvents()
    print(f"ok   first administrator created and logged in ({len(win.shell.pages)} pages)", flush=True)

    failures = 0
    for name, check in _extra_checks(ctx):
        t0 = time.perf_counter()
        try:
            detail = check()
            print(f"ok   {name}: {detail} [{(time.perf_counter() - t0) * 1000:.0f} ms]", flush=True)
        except Skipped as exc:
            print(f"skip {name}: {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001
            failures += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
    i18n.set_locale("zh_CN")
    title = win.windowTitle()
    i18n.set_locale("en")
    if title == win.windowTitle():
        failures += 1
        print("FAIL language switch: the window title did not change", file=sys.stderr)
    else:
        print(f"ok   language switch: {title!r} -> {win.windowTitle()!r}")
    win.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    ctx.close()
    print(f"STARTUP_MS {startup_ms:.1f}")
    print(f"READY_MS {ready_ms:.1f}")
    return 1 if failures else 0


def _extra_checks(ctx: Any) -> list[tuple[str, Callable[[], str]]]:
    """Checks of the other parts, each exercising the real code on the temp data dir."""
    return [
        ("modules", _check_modules),
        ("migrations", lambda: _check_migrations(ctx)),
        ("bundled courses", lambda: _check_courses(ctx)),
        ("course images", _check_images),
        ("simulation shift", _check_shift),
        ("worker processes", _check_processes),
        ("certificate", lambda: _check_certificate(ctx)),
        ("dates in both languages", _check_dates),
        ("PostgreSQL driver", _check_postgres_driver),
    ]


def _check_modules() -> str:
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


def _check_migrations(ctx: Any) -> str:
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


def _check_courses(ctx: Any) -> str:
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


def _check_images() -> str:
    """Course illustrations are SVG: Qt must have its SVG image plugin (and JPEG/GIF) at hand."""
    from PySide6.QtGui import QImage, QImageReader

    from app.paths import courses_dir

    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"svg", "png", "jpeg", "gif"} - formats
    if missing:
        raise RuntimeError(f"Qt cannot read {', '.join(sorted(missing))} images (plugins missing)")
    root = courses_dir()
    svg = next(p for p in sorted(root.rglob("*.svg")) if not p.relative_to(root).parts[0].startswith((".", "_")))
    image = QImage(str(svg))
    if image.isNull():
        raise RuntimeError(f"{svg}: Qt could not draw it")
    return f"{svg.name} drawn at {image.width()}×{image.height()}; {len(formats)} image formats"


def _check_shift() -> str:
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


def _check_processes() -> str:
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


def _check_certificate(ctx: Any) -> str:
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
    return f"{claims.number} PDF ({size_kb:.0f} KB) and badge written; verified valid, QR read back; untrusted key refused"


def _check_dates() -> str:
    from app.i18n import format_date, format_percent

    from app.certificates.pdf import EN_DATE_LOCALE

    day = dt.date(2026, 11, 24)
    zh, en = format_date(day, "long", "zh_CN"), format_date(day, "long", "en")
    printed = format_date(day, "long", EN_DATE_LOCALE)  # the English date on certificates
    if zh != "2026年11月24日" or "November" not in en or not printed.startswith("24"):
        raise RuntimeError(f"locale data wrong or missing: {zh!r} / {en!r} / {printed!r}")
    return f"{zh} / {en} / {printed}, {format_percent(0.925, 1, 'zh_CN')}"


def _check_postgres_driver() -> str:
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
