"""`.zhizao` packages: export/import round trip, versions, and a suite of hostile packages.

Every hostile package is built here, byte by byte where needed. Each must be refused
with a clear PackageError and leave the library exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
from pathlib import Path

import pytest

from app.courses import package as pkg
from app.courses.package import PackageError, describe_replacement, export_course, import_course
from app.courses.validator import validate_path

from .conftest import FIXTURE, edit_yaml

CID = "fixture-mini"


def fixture_files() -> dict[str, bytes]:
    return {p.relative_to(FIXTURE).as_posix(): p.read_bytes() for p in sorted(FIXTURE.rglob("*")) if p.is_file()}


def build(path: Path, files: dict[str, bytes] | None = None, *, manifest: dict | None = None,
          manifest_update: dict | None = None, extra: list[tuple[zipfile.ZipInfo | str, bytes]] = (),
          prefix: str = CID + "/", compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A package from ``files`` (default: the fixture) with a correct manifest unless told otherwise."""
    files = fixture_files() if files is None else files
    if manifest is None:
        manifest = {"format": 1, "course_id": CID, "version": "1.0.0",
                    "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}}
    manifest.update(manifest_update or {})
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        zf.writestr("manifest.json", json.dumps(manifest))
        for rel, data in files.items():
            zf.writestr(prefix + rel, data)
        for info, data in extra:
            zf.writestr(info, data)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
            for p in sorted(folder.rglob("*"))}


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A data dir whose library already holds the fixture, version 1.0.0."""
    data = tmp_path / "data"
    library = data / "library"
    import_course(build(tmp_path / "base.zhizao"), library)
    return data


def refused(data_dir: Path, package: Path, fragment: str) -> PackageError:
    """Import must fail with ``fragment`` in the message and change nothing in the data dir."""
    before = snapshot(data_dir)
    with pytest.raises(PackageError) as info:
        import_course(package, data_dir / "library")
    text = info.value.message + " ".join(p.message for p in info.value.problems)
    assert fragment in text, text
    assert snapshot(data_dir) == before
    return info.value


# --- the happy paths ------------------------------------------------------------------------------


def test_export_import_round_trip(tmp_path, course_dir):
    out = export_course(course_dir, tmp_path / "out" / "fixture.zhizao")
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert names[0] == "manifest.json" and f"{CID}/course.yaml" in names
    assert manifest["format"] == 1 and manifest["course_id"] == CID and manifest["version"] == "1.0.0"
    assert manifest["files"]["course.yaml"] == hashlib.sha256((course_dir / "course.yaml").read_bytes()).hexdigest()
    result = import_course(out, tmp_path / "data" / "library")
    assert result.status == "installed" and result.path == tmp_path / "data/library" / CID
    assert snapshot(result.path) == snapshot(course_dir)
    assert [p.message for p in validate_path(out, catalog_dirs=[])] == [
        p.message for p in validate_path(course_dir, catalog_dirs=[])]


def test_export_is_reproducible_and_skips_hidden_files(tmp_path, course_dir):
    (course_dir / ".git").mkdir()
    (course_dir / ".git" / "HEAD").write_text("ref")
    (course_dir / "course.yaml~").write_text("backup")
    a = export_course(course_dir, tmp_path / "a.zhizao").read_bytes()
    b = export_course(course_dir, tmp_path / "b.zhizao").read_bytes()
    assert a == b
    with zipfile.ZipFile(tmp_path / "a.zhizao") as zf:
        assert not [n for n in zf.namelist() if ".git" in n or n.endswith("~")]


def test_export_refuses_an_invalid_course(tmp_path, course_dir):
    edit_yaml(course_dir / "modules/basics/quiz/quiz.yaml", lambda d: d["questions"][0].__setitem__("answer", "z"))
    with pytest.raises(PackageError) as info:
        export_course(course_dir, tmp_path / "x.zhizao")
    assert any("answer “z”" in p.message for p in info.value.problems)
    assert not (tmp_path / "x.zhizao").exists()


def test_export_refuses_links(tmp_path, course_dir):
    (course_dir / "modules/basics/lesson/link.svg").symlink_to(course_dir / "modules/basics/lesson/line.svg")
    with pytest.raises(PackageError, match="link"):
        export_course(course_dir, tmp_path / "x.zhizao")


def _versioned(tmp_path: Path, version: str, title: str = "Fixture mini course") -> Path:
    files = fixture_files()
    text = files["course.yaml"].decode().replace("version: 1.0.0", f"version: {version}")
    files["course.yaml"] = text.replace("Fixture mini course", title).encode()
    return build(tmp_path / f"v{version}.zhizao", files, manifest=_manifest(files, version))


def _manifest(files: dict[str, bytes], version: str = "1.0.0") -> dict:
    return {"format": 1, "course_id": CID, "version": version,
            "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in files.items()}}


def test_replacing_an_installed_course_needs_confirmation(tmp_path, data_dir):
    library = data_dir / "library"
    before = snapshot(data_dir)
    for version in ("1.2.0", "1.0.0", "0.9.0"):
        ask = import_course(_versioned(tmp_path, version, "Other"), library)
        assert ask.needs_confirmation and (ask.previous_version, ask.version) == ("1.0.0", version)
        assert (ask.previous_source, ask.previous_steps, ask.steps) == ("library", 4, 4)
        assert snapshot(data_dir) == before
    assert describe_replacement(ask) == (
        "fixture-mini: the library course 1.0.0 (4 steps) would be replaced by 0.9.0 (4 steps)")
    up = import_course(_versioned(tmp_path, "1.2.0", "Newer"), library, replace=True)
    assert (up.status, up.previous_version, up.version) == ("upgraded", "1.0.0", "1.2.0")
    same = import_course(_versioned(tmp_path, "1.2.0", "Same again"), library, replace=True)
    assert same.status == "replaced"
    done = import_course(_versioned(tmp_path, "1.1.0", "Older"), library, replace=True)
    assert done.status == "downgraded"
    assert "Older" in (library / CID / "course.yaml").read_text(encoding="utf-8")
    assert [p.name for p in library.iterdir()] == [CID]  # no backup or temp folder left behind
    assert sorted(p.name for p in data_dir.iterdir()) == ["library"]


def test_limits_are_the_documented_ones():
    assert (pkg.MAX_FILES, pkg.MAX_FILE_BYTES, pkg.MAX_TOTAL_BYTES, pkg.MAX_RATIO) == (
        2000, 50 * 1024 * 1024, 500 * 1024 * 1024, 100)


# --- hostile packages -----------------------------------------------------------------------------


@pytest.mark.parametrize("name, fragment", [
    ("../evil.txt", "outside"),
    (f"{CID}/../../evil.txt", "outside"),
    ("/etc/evil.txt", "absolute"),
    ("C:/Windows/evil.txt", "absolute"),
    ("c:evil.txt", "absolute"),
    (f"{CID}\\..\\..\\evil.txt", "backslash"),
    (f"{CID}/./course.yaml", "outside"),
    (f"{CID}//x.txt", "outside"),
])
def test_paths_escaping_the_folder(tmp_path, data_dir, name, fragment):
    refused(data_dir, build(tmp_path / "p.zhizao", extra=[(name, b"pwned")]), fragment)
    assert not (tmp_path / "evil.txt").exists() and not (data_dir / "evil.txt").exists()


def test_symlink_entries(tmp_path, data_dir):
    info = zipfile.ZipInfo(f"{CID}/modules/basics/lesson/link.svg")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    refused(data_dir, build(tmp_path / "p.zhizao", extra=[(info, b"/etc/passwd")]), "link")


def test_device_entries(tmp_path, data_dir):
    info = zipfile.ZipInfo(f"{CID}/fifo")
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    refused(data_dir, build(tmp_path / "p.zhizao", extra=[(info, b"")]), "not a regular file")


def test_too_many_files(tmp_path, data_dir):
    files = fixture_files()
    files.update({f"modules/basics/lesson/f{i}.txt": b"x" for i in range(2001)})
    refused(data_dir, build(tmp_path / "p.zhizao", files, compression=zipfile.ZIP_STORED), "at most 2000")


def test_file_too_large(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr(pkg, "MAX_FILE_BYTES", 4096)
    files = fixture_files()
    files["modules/basics/lesson/big.png"] = bytes(range(256)) * 20
    refused(data_dir, build(tmp_path / "p.zhizao", files), "larger than")


def test_total_too_large(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr(pkg, "MAX_TOTAL_BYTES", 20_000)
    files = fixture_files()
    files.update({f"modules/basics/lesson/part{i}.png": bytes(range(256)) * 20 for i in range(5)})
    refused(data_dir, build(tmp_path / "p.zhizao", files), "unpacks to more than")


def test_zip_bomb_ratio(tmp_path, data_dir):
    files = fixture_files()
    files["modules/basics/lesson/zeros.svg"] = b"\0" * (8 * 1024 * 1024)
    refused(data_dir, build(tmp_path / "p.zhizao", files), "100:1")


def test_yaml_alias_bomb(tmp_path, data_dir):
    files = fixture_files()
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"l{i}: &l{i} [{', '.join(['*a' if i == 0 else f'*l{i - 1}'] * 9)}]\n" for i in range(12))
    files["modules/basics/quiz/quiz.yaml"] = files["modules/basics/quiz/quiz.yaml"] + bomb.encode()
    error = refused(data_dir, build(tmp_path / "p.zhizao", files), "aliases")
    assert any("quiz.yaml" in p.file for p in error.problems)


def test_invalid_utf8(tmp_path, data_dir):
    files = fixture_files()
    files["modules/basics/lesson/lesson.en.md"] += b"\n\xff\xfe broken\n"
    refused(data_dir, build(tmp_path / "p.zhizao", files), "UTF-8")


def test_unknown_format_version(tmp_path, data_dir):
    refused(data_dir, build(tmp_path / "p.zhizao", manifest_update={"format": 2}), "format version 2")


def test_checksum_mismatch(tmp_path, data_dir):
    files = fixture_files()
    manifest = _manifest(files)
    files["course.yaml"] = files["course.yaml"].replace(b"Fixture mini course", b"Tampered course")
    refused(data_dir, build(tmp_path / "p.zhizao", files, manifest=manifest), "checksum mismatch")


def test_course_that_fails_validation(tmp_path, data_dir):
    files = fixture_files()
    files["modules/basics/quiz/quiz.yaml"] = files["modules/basics/quiz/quiz.yaml"].replace(
        b"answer: a\n", b"answer: z\n", 1)
    error = refused(data_dir, build(tmp_path / "p.zhizao", files), "answer “z”")
    assert error.problems[0].file.startswith("p.zhizao!")


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize("mutate, fragment", [
    (lambda f, m, x: m.clear(), "manifest"),
    (lambda f, m, x: m.update(course_id="Not A Slug"), "course id"),
    (lambda f, m, x: m.update(version="1.0"), "version"),
    (lambda f, m, x: m["files"].update({"course.yaml": "abc"}), "invalid entry"),
    (lambda f, m, x: m["files"].update({"modules/ghost.md": "0" * 64}), "missing"),
    (lambda f, m, x: m["files"].pop("course.yaml"), "not in the manifest"),
    (lambda f, m, x: x.append(("other-folder/x.md", b"x")), "outside the course folder"),
    (lambda f, m, x: x.append((f"{CID}/course.yaml", b"again")), "twice"),
    (lambda f, m, x: x.append((f"{CID}/COURSE.YAML", b"again")), "twice"),
    (lambda f, m, x: m.update(version="2.0.0"), "manifest says"),
])
def test_malformed_manifests_and_layouts(tmp_path, data_dir, mutate, fragment):
    files = fixture_files()
    manifest = _manifest(files)
    extra: list = []
    mutate(files, manifest, extra)
    if not manifest:
        with zipfile.ZipFile(tmp_path / "p.zhizao", "w") as zf:
            for rel, data in files.items():
                zf.writestr(f"{CID}/{rel}", data)
        package = tmp_path / "p.zhizao"
    else:
        package = build(tmp_path / "p.zhizao", files, manifest=manifest, extra=extra)
    refused(data_dir, package, fragment)


def test_manifest_not_json(tmp_path, data_dir):
    with zipfile.ZipFile(tmp_path / "p.zhizao", "w") as zf:
        zf.writestr("manifest.json", b"\xff{not json")
    refused(data_dir, tmp_path / "p.zhizao", "not valid UTF-8 JSON")


def central_record(data: bytes | bytearray, name: str) -> int:
    """Offset of ``name``'s record in the zip central directory (zipfile cannot write odd headers)."""
    raw = name.encode()
    offset = data.find(b"PK\x01\x02")
    while data[offset + 46: offset + 46 + len(raw)] != raw:
        offset = data.find(b"PK\x01\x02", offset + 4)
        assert offset >= 0
    return offset


def test_encrypted_entries(tmp_path, data_dir):
    path = build(tmp_path / "p.zhizao")
    data = bytearray(path.read_bytes())
    flags = central_record(data, f"{CID}/course.yaml") + 8
    data[flags] |= 0x1
    path.write_bytes(bytes(data))
    refused(data_dir, path, "encrypted")


def test_not_a_zip_and_damaged_zip(tmp_path, data_dir):
    (tmp_path / "text.zhizao").write_text("hello")
    refused(data_dir, tmp_path / "text.zhizao", "not a Zhizao course package")
    refused(data_dir, tmp_path / "absent.zhizao", "no such file")
    good = build(tmp_path / "good.zhizao", compression=zipfile.ZIP_STORED).read_bytes()
    marker = b"Fixture mini course"
    damaged = good.replace(marker, b"Fixture MINI course", 1)  # stored bytes change, CRC does not
    (tmp_path / "damaged.zhizao").write_bytes(damaged)
    refused(data_dir, tmp_path / "damaged.zhizao", "damaged")


def test_header_that_understates_the_size(tmp_path, data_dir):
    path = build(tmp_path / "p.zhizao", compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    size = central_record(data, f"{CID}/course.yaml") + 24  # uncompressed size
    data[size: size + 4] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    refused(data_dir, path, "")


def test_validating_a_hostile_package_reports_instead_of_raising(tmp_path):
    path = build(tmp_path / "p.zhizao", extra=[("../evil.txt", b"x")])
    problems = validate_path(path, catalog_dirs=[])
    assert len(problems) == 1 and problems[0].severity == "error" and "outside" in problems[0].message

