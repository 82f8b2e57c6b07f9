"""Cohorts: creation, roster import from CSV/XLSX with Chinese names and row errors, assignments."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from app.services.auth import PermissionDenied, ServiceError
from app.storage.models import Enrollment


def test_roster_csv_with_chinese_names_and_row_errors(ctx, instructor, tmp_path):
    cid = ctx.cohorts.create(instructor, "重庆2026春季班")
    roster = tmp_path / "roster.csv"
    roster.write_text("账号,姓名,密码\nliu01,刘洋,liu-pass-1\n,没有账号,\nchen02,陈静,\nbad login,王五,\n",
                      encoding="utf-8-sig")
    res = ctx.cohorts.import_roster(instructor, cid, roster)
    assert res.created == ["liu01", "chen02"]
    assert len(res.passwords["chen02"]) == 8
    assert [e.split(":")[0] for e in res.errors] == ["roster.csv, row 3", "roster.csv, row 5"]
    members = ctx.cohorts.members(instructor, cid)
    assert [(m[1], m[2]) for m in members] == [("chen02", "陈静"), ("liu01", "刘洋")]
    assert ctx.accounts.authenticate("liu01", "liu-pass-1").display_name == "刘洋"
    assert ctx.accounts.authenticate("chen02", res.passwords["chen02"])


def test_roster_gb18030_csv(ctx, instructor, tmp_path):
    cid = ctx.cohorts.create(instructor, "武汉班")
    roster = tmp_path / "excel-export.csv"
    roster.write_bytes("login,name\nzhou,周杰\n".encode("gb18030"))
    res = ctx.cohorts.import_roster(instructor, cid, roster)
    assert res.added == ["zhou"] and not res.errors


def test_roster_xlsx(ctx, instructor, tmp_path):
    cid = ctx.cohorts.create(instructor, "XLSX 班")
    wb = Workbook()
    ws = wb.active
    ws.append(["login", "name"])
    ws.append(["sun", "孙悟空"])
    ws.append(["sun", "孙悟空"])  # duplicate row: already a member, no error
    path = tmp_path / "roster.xlsx"
    wb.save(path)
    res = ctx.cohorts.import_roster(instructor, cid, path)
    assert res.created == ["sun"] and res.added == ["sun", "sun"] and not res.errors


def test_roster_without_header_is_refused(ctx, instructor, tmp_path):
    cid = ctx.cohorts.create(instructor, "Class")
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    res = ctx.cohorts.import_roster(instructor, cid, path)
    assert res.errors and "login" in res.errors[0] and not res.added


def test_assign_course_with_due_date_and_later_members_inherit(ctx, instructor, trainee, admin):
    cid = ctx.cohorts.create(instructor, "Class A")
    with pytest.raises(ServiceError, match="Add trainees"):
        ctx.cohorts.assign_course(instructor, cid, "industrial-robot-operation", dt.date(2026, 12, 31))
    ctx.cohorts.add_member(instructor, cid, "zhangwei")
    assert ctx.cohorts.assign_course(instructor, cid, "industrial-robot-operation", dt.date(2026, 12, 31)) == 1
    ctx.accounts.add_user(admin, "late", "迟到", "trainee", "late-pass")
    ctx.cohorts.add_member(instructor, cid, "late")
    with ctx.store.session() as s:
        rows = s.execute(select(Enrollment.user_id, Enrollment.due_date)).all()
    assert len(rows) == 2 and all(r[1] == dt.date(2026, 12, 31) for r in rows)
    info = ctx.cohorts.list(instructor)[0]
    assert info.members == 2 and info.courses == [("industrial-robot-operation", dt.date(2026, 12, 31))]


def test_trainee_cannot_manage_cohorts(ctx, trainee):
    with pytest.raises(PermissionDenied):
        ctx.cohorts.create(trainee, "My own class")
    with pytest.raises(PermissionDenied):
        ctx.cohorts.list(trainee)


def test_duplicate_cohort_name(ctx, instructor):
    ctx.cohorts.create(instructor, "Same")
    with pytest.raises(ServiceError, match="already exists"):
        ctx.cohorts.create(instructor, "Same")
