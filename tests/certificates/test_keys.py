"""The center key pair on disk and the trusted-issuer set."""

from __future__ import annotations

import os
import stat
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.certificates.keys import (
    PRIVATE_NAME,
    PUBLIC_NAME,
    TRUSTED_DIR,
    CenterKeys,
    KeyFileError,
    TrustedIssuers,
    _write_new,
    import_trusted_key,
    load_public_key,
)

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


@posix_only
def test_private_key_is_0600_and_folder_0700_whatever_the_umask(tmp_path):
    old = os.umask(0o000)
    try:
        keys = CenterKeys.load_or_create(tmp_path / "keys")
    finally:
        os.umask(old)
    assert stat.S_IMODE((keys.key_dir / PRIVATE_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.key_dir.stat().st_mode) == 0o700
    assert not [p for p in keys.key_dir.iterdir() if p.name.endswith(".tmp")]


@posix_only
def test_loose_permissions_are_tightened_on_load(tmp_path):
    keys = CenterKeys.load_or_create(tmp_path / "keys")
    os.chmod(keys.key_dir / PRIVATE_NAME, 0o644)
    CenterKeys.load_or_create(tmp_path / "keys")
    assert stat.S_IMODE((keys.key_dir / PRIVATE_NAME).stat().st_mode) == 0o600


def test_key_is_created_once_and_reloaded(tmp_path):
    first = CenterKeys.load_or_create(tmp_path / "keys")
    second = CenterKeys.load_or_create(tmp_path / "keys")
    assert first.fingerprint() == second.fingerprint()
    assert (tmp_path / "keys" / PUBLIC_NAME).read_bytes() == first.public_pem()
    sig = first.sign(b"data")
    assert len(sig) == 64
    second.public_key.verify(sig, b"data")


def test_an_existing_key_file_is_never_replaced(tmp_path):
    target = tmp_path / "k.pem"
    assert _write_new(target, b"winner", 0o600)
    assert not _write_new(target, b"loser", 0o600)
    assert target.read_bytes() == b"winner"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.pem"]


def test_fingerprint_is_grouped_sha256(tmp_path):
    fp = CenterKeys.load_or_create(tmp_path / "keys").fingerprint()
    groups = fp.split(" ")
    assert len(groups) == 16 and all(len(g) == 4 for g in groups)
    int(fp.replace(" ", ""), 16)


def test_export_has_header_and_loads_back(tmp_path):
    keys = CenterKeys.load_or_create(tmp_path / "keys")
    out = keys.export_public_key(tmp_path / "out" / "center.pem", "智造学院培训中心")
    text = out.read_text(encoding="utf-8")
    assert keys.fingerprint() in text and "智造学院培训中心" in text
    loaded = load_public_key(out)
    assert isinstance(loaded, Ed25519PublicKey)
    assert loaded.public_bytes_raw() == keys.public_key.public_bytes_raw()


def test_corrupt_private_key_names_the_file(tmp_path):
    keys = CenterKeys.load_or_create(tmp_path / "keys")
    (keys.key_dir / PRIVATE_NAME).write_text("not a key")
    with pytest.raises(KeyFileError, match=PRIVATE_NAME):
        CenterKeys.load_or_create(tmp_path / "keys")


def test_trusted_issuers_load_own_and_imported_keys_and_skip_bad_files(tmp_path):
    own = CenterKeys.load_or_create(tmp_path / "a" / "keys")
    other = CenterKeys.load_or_create(tmp_path / "b" / "keys")
    other.export_public_key(tmp_path / "other.pem")
    imported = import_trusted_key(tmp_path / "other.pem", own.key_dir, "Suzhou center")
    (own.key_dir / TRUSTED_DIR / "broken.pem").write_text("garbage")

    issuers = TrustedIssuers.load(own.key_dir)
    assert len(issuers) == 2
    assert imported.name == "Suzhou_center"
    assert issuers.with_key_id(other.key_id())[0].fingerprint == other.fingerprint()
    assert any("broken.pem" in p for p in issuers.problems)


def test_trusted_issuers_load_never_creates_a_key(tmp_path):
    issuers = TrustedIssuers.load(tmp_path / "nothing")
    assert len(issuers) == 0
    assert not (tmp_path / "nothing").exists()


def test_import_refuses_a_non_key(tmp_path):
    (tmp_path / "x.pem").write_text("hello")
    with pytest.raises(KeyFileError, match="x.pem"):
        import_trusted_key(tmp_path / "x.pem", tmp_path / "keys")


def test_concurrent_first_start_ends_with_one_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        prints = set(pool.map(lambda _: CenterKeys.load_or_create(tmp_path / "keys").fingerprint(), range(16)))
    assert len(prints) == 1
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [PRIVATE_NAME, PUBLIC_NAME]
