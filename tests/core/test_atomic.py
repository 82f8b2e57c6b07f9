"""The one atomic-write helper: all or nothing, no stray temporary files, permissions from the start."""

from __future__ import annotations

import os
import stat

import pytest

from app.atomic import atomic_path, write_atomic


def test_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(target, "第一版")
    write_atomic(target, b"second", durable=True)
    assert target.read_bytes() == b"second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old", encoding="utf-8")
    def fail_half_way() -> None:
        with atomic_path(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_mode_applies_from_the_start(tmp_path):
    target = tmp_path / "secret.key"
    old = os.umask(0)
    try:
        write_atomic(target, b"k", mode=0o600)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and target.read_bytes() == b"k"
