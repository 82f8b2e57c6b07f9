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
