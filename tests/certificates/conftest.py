"""Shared certificate fixtures: a key pair, sample claims, and one rendered PDF per module."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from app.certificates.claims import Claims
from app.certificates.issue import IssuedCertificate, write_certificate
from app.certificates.keys import CenterKeys, TrustedIssuers

TITLE_EN = "Industrial Robot Operation & Programming"
TITLE_ZH = "工业机器人操作与编程"


def make_claims(**changes) -> Claims:
    base = Claims(
        number="ZZ-2026-0003-RJ0E", learner_name="张伟", learner_login="zhangwei",
        course_id="robot-ops-101", course_version="1.2.0", course_title_en=TITLE_EN,
        course_title_zh=TITLE_ZH, issued_on=date(2026, 11, 24), score=92.5, hours=16,
        modules_completed=6, expires_on=date(2029, 11, 24),
        center_id="0190a8f0-1234-7abc-8def-0123456789ab",
        center_name="Zhizao Academy Training Center", center_name_zh="智造学院培训中心",
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def claims() -> Claims:
    return make_claims()


@pytest.fixture(scope="session")
def session_keys(tmp_path_factory) -> CenterKeys:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("center") / "keys")


@pytest.fixture(scope="session")
def foreign_keys(tmp_path_factory) -> CenterKeys:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("other") / "keys")


@pytest.fixture(scope="session")
def trusted(session_keys) -> TrustedIssuers:
    return TrustedIssuers.load(session_keys.key_dir, own=session_keys)


@pytest.fixture(scope="session")
def issued_zh(tmp_path_factory, session_keys) -> IssuedCertificate:
    out = tmp_path_factory.mktemp("pdf") / "zh.pdf"
    return write_certificate(make_claims(), session_keys, out, locale="zh_CN")


@pytest.fixture(scope="session")
def issued_en(tmp_path_factory, session_keys) -> IssuedCertificate:
    out = tmp_path_factory.mktemp("pdf") / "en.pdf"
    return write_certificate(make_claims(), session_keys, out, locale="en")


def copy_to(src: Path, dst: Path) -> Path:
    dst.write_bytes(src.read_bytes())
    return dst
