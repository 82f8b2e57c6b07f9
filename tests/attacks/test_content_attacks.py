"""Course content cannot run anything: hostile packages played end to end (issue 14, part 4).

Each attack goes through the public entry points (``zhizao import course``, the
course library, the lesson renderer, ``classify_link``) and must be refused with
a clear message while the genuine path keeps working.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path

from app.cli.main import main
from app.courses.library import CourseLibrary
from app.courses.links import classify_link
from app.courses.package import export_course
from app.courses.render import markdown_refs, render_markdown
from app.paths import courses_dir

FIXTURE = courses_dir() / "_fixture-mini"
CID = "fixture-mini"
LESSON = Path("modules/basics/lesson")


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


def hostile_course(tmp_path: Path, files: dict[str, bytes], lesson_extra: str) -> Path:
    """The fixture course with ``files`` added to its lesson folder and ``lesson_extra`` appended to the lesson."""
    course = tmp_path / "src" / CID
    shutil.copytree(FIXTURE, course)
    for name, data in files.items():
        (course / LESSON / name).write_bytes(data)
    lesson = course / LESSON / "lesson.en.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n\n" + lesson_extra + "\n", encoding="utf-8")
    return course


def import_package(capsys, tmp_path: Path, course: Path, *flags: str) -> tuple[int, str, str, Path]:
    package = export_course(course, tmp_path / "hostile.zhizao")
    data = tmp_path / "data"
    code, out, err = cli(capsys, "--data-dir", str(data), "import", "course", *flags, str(package))
    return code, out, err, data


# --- 1. executable links ----------------------------------------------------------------------------

PROGRAMS = {
    "setup.exe": b"MZ\x90\x00" + b"\0" * 60,
    "install.bat": b"@echo off\r\ndel /q %USERPROFILE%\\*\r\n",
    "evil.desktop": b"[Desktop Entry]\nType=Application\nExec=sh -c 'rm -rf ~'\n",
    "fix.sh": b"#!/bin/sh\nrm -rf ~\n",
    "report.pdf.exe": b"MZ",
    "manual.pdf": b"#!/bin/sh\necho not a pdf\n",
}


def test_a_package_linking_programs_never_opens_them(capsys, tmp_path):
    links = " ".join(f"[{name}]({name})" for name in PROGRAMS) + " [guide](guide.pdf) [web](https://example.com)"
    files = dict(PROGRAMS, **{"guide.pdf": b"%PDF-1.4\n1 0 obj\n"})
    code, out, err, data = import_package(capsys, tmp_path, hostile_course(tmp_path, files, links))
    assert code == 0, err  # the package itself is well-formed; what matters is what its links may do
    for name in ("setup.exe", "install.bat", "evil.desktop", "fix.sh", "report.pdf.exe"):  # the instructor is told
        assert f"{name} is a program or script" in err, name

    course = CourseLibrary(None, data / "library", data / "cache").get(CID)
    step = course.find_step("basics", "lesson")
    text = step.lesson.text("en")
    html = render_markdown(text, step.path, course.path)
    local = [href for href in re.findall(r'<a href="([^"]+)"', html) if href.startswith("file:")]
    assert local == [(step.path / "guide.pdf").resolve().as_uri()]
    assert '<a href="https://example.com" class="external"' in html

    decisions = {ref.target: classify_link(course.path, (step.path / ref.target).resolve().as_uri())
                 for ref in markdown_refs(text) if ref.kind == "link" and not ref.target.startswith("http")}
    for name in PROGRAMS:
        assert decisions[name].kind == "refuse" and name in decisions[name].reason, name
    assert "not really a PDF" in decisions["manual.pdf"].reason
    guide = decisions["guide.pdf"]
    assert (guide.kind, guide.needs_confirm, guide.path.name) == ("open", True, "guide.pdf")
    web = classify_link(course.path, "https://example.com")
    assert (web.kind, web.needs_confirm) == ("external", True)


# --- 2. SVG escapes ------------------------------------------------------------------------------------

def _red_png(path: Path) -> bytes:
    from PySide6.QtGui import QColor, QImage

    img = QImage(8, 8, QImage.Format.Format_RGB32)
    img.fill(QColor(255, 0, 0))
    assert img.save(str(path))
    return path.read_bytes()


def _draw(svg: bytes):
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(svg)
    assert renderer.isValid()
    out = QImage(16, 16, QImage.Format.Format_ARGB32)
    out.fill(0)
    painter = QPainter(out)
    renderer.render(painter)
    painter.end()
    return out


def test_an_svg_cannot_draw_files_outside_its_course(qapp, capsys, tmp_path):
    secret = tmp_path / "secret.png"
    _red_png(secret)
    inside = _red_png(tmp_path / "inside.png")
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="16" '
           f'height="16"><image x="0" y="0" width="8" height="16" xlink:href="{secret}"/>'
           '<image x="8" y="0" width="8" height="8" href="../../../../../../secret.png"/>'
           f'<image x="8" y="8" width="8" height="8" xlink:href="file://{secret}"/></svg>')
    ok = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="16" '
          'height="16"><image x="0" y="0" width="16" height="16" xlink:href="inside.png"/></svg>')
    course = hostile_course(tmp_path, {"peek.svg": svg.encode(), "ok.svg": ok.encode(), "inside.png": inside},
                            "![peek](peek.svg) ![ok](ok.svg)")
    # Unsanitised, Qt really does draw the outside file: the attack is real.
    assert _draw(svg.encode()).pixelColor(4, 8).red() == 255

    code, _out, err, data = import_package(capsys, tmp_path, course)
    assert code == 0, err
    lib_course = CourseLibrary(None, data / "library", data / "cache").get(CID)
    step = lib_course.find_step("basics", "lesson")
    html = render_markdown(step.lesson.text("en"), step.path, lib_course.path)
    inlined = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    peek_svg, ok_svg = (base64.b64decode(s) for s in inlined[-2:])  # the lesson's own diagram comes first
    assert b"secret" not in peek_svg and str(tmp_path).encode() not in peek_svg and b"file:" not in peek_svg
    drawn = _draw(peek_svg)
    assert all(drawn.pixelColor(x, y).alpha() == 0 for x in range(16) for y in range(16))
    # A picture inside the course still shows (embedded, so it no longer depends on a path).
    assert b"data:image/png;base64," in ok_svg
    assert _draw(ok_svg).pixelColor(8, 8).red() == 255


# --- 3. bundled-course hijack ---------------------------------------------------------------------------

BUNDLED = "industrial-robot-operation"


def test_importing_over_a_bundled_course_needs_replace_and_says_what_changes(capsys, tmp_path, monkeypatch):
    course = tmp_path / "src" / BUNDLED
    shutil.copytree(courses_dir() / BUNDLED, course)
    yaml_text = (course / "course.yaml").read_text(encoding="utf-8")
    bundled_version = re.search(r"^version: (\S+)", yaml_text, re.M).group(1)
    (course / "course.yaml").write_text(yaml_text.replace(f"version: {bundled_version}", "version: 99.0.0", 1),
                                        encoding="utf-8")
    package = export_course(course, tmp_path / "hijack.zhizao")
    data = tmp_path / "data"
    monkeypatch.setattr("sys.stdin", open("/dev/null"))  # not a terminal: nobody to ask

    code, _out, err = cli(capsys, "--data-dir", str(data), "import", "course", str(package))
    assert code == 1 and "Traceback" not in err
    assert f"the bundled course {bundled_version}" in err and "99.0.0" in err and "--replace" in err
    assert re.search(r"\(\d+ steps\) would be replaced by 99\.0\.0 \(\d+ steps\)", err), err
    assert not (data / "library" / BUNDLED).exists()
    assert not snapshot(data / "library")

    code, out, err = cli(capsys, "--data-dir", str(data), "import", "course", "--replace", str(package))
    assert code == 0, err
    assert f"Upgraded {BUNDLED} from {bundled_version} to 99.0.0" in out
    assert (data / "library" / BUNDLED / "course.yaml").is_file()


def test_importing_over_a_library_course_needs_replace(capsys, tmp_path, monkeypatch):
    code, _out, err, data = import_package(capsys, tmp_path, hostile_course(tmp_path, {}, "First."))
    assert code == 0, err
    before = snapshot(data / "library")
    second = tmp_path / "second"
    second.mkdir()
    course = hostile_course(second, {}, "Replaced by someone else.")
    monkeypatch.setattr("sys.stdin", open("/dev/null"))
    package = export_course(course, second / "again.zhizao")
    code, _out, err = cli(capsys, "--data-dir", str(data), "import", "course", str(package))
    assert code == 1 and "the library course 1.0.0" in err
    assert snapshot(data / "library") == before


# --- 4. forged course cache -----------------------------------------------------------------------------

def test_a_forged_course_cache_is_ignored(ctx, fixture_course):
    """Flipping a quiz answer in the cached course (without the install's key) changes nothing."""
    quiz = fixture_course.find_step("basics", "quiz").quiz
    true_answer = quiz.questions[0].answer
    cache_dir = ctx.data_dir / "cache"
    forged_any = False
    for entry in cache_dir.glob("*.course-cache"):
        signature, header, course_json = entry.read_bytes().split(b"\n", 2)
        if course_json == b"null" or json.loads(course_json)["id"] != CID:
            continue
        doc = json.loads(course_json)
        for module in doc["modules"]:
            for step in module["steps"]:
                if step.get("quiz"):
                    step["quiz"]["questions"][0]["answer"] = "forged"
        entry.write_bytes(signature + b"\n" + header + b"\n" + json.dumps(doc).encode())
        forged_any = True
    assert forged_any
    fresh = CourseLibrary(None, ctx.library_dir, cache_dir).get(CID)
    assert fresh.find_step("basics", "quiz").quiz.questions[0].answer == true_answer


# --- the author is told ---------------------------------------------------------------------------------

def test_zhizao_validate_warns_about_links_that_will_not_open_and_unsafe_svgs(capsys, tmp_path):
    course = hostile_course(tmp_path, dict(PROGRAMS, **{"lol.svg": b'<!DOCTYPE svg [<!ENTITY a "a">]><svg/>'}),
                            "[setup](setup.exe) [fake](manual.pdf)\n\n![laughs](lol.svg)")
    code, out, _err = cli(capsys, "validate", str(course))
    assert code == 0  # warnings: the course still works, the links just stay plain text
    lines = out.splitlines()
    setup = [line for line in lines if "setup.exe" in line]
    assert len(setup) == 1 and "lesson.en.md:" in setup[0] and "never start programs" in setup[0]
    assert any("manual.pdf" in line and "not really a PDF" in line for line in lines)
    assert any("lol.svg" in line and "without DTD or entities" in line for line in lines)
