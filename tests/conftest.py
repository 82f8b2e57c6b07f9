"""Shared fixtures: a fresh data dir with a migrated store, and seeded accounts."""

from __future__ import annotations

import os

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
    Same code path, cheaper parameters for the whole session; a test module that sets
    ``REAL_PASSWORD_HASHING = True`` (the accounts tests) gets the production hasher back."""
    from argon2 import PasswordHasher

    from app.services import accounts

    real = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return real


PRODUCTION_HASHER = _quick_password_hashing()


@pytest.fixture(autouse=True)
def production_password_hashing(request, monkeypatch):
    if getattr(request.module, "REAL_PASSWORD_HASHING", False):
        from app.services import accounts

        monkeypatch.setattr(accounts, "_hasher", PRODUCTION_HASHER)


@pytest.fixture
def ctx(tmp_path):
    context = AppContext.open(tmp_path / "data")
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


FIXTURE_COURSE = __import__("pathlib").Path(__file__).resolve().parent.parent / "courses" / "_fixture-mini"


@pytest.fixture
def fixture_course(ctx):
    """The small complete test course, installed in the instructor library of ``ctx``."""
    import shutil

    dest = ctx.library_dir / "fixture-mini"
    shutil.copytree(FIXTURE_COURSE, dest)
    ctx.library.reload()
    return ctx.library.get("fixture-mini")
