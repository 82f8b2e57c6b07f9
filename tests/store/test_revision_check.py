"""Opening an up-to-date database checks its schema with one SELECT, without loading Alembic
or the services a login screen does not need (issue 20: time to a usable login screen)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from alembic.script import ScriptDirectory

from app.storage import db as storedb


def test_head_read_from_the_revision_files_is_alembics_head():
    alembic_head = ScriptDirectory.from_config(storedb.alembic_config("sqlite://")).get_current_head()
    assert storedb._scan_head() == alembic_head
    assert storedb.head_revision() == alembic_head


def test_current_revision_of_new_old_and_migrated_databases(tmp_path):
    url = storedb.sqlite_url(tmp_path / "z.sqlite")
    engine = storedb.make_engine(url)
    try:
        assert storedb.current_revision(engine) is None
        storedb.upgrade(url)
        assert storedb.current_revision(engine) == storedb.head_revision()
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num='0001_initial'")
        assert storedb.current_revision(engine) == "0001_initial"
    finally:
        engine.dispose()


def test_opening_an_existing_center_loads_neither_alembic_nor_the_course_services(tmp_path):
    code = textwrap.dedent("""
        import sys
        from pathlib import Path
        from app.context import AppContext
        ctx = AppContext.open(Path(sys.argv[1]))
        if sys.argv[2] == "create":
            ctx.accounts.create_first_admin("admin", "Admin", "admin-password-1")
        else:
            assert ctx.accounts.has_users()
            print(sorted(m for m in sys.modules if m.split(".")[0] == "alembic"
                         or m in ("app.courses.models", "app.services.progress", "simulators")))
        ctx.close()
    """)
    subprocess.run([sys.executable, "-c", code, str(tmp_path), "create"], check=True)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path), "open"], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "[]"
