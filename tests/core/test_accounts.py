"""Accounts, roles and lockout in the Qt-free core."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.services.accounts import AccountService, LoginFailed
from app.services.auth import PermissionDenied, ServiceError
from app.storage.models import AuditEntry, Role, User

# The tests about hashing and logging in hash at the production cost (0.4 s of CPU a hash or check);
# the others (validation, rights, preferences) hash cheaply like the rest of the suite (tests/conftest.py).
real_hashing = pytest.mark.real_password_hashing


def test_first_admin_only_once(ctx):
    assert not ctx.accounts.has_users()
    ctx.accounts.create_first_admin("admin", "管理员", "admin-pass")
    assert ctx.accounts.has_users()
    with pytest.raises(PermissionDenied):
        ctx.accounts.create_first_admin("admin2", "Second", "admin-pass")


@real_hashing
def test_password_is_argon2id_hashed(ctx, admin):
    with ctx.store.session() as s:
        user = s.scalar(select(User).where(User.login == "admin"))
    assert user.password_hash.startswith("$argon2id$")
    assert "$m=65536,t=3,p=4$" in user.password_hash  # the production cost, not the suite's cheap one
    assert "admin-pass" not in user.password_hash


@real_hashing
def test_login_right_and_wrong(ctx, trainee):
    actor = ctx.accounts.authenticate("ZhangWei", "trainee-pass")  # logins are case-insensitive
    assert actor.display_name == "张伟" and actor.role is Role.TRAINEE
    with pytest.raises(LoginFailed, match="wrong password"):
        ctx.accounts.authenticate("zhangwei", "nope-nope")
    with pytest.raises(LoginFailed):
        ctx.accounts.authenticate("nobody", "trainee-pass")


@real_hashing
def test_five_failures_lock_for_five_minutes(ctx, trainee):
    now = [dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)]
    accounts = AccountService(ctx.store.sessions, clock=lambda: now[0])
    for _ in range(4):
        with pytest.raises(LoginFailed, match="wrong password"):
            accounts.authenticate("zhangwei", "bad-pass")
    with pytest.raises(LoginFailed, match="locked for 5 min"):
        accounts.authenticate("zhangwei", "bad-pass")
    # Even the right password is refused while locked.
    with pytest.raises(LoginFailed, match="Too many failed attempts"):
        accounts.authenticate("zhangwei", "trainee-pass")
    now[0] += dt.timedelta(minutes=4, seconds=59)
    with pytest.raises(LoginFailed):
        accounts.authenticate("zhangwei", "trainee-pass")
    now[0] += dt.timedelta(seconds=2)
    assert accounts.authenticate("zhangwei", "trainee-pass").login == "zhangwei"


@real_hashing
def test_success_resets_failure_count(ctx, trainee):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            ctx.accounts.authenticate("zhangwei", "bad-pass")
    ctx.accounts.authenticate("zhangwei", "trainee-pass")
    for _ in range(4):
        with pytest.raises(LoginFailed, match="wrong password"):
            ctx.accounts.authenticate("zhangwei", "bad-pass")


@real_hashing
def test_disabled_account_cannot_log_in(ctx, admin, trainee):
    ctx.accounts.set_disabled(admin, "zhangwei", True)
    with pytest.raises(LoginFailed, match="disabled"):
        ctx.accounts.authenticate("zhangwei", "trainee-pass")
    assert "zhangwei" not in [login for login, _ in ctx.accounts.login_choices()]


def test_trainee_cannot_call_instructor_functions(ctx, trainee):
    with pytest.raises(PermissionDenied):
        ctx.accounts.list_users(trainee)
    with pytest.raises(PermissionDenied):
        ctx.accounts.add_user(trainee, "mallory", "Mallory", Role.TRAINEE, "longpass")
    with pytest.raises(PermissionDenied):
        ctx.accounts.set_password(trainee, "admin", "taken-over")
    with pytest.raises(PermissionDenied):
        ctx.settings.set(trainee, "idle_lock_minutes", "240")


@real_hashing
def test_instructor_manages_trainees_but_not_admins(ctx, admin, instructor, trainee):
    ctx.accounts.set_password(instructor, "zhangwei", "reset-by-teacher")
    assert ctx.accounts.authenticate("zhangwei", "reset-by-teacher")
    with pytest.raises(PermissionDenied):
        ctx.accounts.set_password(instructor, "admin", "hijack-pass")
    with pytest.raises(PermissionDenied):
        ctx.accounts.add_user(instructor, "boss", "Boss", Role.ADMIN, "boss-pass")
    with ctx.store.session() as s:
        actions = [e.action for e in s.scalars(select(AuditEntry))]
    assert "user.password_reset" in actions


@real_hashing
def test_own_password_change_needs_old_password(ctx, trainee):
    with pytest.raises(ServiceError, match="current password is wrong"):
        ctx.accounts.set_password(trainee, "zhangwei", "new-password", old_password="wrong-old")
    ctx.accounts.set_password(trainee, "zhangwei", "new-password", old_password="trainee-pass")
    assert ctx.accounts.authenticate("zhangwei", "new-password")


@pytest.mark.parametrize("login,message", [("a", "2–64"), ("with space", "2–64"), ("admin", "already taken")])
def test_bad_new_accounts_are_refused(ctx, admin, login, message):
    with pytest.raises(ServiceError, match=message):
        ctx.accounts.add_user(admin, login, "Name", Role.TRAINEE, "long-enough")


def test_short_password_refused(ctx, admin):
    with pytest.raises(ServiceError, match="at least 6"):
        ctx.accounts.add_user(admin, "li", "李", Role.TRAINEE, "123")


def test_locale_and_preferences_per_user(ctx, admin, trainee):
    ctx.accounts.set_locale(trainee, "zh_CN")
    ctx.accounts.set_preference(trainee, "window_geometry", "abc")
    assert ctx.accounts.get_locale(trainee) == "zh_CN"
    assert ctx.accounts.get_locale(admin) is None
    assert ctx.accounts.get_preference(trainee, "window_geometry") == "abc"
    assert ctx.accounts.get_preference(admin, "window_geometry") is None


def test_idle_setting_validated_and_admin_only(ctx, admin, instructor):
    ctx.settings.set(admin, "idle_lock_minutes", "15")
    assert ctx.settings.idle_lock_minutes() == 15
    with pytest.raises(ServiceError):
        ctx.settings.set(admin, "idle_lock_minutes", "0")
    with pytest.raises(PermissionDenied):
        ctx.settings.set(instructor, "idle_lock_minutes", "30")


# --- display names: what a certificate can print ------------------------------------------------------

@pytest.mark.parametrize("name,message", [
    ("Maria 🏭 陈-O'Neil", "emoji"),
    ("张伟\u200b", "invisible or control"),
    ("Zhang\x07Wei", "invisible or control"),
    ("x" * 300, "300 characters; at most 64"),
    ("Wei <admin>", "cannot contain"),
    ("   ", "must not be empty"),
    ("张\U0002A6A5", "certificate font cannot print"),  # CJK Ext B, not in the bundled faces
])
def test_unprintable_names_are_refused(ctx, admin, name, message):
    with pytest.raises(ServiceError, match=message):
        ctx.accounts.add_user(admin, "someone", name, Role.TRAINEE, "long-enough")
    assert [u.login for u in ctx.accounts.list_users(admin)] == ["admin"]  # nothing created


@pytest.mark.parametrize("name", ["刘䶮", "𠮷田 花子", "Łukasz Dvořák-O'Neil", "José Ramírez", "阿卜杜拉·买买提"])
def test_real_names_are_accepted_and_normalised(ctx, admin, name):
    info = ctx.accounts.add_user(admin, "someone", f"  {name}  ", Role.TRAINEE, "long-enough")
    assert info.display_name == name


def test_name_is_nfc_normalised_and_spaces_collapsed(ctx, admin):
    info = ctx.accounts.add_user(admin, "jose", "Jose\u0301   Ramirez", Role.TRAINEE, "long-enough")
    assert info.display_name == "José Ramirez"


def test_rename_is_admin_only_validated_and_audited(ctx, admin, instructor, trainee):
    with pytest.raises(PermissionDenied):
        ctx.accounts.rename_user(instructor, trainee.user_id, "张卫")
    with pytest.raises(ServiceError, match="emoji"):
        ctx.accounts.rename_user(admin, trainee.user_id, "张伟 🙂")
    info = ctx.accounts.rename_user(admin, trainee.user_id, "张卫")
    assert info.display_name == "张卫"
    assert ctx.accounts.get_user(admin, "zhangwei").display_name == "张卫"
    with ctx.store.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "user.rename")).all()
    assert len(entries) == 1
    assert entries[0].actor_id == admin.user_id and entries[0].target_user_id == trainee.user_id
    assert entries[0].details == {"login": "zhangwei", "old_name": "张伟", "new_name": "张卫"}


def test_users_rename_cli(ctx, admin, trainee, capsys, tmp_path):
    from app.cli.main import main

    data_dir = tmp_path / "data"  # the ctx fixture's data folder
    code = main(["--data-dir", str(data_dir), "users", "rename", "zhangwei", "--name", "张 卫"])
    assert code == 0 and "张 卫" in capsys.readouterr().out
    assert ctx.accounts.get_user(admin, "zhangwei").display_name == "张 卫"
    assert main(["--data-dir", str(data_dir), "users", "rename", "zhangwei", "--name", "🏭"]) != 0
    assert "emoji" in capsys.readouterr().err
