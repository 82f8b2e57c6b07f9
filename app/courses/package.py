"""``.zhizao`` course packages: export, and a careful, atomic import.

A package is a zip holding ``manifest.json`` and the course folder as
``<course-id>/...``. The manifest names the package format, the course id and
version, and the sha256 of every file. Import treats the zip as hostile: it
checks every entry before extracting, extracts into a temporary folder next to
the library, validates the course there and only then moves it into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app import __version__
from app.atomic import atomic_path
from app.courses import semver
from app.courses.errors import Problem, has_errors
from app.courses.links import PROGRAM_SUFFIXES, effective_suffix
from app.courses.loader import read_course
from app.courses.models import SLUG_RE, Course
from app.courses.yamlio import TextError, decode_text, parse_yaml
from app.i18n import _
from app.jsonlimits import JsonLimitError, loads_bounded

PACKAGE_FORMAT = 1
PACKAGE_SUFFIX = ".zhizao"
MANIFEST = "manifest.json"
MAX_FILES = 2000
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
# Deflate squeezes a few KB of one repeated byte past 100:1; only files big
# enough to matter are held to the ratio (small ones are bounded by the totals).
RATIO_MIN_BYTES = 64 * 1024
MAX_MANIFEST_BYTES = 1024 * 1024
TEXT_SUFFIXES = (".yaml", ".yml", ".md", ".svg", ".json", ".txt", ".csv")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_DRIVE = re.compile(r"^[A-Za-z]:")
_FIXED_TIME = (2000, 1, 1, 0, 0, 0)


class PackageError(Exception):
    """A package that cannot be exported or imported; ``problems`` has validation details if any."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []


@dataclass(frozen=True)
class Manifest:
    format: int
    course_id: str
    version: str
    files: dict[str, str]

    def to_json(self) -> str:
        return json.dumps({"format": self.format, "course_id": self.course_id, "version": self.version,
                           "generator": f"zhizao {__version__}", "files": self.files},
                          ensure_ascii=False, indent=2, sort_keys=True)


ImportStatus = Literal["installed", "upgraded", "replaced", "downgraded", "needs_confirmation"]


PreviousSource = Literal["library", "bundled"]


@dataclass
class ImportResult:
    """What an import did, or would do.

    ``needs_confirmation``: the course id is already installed in the library or is a
    bundled course; nothing was written. ``previous_*`` say what is there now and
    ``steps`` what the package brings; import again with ``replace=True`` once the
    user has agreed (``describe_replacement`` words the question).
    """

    status: ImportStatus
    course_id: str
    version: str
    previous_version: str | None = None
    path: Path | None = None
    warnings: list[Problem] = field(default_factory=list)
    steps: int | None = None
    previous_steps: int | None = None
    previous_source: PreviousSource | None = None

    @property
    def needs_confirmation(self) -> bool:
        return self.status == "needs_confirmation"


def describe_replacement(result: ImportResult) -> str:
    """What replacing the installed course with the package changes, in one sentence."""
    where = _("the bundled course") if result.previous_source == "bundled" else _("the library course")
    return _("{id}: {where} {old} ({old_steps} steps) would be replaced by {new} ({new_steps} steps)").format(
        id=result.course_id, where=where, old=result.previous_version or "?",
        old_steps="?" if result.previous_steps is None else result.previous_steps, new=result.version,
        new_steps="?" if result.steps is None else result.steps)


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def course_files(course_dir: Path) -> list[tuple[str, Path]]:
    """(relative posix path, path) of every file a package carries, sorted.

    Hidden files and folders (``.git``, editor swap files) and backups (``*~``) stay out.
    """
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(course_dir, followlinks=False):
        here = Path(dirpath)
        for d in list(dirnames):
            if d.startswith(".") or d == "__pycache__":
                dirnames.remove(d)
            elif (here / d).is_symlink():
                raise PackageError(_("the course contains a link ({path}); packages cannot hold links").format(
                    path=(here / d).relative_to(course_dir).as_posix()))
        for name in filenames:
            if name.startswith(".") or name.endswith("~"):
                continue
            path = here / name
            rel = path.relative_to(course_dir).as_posix()
            if path.is_symlink():
                raise PackageError(_("the course contains a link ({path}); packages cannot hold links").format(
                    path=rel))
            found.append((rel, path))
    return sorted(found)


# --- export ---------------------------------------------------------------------------------------


def export_course(course_dir: Path, out_file: Path) -> Path:
    """Write the course at ``course_dir`` as a package; refuses a course with errors."""
    course_dir = Path(course_dir)
    out_file = Path(out_file)
    course, problems = read_course(course_dir)
    if course is None:
        raise PackageError(_("the course has errors; fix them before exporting"), problems)
    files = course_files(course_dir)
    if len(files) > MAX_FILES:
        raise PackageError(_("the course has {n} files; a package holds at most {max}").format(
            n=len(files), max=MAX_FILES))
    total = 0
    for rel, path in files:
        size = path.stat().st_size
        total += size
        if size > MAX_FILE_BYTES:
            raise PackageError(_("{file} is larger than {mb} MB").format(file=rel, mb=MAX_FILE_BYTES >> 20))
    if total > MAX_TOTAL_BYTES:
        raise PackageError(_("the course is larger than {mb} MB").format(mb=MAX_TOTAL_BYTES >> 20))
    manifest = Manifest(PACKAGE_FORMAT, course.id, course.version, {rel: _sha256_file(p) for rel, p in files})
    with atomic_path(out_file) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        # Fixed timestamps and modes: the same course gives the same bytes.
        def add(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, _FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, data)

        add(MANIFEST, manifest.to_json().encode("utf-8"))
        for rel, path in files:
            add(f"{course.id}/{rel}", path.read_bytes())
    return out_file


# --- reading a package safely ---------------------------------------------------------------------


def _check_name(name: str) -> list[str]:
    """The path parts of a zip entry name, or PackageError if it could land outside the folder."""
    if not name or "\x00" in name:
        raise PackageError(_("the package has an entry with an empty or invalid name"))
    if "\\" in name:
        raise PackageError(_("the package entry “{name}” uses backslashes").format(name=name))
    if name.startswith("/") or _DRIVE.match(name):
        raise PackageError(_("the package entry “{name}” has an absolute path").format(name=name))
    parts = name.rstrip("/").split("/")
    for part in parts:
        if part in ("", ".", ".."):
            raise PackageError(_("the package entry “{name}” points outside the course folder").format(name=name))
        if ":" in part:
            raise PackageError(_("the package entry “{name}” has a “:” in its path").format(name=name))
    return parts


def _parse_manifest(data: bytes) -> Manifest:
    try:
        raw = loads_bounded(decode_text(data), MAX_MANIFEST_BYTES, what=_("the package manifest"))
    except JsonLimitError as exc:
        raise PackageError(str(exc)) from None
    except (TextError, ValueError):
        raise PackageError(_("the package manifest is not valid UTF-8 JSON")) from None
    if not isinstance(raw, dict):
        raise PackageError(_("the package manifest is not valid"))
    fmt = raw.get("format")
    if fmt != PACKAGE_FORMAT or isinstance(fmt, bool):
        raise PackageError(_("unknown package format version {found} (this version of Zhizao reads {supported})")
                           .format(found=fmt, supported=PACKAGE_FORMAT))
    course_id, version, files = raw.get("course_id"), raw.get("version"), raw.get("files")
    if not isinstance(course_id, str) or not SLUG_RE.match(course_id):
        raise PackageError(_("the package manifest has no valid course id"))
    if not isinstance(version, str) or not semver.is_valid(version):
        raise PackageError(_("the package manifest has no valid version"))
    if not isinstance(files, dict) or not files:
        raise PackageError(_("the package manifest lists no files"))
    for rel, digest in files.items():
        if not isinstance(rel, str) or not isinstance(digest, str) or not _SHA256.match(digest):
            raise PackageError(_("the package manifest has an invalid entry for “{file}”").format(file=rel))
        _check_name(rel)
    return Manifest(fmt, course_id, version, dict(files))


def _check_entries(zf: zipfile.ZipFile) -> tuple[Manifest, list[zipfile.ZipInfo]]:
    """Every rule that can be checked from the central directory; returns the file entries."""
    infos = zf.infolist()
    if len(infos) > MAX_FILES + 1:
        raise PackageError(_("the package has {n} entries; at most {max} files are allowed").format(
            n=len(infos), max=MAX_FILES))
    seen: set[str] = set()
    total = 0
    manifest_info: zipfile.ZipInfo | None = None
    files: list[zipfile.ZipInfo] = []
    for info in infos:
        _check_name(info.filename)
        key = info.filename.rstrip("/").casefold()
        if key in seen:
            raise PackageError(_("the package holds “{name}” twice").format(name=info.filename))
        seen.add(key)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise PackageError(_("the package entry “{name}” is a link; links are not allowed").format(
                name=info.filename))
        # Many zip writers store permission bits only; a file type, if given, must be file or folder.
        if stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise PackageError(_("the package entry “{name}” is not a regular file").format(name=info.filename))
        if info.flag_bits & 0x1:
            raise PackageError(_("the package entry “{name}” is encrypted").format(name=info.filename))
        if info.is_dir():
            continue
        if info.file_size > MAX_FILE_BYTES:
            raise PackageError(_("“{name}” is larger than {mb} MB").format(name=info.filename,
                                                                           mb=MAX_FILE_BYTES >> 20))
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise PackageError(_("the package unpacks to more than {mb} MB").format(mb=MAX_TOTAL_BYTES >> 20))
        if info.file_size >= RATIO_MIN_BYTES and (
                info.compress_size == 0 or info.file_size / info.compress_size > MAX_RATIO):
            raise PackageError(_("“{name}” is compressed more than {ratio}:1 (a zip bomb?)").format(
                name=info.filename, ratio=MAX_RATIO))
        if info.filename == MANIFEST:
            manifest_info = info
        else:
            files.append(info)
    if len(files) > MAX_FILES:
        raise PackageError(_("the package has {n} files; at most {max} are allowed").format(
            n=len(files), max=MAX_FILES))
    if manifest_info is None:
        raise PackageError(_("not a Zhizao course package: manifest.json is missing"))
    if manifest_info.file_size > MAX_MANIFEST_BYTES:
        raise PackageError(_("the package manifest is too large"))
    manifest = _parse_manifest(_read_limited(zf, manifest_info, MAX_MANIFEST_BYTES))
    prefix = manifest.course_id + "/"
    listed = set(manifest.files)
    present: set[str] = set()
    for info in files:
        if not info.filename.startswith(prefix):
            raise PackageError(_("the package entry “{name}” is outside the course folder {folder}").format(
                name=info.filename, folder=prefix))
        rel = info.filename[len(prefix):]
        if rel not in listed:
            raise PackageError(_("the package entry “{name}” is not in the manifest").format(name=info.filename))
        present.add(rel)
    missing = sorted(listed - present)
    if missing:
        raise PackageError(_("the package is missing {file} (listed in the manifest)").format(file=missing[0]))
    return manifest, files


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    with zf.open(info) as fh:
        data = fh.read(limit + 1)
    if len(data) > min(limit, info.file_size):
        raise PackageError(_("“{name}” is larger than it claims").format(name=info.filename))
    return data


def _extract(zf: zipfile.ZipFile, manifest: Manifest, files: list[zipfile.ZipInfo], dest: Path) -> Path:
    """Stream each file out, enforcing sizes and checksums as the bytes arrive."""
    course_dir = dest / manifest.course_id
    course_dir.mkdir()
    total = 0
    for info in files:
        rel = info.filename[len(manifest.course_id) + 1:]
        target = course_dir.joinpath(*rel.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        written = 0
        keep_text = target.suffix.lower() in TEXT_SUFFIXES
        text_chunks: list[bytes] = []
        with zf.open(info) as src, open(target, "xb") as out:
            while True:
                chunk = src.read(1 << 16)
                if not chunk:
                    break
                written += len(chunk)
                total += len(chunk)
                # The header sizes may lie; the bytes do not.
                if written > info.file_size or written > MAX_FILE_BYTES or total > MAX_TOTAL_BYTES:
                    raise PackageError(_("“{name}” unpacks to more than it declares").format(name=info.filename))
                digest.update(chunk)
                out.write(chunk)
                if keep_text:
                    text_chunks.append(chunk)
        if digest.hexdigest() != manifest.files[rel]:
            raise PackageError(_("checksum mismatch for {file}: the package is damaged or was altered").format(
                file=rel))
        if keep_text:
            try:
                decode_text(b"".join(text_chunks))
            except TextError as exc:
                raise PackageError(_("{file}:{line}: {message}").format(
                    file=rel, line=exc.line or 1, message=exc.message)) from None
    return course_dir


def _open_zip(zip_path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(zip_path)
    except FileNotFoundError:
        raise PackageError(_("no such file: {path}").format(path=zip_path)) from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise PackageError(_("not a Zhizao course package ({reason})").format(reason=exc)) from None


def unpack(zip_path: Path, dest: Path) -> tuple[Manifest, Path]:
    """Check and extract the package into the empty folder ``dest``; returns the course folder."""
    with _open_zip(Path(zip_path)) as zf:
        try:
            manifest, files = _check_entries(zf)
            return manifest, _extract(zf, manifest, files, dest)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
            raise PackageError(_("the package is damaged ({reason})").format(reason=exc)) from None
        except OSError as exc:
            raise PackageError(_("could not unpack the package: {reason}").format(reason=exc)) from None


@contextmanager
def extracted(zip_path: Path, parent: Path | None = None) -> Iterator[tuple[Manifest, Path]]:
    """Unpack into a temporary folder (under ``parent`` if given) that is removed afterwards."""
    if parent is not None:
        parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".zhizao-import-", dir=parent))
    try:
        yield unpack(zip_path, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check_course(course_dir: Path, manifest: Manifest, display: str) -> list[Problem]:
    """Validate an unpacked course; PackageError if it has errors or disagrees with the manifest."""
    return _checked_course(course_dir, manifest, display)[1]


def _checked_course(course_dir: Path, manifest: Manifest, display: str) -> tuple[Course, list[Problem]]:
    course, problems = read_course(course_dir, display)
    if course is None or has_errors(problems):
        raise PackageError(_("the course in the package has errors"), problems)
    if course.id != manifest.course_id or course.version != manifest.version:
        raise PackageError(_("the manifest says {mid} {mver} but course.yaml says {cid} {cver}").format(
            mid=manifest.course_id, mver=manifest.version, cid=course.id, cver=course.version))
    return course, problems


# --- import ---------------------------------------------------------------------------------------


def installed_version(course_dir: Path) -> str | None:
    """The version in ``course_dir/course.yaml`` if it is readable."""
    try:
        data = parse_yaml((course_dir / "course.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, TextError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) and semver.is_valid(version) else None


def program_files(course_dir: Path, display: str) -> list[Problem]:
    """A warning for every program or script the course carries (never run, and lessons cannot open them)."""
    found = []
    for rel, path in course_files(course_dir):
        if effective_suffix(path.name) in PROGRAM_SUFFIXES:
            found.append(Problem(f"{display}/{rel}", None, None, "warning", _(
                "{file} is a program or script: Zhizao never runs it and lesson links cannot open it").format(
                file=rel)))
    return found


def step_count(course_dir: Path) -> int | None:
    """How many steps the course in ``course_dir`` lists (from its YAML headers only), if readable."""
    try:
        course = parse_yaml((course_dir / "course.yaml").read_text(encoding="utf-8"))
        total = 0
        for module_id in course.get("modules") or []:
            module = parse_yaml((course_dir / "modules" / str(module_id) / "module.yaml").read_text(
                encoding="utf-8"))
            total += len(module.get("steps") or [])
    except (OSError, UnicodeDecodeError, TextError, AttributeError, TypeError):
        return None
    return total


def _bundled_copy(course_id: str, bundled_dirs: list[Path]) -> Path | None:
    """The visible bundled course with this id (fixtures in ``_`` folders are not offered to anyone)."""
    for folder in bundled_dirs:
        candidate = folder / course_id
        if (candidate / "course.yaml").is_file():
            return candidate
    return None


def import_course(zip_path: Path, library_dir: Path, *, replace: bool = False,
                  bundled_dirs: list[Path] | None = None) -> ImportResult:
    """Install the package into ``library_dir/<course-id>/``.

    A package whose id is already in the library, or is a bundled course (which the
    library copy would then stand in for), is installed only with ``replace=True``;
    without it the result has status ``needs_confirmation``, says what would change
    and nothing is written. ``bundled_dirs`` defaults to the app's bundled courses.
    Atomic: on any refusal (``PackageError``) the library is left exactly as it was.
    """
    if bundled_dirs is None:
        from app.paths import courses_dir

        bundled_dirs = [courses_dir()]
    zip_path, library_dir = Path(zip_path), Path(library_dir)
    # Unpack next to the library (same file system) so the final move is a rename.
    with extracted(zip_path, library_dir.parent) as (manifest, new_dir):
        course, warnings = _checked_course(new_dir, manifest, f"{zip_path.name}!")
        warnings = warnings + program_files(new_dir, f"{zip_path.name}!")
        steps = sum(1 for _pair in course.iter_steps())
        target = library_dir / manifest.course_id
        bundled = _bundled_copy(manifest.course_id, bundled_dirs)
        source: PreviousSource | None = None
        previous = previous_steps = None
        if target.exists():
            source, previous, previous_steps = "library", installed_version(target), step_count(target)
        elif bundled is not None:
            source, previous, previous_steps = "bundled", installed_version(bundled), step_count(bundled)
        status: ImportStatus = "installed"
        if source is not None:
            order = semver.compare(manifest.version, previous) if previous is not None else 0
            status = "upgraded" if order > 0 else "replaced" if order == 0 else "downgraded"
            if not replace:
                return ImportResult("needs_confirmation", manifest.course_id, manifest.version, previous, target,
                                    warnings, steps, previous_steps, source)
        library_dir.mkdir(parents=True, exist_ok=True)
        backup: Path | None = None
        try:
            if target.exists() or target.is_symlink():
                backup = Path(tempfile.mkdtemp(prefix=f".{manifest.course_id}.old-", dir=library_dir))
                os.replace(target, backup / "course")
            os.replace(new_dir, target)
        except OSError as exc:
            if backup is not None and (backup / "course").exists() and not target.exists():
                os.replace(backup / "course", target)
            raise PackageError(_("could not install the course: {reason}").format(reason=exc)) from None
        finally:
            # Keep the old copy if neither the new nor the old one is in place (manual recovery).
            if backup is not None and target.exists():
                shutil.rmtree(backup, ignore_errors=True)
        return ImportResult(status, manifest.course_id, manifest.version, previous, target, warnings, steps,
                            previous_steps, source)
