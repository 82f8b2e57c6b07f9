"""Lesson Markdown → HTML: tables, code, images only from the course, no raw HTML, marked links."""

from __future__ import annotations

import base64
import re
import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from app.courses.render import LESSON_CSS, MAX_IMAGE_WIDTH, markdown_refs, render_body, render_markdown

from .conftest import FIXTURE


def _course(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "course"
    step = root / "modules" / "m" / "s"
    step.mkdir(parents=True)
    (step / "small.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="50"/>')
    (step / "wide.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1600 400"/>')
    png = b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">II", 2000, 10) + b"\x08\x02\0\0\0"
    (step / "wide.png").write_bytes(png)
    (root / "shared.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (tmp_path / "secret.svg").write_text("<svg/>")
    return root, step


def test_fixture_lesson_renders_table_code_heading_and_image():
    step = FIXTURE / "modules/basics/lesson"
    html = render_markdown((step / "lesson.en.md").read_text(encoding="utf-8"), step, FIXTURE)
    assert html.startswith("<html>") and LESSON_CSS in html
    assert '<table border="1"' in html and "<th>Factor</th>" in html
    assert "<pre><code>OEE = availability" in html
    assert "<h1>Stations, buffers and OEE</h1>" in html
    # SVGs are inlined after sanitising; the picture is the fixture's own drawing.
    (src,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert b"<svg" in base64.b64decode(src)


def test_raw_html_is_escaped_never_passed_through(tmp_path):
    root, step = _course(tmp_path)
    html = render_body('<script>alert(1)</script>\n\nhi <img src="x" onerror="y"> <b>bold</b>', step, root)
    assert "<script>" not in html and "<b>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_images_only_from_inside_the_course(tmp_path):
    root, step = _course(tmp_path)
    html = render_body(
        "![a](small.svg) ![b](../../../shared.svg) ![c](../../../../secret.svg) ![d](https://evil.example/x.png)"
        " ![e](missing.png) ![f](/etc/passwd) ![g](data:image/png;base64,AAAA) ![h](C:/x.png)", step, root)
    assert html.count("<img") == 2
    inlined = [base64.b64decode(m) for m in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]
    assert [b'width="200"' in svg for svg in inlined] == [True, False]  # small.svg, then shared.svg
    for dropped in ("secret", "evil.example", "missing", "/etc/passwd", "data:image/png", "C:/x.png"):
        assert dropped not in html
    assert "[c]" in html and "[d]" in html  # the alt text stands in for a dropped image


def test_the_step_folder_is_the_default_boundary(tmp_path):
    root, step = _course(tmp_path)
    assert "<img" not in render_body("![b](../../../shared.svg)", step)


def test_wide_images_get_a_width(tmp_path):
    root, step = _course(tmp_path)
    html = render_body("![s](small.svg) ![w](wide.svg) ![p](wide.png)", step, root)
    assert html.count(f'width="{MAX_IMAGE_WIDTH}"') == 2
    assert 'alt="s" />' in html


def test_external_links_are_marked_and_unsafe_links_dropped(tmp_path):
    root, step = _course(tmp_path)
    html = render_body("[web](https://example.com/x) [mail](mailto:a@b.c) [js](javascript:alert(1)) "
                       "[ftp](ftp://host/f) [top](#top) [file](small.svg) [out](../../../../secret.svg)", step, root)
    assert '<a href="https://example.com/x" class="external"' in html
    assert '<a href="mailto:a@b.c" class="external"' in html
    assert 'href="#top"' in html
    assert f'href="{(step / "small.svg").resolve().as_uri()}" class="local"' in html
    assert "ftp://" not in html.split("ftp")[0] and 'href="ftp' not in html
    assert "secret" not in html and 'href="javascript' not in html
    assert html.count("<a ") == 4


def test_refs_report_positions():
    refs = markdown_refs("Intro\n\nText ![a](x.svg)\nand [l](https://e.com).\n")
    assert [(r.kind, r.target, r.line, r.col) for r in refs] == [
        ("image", "x.svg", 3, 11), ("link", "https://e.com", 4, 9)]


MD_PIECES = ["a", " ", "\n", "*", "_", "`", "!", "(", ")", "]", ">", "#", "-", "|", "&lbrack;", "&#60;", "&lt;", "\\",
             "http://e.com", "www.e.com", "a@b.cc", ":", "/", "x.svg", '"', "    ", "1.", "![", "<",
             "<http://e.com>", "<a@b.cc>", "[l](x.svg)", "`<x>`"]


def _parsed_refs(text: str) -> list[tuple[str, str]]:
    """The images and links of a full parse, as the lesson view's parser makes them."""
    from app.courses.render import _MD

    return [("image" if t.type == "image" else "link", t.attrs.get("src") or t.attrs.get("href"))
            for b in _MD.parse(text, {}) if b.children for t in b.children if t.type in ("image", "link_open")]


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(MD_PIECES), max_size=30).map("".join))
def test_refs_shortcuts_find_what_the_parser_finds(text):
    # markdown_refs skips text and blocks without "[" or "<": the full parser must agree they have no links.
    from app.courses.render import _MD

    assert not _MD.options["html"] and not _MD.options["linkify"]
    assert _MD.core.ruler.get_active_rules() == ["normalize", "block", "inline", "text_join"]
    assert [(r.kind, r.target) for r in markdown_refs(text)] == _parsed_refs(text)


def test_refs_of_every_bundled_lesson_match_a_full_parse():
    for path in FIXTURE.parent.glob("*/modules/*/*/*.md"):
        text = path.read_text(encoding="utf-8")
        assert [(r.kind, r.target) for r in markdown_refs(text)] == _parsed_refs(text), path


def test_chinese_text_survives(tmp_path):
    html = render_body("# 标题\n\n| 因子 | 公式 |\n|---|---|\n| 合格品率 | 合格品数 ÷ 总产量 |\n", tmp_path)
    assert "<h1>标题</h1>" in html and "<td>合格品率</td>" in html


def test_svg_images_are_inlined_without_outside_references(tmp_path):
    root, step = _course(tmp_path)
    (step / "peek.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9">'
        f'<image xlink:href="{tmp_path / "secret.png"}"/><image href="../../../../secret.png"/></svg>')
    html = render_body("![p](peek.svg)", step, root)
    (src,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    svg = base64.b64decode(src).decode()
    assert "secret" not in svg and "<image" in svg


def test_an_svg_with_a_dtd_is_not_shown(tmp_path):
    root, step = _course(tmp_path)
    (step / "lol.svg").write_text('<!DOCTYPE svg [<!ENTITY a "aaaaaaaa">]>'
                                  '<svg xmlns="http://www.w3.org/2000/svg">&a;&a;</svg>')
    html = render_body("![laughs](lol.svg)", step, root)
    assert "<img" not in html and "[laughs]" in html


def test_links_to_programs_are_not_clickable(tmp_path):
    root, step = _course(tmp_path)
    for name in ("setup.exe", "run.bat", "evil.desktop", "notes.pdf"):
        (step / name).write_bytes(b"%PDF-1.4\n" if name.endswith(".pdf") else b"MZ")
    html = render_body("[a](setup.exe) [b](run.bat) [c](evil.desktop) [d](notes.pdf)", step, root)
    assert html.count("<a ") == 1 and "notes.pdf" in html
    for name in ("setup.exe", "run.bat", "evil.desktop"):
        assert f"{name}\"" not in html
