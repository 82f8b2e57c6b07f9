"""Offline workstations: export a progress bundle from one window and import it in another."""

from __future__ import annotations

from sqlalchemy import func, select

from app.context import AppContext
from app.storage.models import StepAttempt
from app.ui.shell.sync_actions import export_progress, import_progress
from tests.stored_progress import store_quiz_attempt
from tests.ui.conftest import login


def test_export_then_import_progress_between_workstations(qtbot, window, ctx, instructor, trainee, tmp_path,
                                                           messages):
    store_quiz_attempt(ctx.progress, trainee, "fixture-mini", "1.0.0", "basics/quiz",
                                     answers={"questions": [], "seed": 1}, score=0.9, passed=True, duration_s=60)
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    assert window.export_progress_action.isVisible()
    bundle = tmp_path / "ws1.zip"
    said: list[tuple[str, bool]] = []
    export_progress(window, ctx, instructor, bundle, on_done=lambda m, e: said.append((m, e)))
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert not said[0][1] and bundle.exists() and "ws1.zip" in said[0][0]

    # A second workstation of the same center: same keys folder, its own database.
    other = AppContext.open(tmp_path / "ws2")
    try:
        other.settings._put("center_id", ctx.settings.get("center_id"))
        admin2 = other.accounts.create_first_admin("boss", "Boss", "boss-pass")
        import shutil

        shutil.copytree(ctx.keys_dir, other.keys_dir, dirs_exist_ok=True)
        said.clear()
        # The bundle carries the first workstation's administrator: the center's administrator is
        # asked, with the change listed, and approves it.
        messages.answer("yes")
        import_progress(window, other, admin2, bundle, on_done=lambda m, e: said.append((m, e)))
        qtbot.waitUntil(lambda: len(said) == 2, timeout=30000)
        assert not said[0][1] and not said[1][1], said
        assert "administrator" in messages.shown[-1].text and "Approved:" in said[1][0]
        with other.store.session() as s:
            assert s.scalar(select(func.count()).select_from(StepAttempt)) == 1
        said.clear()
        import_progress(window, other, admin2, bundle, on_done=lambda m, e: said.append((m, e)))
        qtbot.waitUntil(lambda: bool(said), timeout=30000)
        assert "Nothing new" in said[0][0]
    finally:
        other.close()


def test_tampered_bundle_is_refused_with_one_message(qtbot, window, ctx, admin, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    said: list[tuple[str, bool]] = []
    import_progress(window, ctx, admin, bad, on_done=lambda m, e: said.append((m, e)))
    qtbot.waitUntil(lambda: bool(said), timeout=30000)
    assert said[0][1] and "bad.zip" in said[0][0] and "Workstations" not in said[0][0]


def test_trainee_has_no_sync_actions(qtbot, window, trainee):
    window.show_login()
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert not window.export_progress_action.isVisible()
