"""classify_link: what a click on a lesson link may do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.courses.links import classify_link, is_viewable_text


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "manual.pdf").write_bytes(b"%PDF-1.7\n%...")
    (root / "docs" / "sheet.xlsx").write_bytes(b"PK\x03\x04rest")
    (root / "docs" / "fake.pdf").write_bytes(b"#!/bin/sh\nrm -rf ~\n")
    (root / "docs" / "diagram.svg").write_text("<svg/>")
    (root / "docs" / "notes.txt").write_text("hello")
    (root / "docs" / "data.bin").write_bytes(b"\0\1")
    (tmp_path / "outside.pdf").write_bytes(b"%PDF-1.7\n")
    return root


@pytest.mark.parametrize("name", ["setup.exe", "run.bat", "run.cmd", "x.com", "x.ps1", "x.sh", "x.desktop",
                                  "x.lnk", "x.py", "x.jar", "x.msi", "x.vbs", "x.js", "x.scr", "x.hta",
                                  "page.html", "macro.docm", "SETUP.EXE", "setup.exe.", "manual.pdf.exe"])
def test_programs_and_scripts_are_refused(course, name):
    (course / "docs" / name).write_bytes(b"%PDF-1.4 MZ")
    link = classify_link(course, f"docs/{name}")
    assert link.kind == "refuse" and not link.allowed
    assert "program" in link.reason or "not a document" in link.reason


@pytest.mark.skipif(os.name == "nt", reason="no executable bit on Windows")
def test_a_file_marked_executable_is_refused_whatever_its_name(course):
    path = course / "docs" / "manual.pdf"
    path.chmod(0o755)
    link = classify_link(course, "docs/manual.pdf")
    assert link.kind == "refuse" and "marked as a program" in link.reason


def test_documents_open_after_confirmation_naming_the_file(course):
    link = classify_link(course, "docs/manual.pdf")
    assert (link.kind, link.needs_confirm) == ("open", True)
    assert link.path == (course / "docs" / "manual.pdf").resolve()
    assert classify_link(course, "docs/sheet.xlsx").kind == "open"


def test_a_document_whose_bytes_do_not_match_its_type_is_refused(course):
    link = classify_link(course, "docs/fake.pdf")
    assert link.kind == "refuse" and "not really a PDF" in link.reason


def test_pictures_and_text_are_shown_inside_the_app(course):
    svg, txt = classify_link(course, "docs/diagram.svg"), classify_link(course, "docs/notes.txt")
    assert (svg.kind, svg.needs_confirm, is_viewable_text(svg)) == ("view", False, False)
    assert (txt.kind, is_viewable_text(txt)) == ("view", True)


def test_unknown_types_are_refused(course):
    assert classify_link(course, "docs/data.bin").kind == "refuse"


def test_file_urls_from_the_renderer_are_checked_against_the_course(course, tmp_path):
    assert classify_link(course, (course / "docs" / "manual.pdf").as_uri()).kind == "open"
    outside = classify_link(course, (tmp_path / "outside.pdf").as_uri())
    assert outside.kind == "refuse" and "outside the course" in outside.reason
    assert classify_link(course, "file://server/share/x.pdf").kind == "refuse"


@pytest.mark.parametrize("href", ["../outside.pdf", "docs/../../outside.pdf", "/etc/passwd", "C:/x.pdf",
                                  "docs\\manual.pdf", "docs/missing.pdf", "docs", "", "docs/%00.pdf"])
def test_paths_outside_or_odd_are_refused(course, href):
    assert classify_link(course, href).kind == "refuse"


def test_links_through_a_symlink_out_of_the_course_are_refused(course, tmp_path):
    try:
        (course / "docs" / "link.pdf").symlink_to(tmp_path / "outside.pdf")
    except OSError:
        pytest.skip("no symlinks here")
    assert classify_link(course, "docs/link.pdf").kind == "refuse"


def test_web_addresses_ask_first_and_other_schemes_are_refused(course):
    web = classify_link(course, "https://example.com/a")
    assert (web.kind, web.url, web.needs_confirm) == ("external", "https://example.com/a", True)
    assert classify_link(course, "mailto:a@b.c").kind == "external"
    for href in ("javascript:alert(1)", "smb://host/x", "ftp://h/f", "data:text/html,x", "http:", "vbscript:x"):
        assert classify_link(course, href).kind == "refuse", href


def test_anchors_scroll():
    link = classify_link(Path("."), "#section-2")
    assert (link.kind, link.url) == ("anchor", "#section-2")
