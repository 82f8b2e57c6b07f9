"""Lesson Markdown → HTML for a QTextBrowser, safely.

CommonMark plus tables; raw HTML is never passed through. Images load only
from files inside the course folder (their ``src`` becomes an absolute
``file://`` URL; anything else is dropped and its alt text shown). SVG pictures
are sanitised (``app.courses.svg_safe``) and inlined as ``data:`` URIs, so they
cannot draw files from outside the course. Links to course files stay only when
``app.courses.links.classify_link`` would open them (never programs or scripts).
External links keep their URL but get ``class="external"`` so the GUI asks
before opening them in the system browser; the app never fetches them.
"""

from __future__ import annotations

import base64
import html
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import block as block_rule
from markdown_it.rules_core import normalize
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from app.courses.links import classify_link
from app.courses.svg_safe import safe_svg_file

MAX_IMAGE_WIDTH = 720
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".gif")
EXTERNAL_SCHEMES = ("http", "https", "mailto")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")

# QTextBrowser understands a subset of CSS 2: no max-width, so wide images also get a width attribute.
LESSON_CSS = """
body { font-size: 11pt; }
h1 { font-size: 18pt; margin-top: 12px; }
h2 { font-size: 15pt; margin-top: 10px; }
h3 { font-size: 13pt; margin-top: 8px; }
p, li { line-height: 140%; }
p.figure { line-height: 100%; }
table { border-collapse: collapse; margin-top: 6px; margin-bottom: 6px; }
th { background-color: #e8e8e8; font-weight: bold; }
th, td { border: 1px solid #999999; padding: 4px 8px; }
pre { background-color: #f0f0f0; padding: 8px; font-family: monospace; }
code { background-color: #f0f0f0; font-family: monospace; }
img { max-width: 100%; }
blockquote { margin-left: 16px; color: #555555; }
a.external { color: #1a5fb4; }
""".strip()


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x3000 <= code <= 0x303F or 0x20000 <= code <= 0x2FA1F)


def _cjk_friendly_emphasis() -> None:
    """Let ``**粗体**`` work next to Chinese characters and full-width punctuation.

    CommonMark's flanking rules assume spaces around emphasis; in
    ``记录**形态（配置）**信息`` the closing ``**`` (after ``）``, before ``信``)
    can close nothing and the asterisks show up literally. As markdown-it's
    "cjk-friendly" plugin does in JavaScript, a delimiter run touching a CJK
    character on one side and not whitespace on the other counts as flanking
    on that side. Only emphasis scanning is affected.
    """
    from markdown_it.common.utils import isWhiteSpace
    from markdown_it.rules_inline.state_inline import Scanned, StateInline

    original = StateInline.scanDelims
    if getattr(original, "_zhizao_cjk", False):
        return

    def scan_delims(self: StateInline, start: int, canSplitWord: bool) -> Scanned:
        res = original(self, start, canSplitWord)
        last = self.src[start - 1] if start > 0 else " "
        end = start + res.length
        nxt = self.src[end] if end < self.posMax else " "
        can_open, can_close = res.can_open, res.can_close
        if _is_cjk(nxt) and not isWhiteSpace(ord(last)):
            can_open = True
        if _is_cjk(last) and not isWhiteSpace(ord(nxt)):
            can_close = True
        return Scanned(can_open, can_close, res.length)

    scan_delims._zhizao_cjk = True  # type: ignore[attr-defined]
    StateInline.scanDelims = scan_delims


def _parser() -> MarkdownIt:
    _cjk_friendly_emphasis()
    return MarkdownIt("commonmark", {"html": False}).enable("table")


_MD = _parser()


@dataclass(frozen=True)
class Ref:
    """An image or link target found in Markdown, with its 1-based position."""

    kind: str  # "image" | "link"
    target: str
    line: int
    col: int


def link_scheme(target: str) -> str | None:
    m = _SCHEME.match(target)
    return m.group(1).lower() if m else None


def resolve_local(target: str, base_dir: Path, root_dir: Path | None = None) -> Path | None:
    """The file a relative ``target`` names, if it stays inside ``root_dir`` (default: base_dir)."""
    if not target or link_scheme(target) or target.startswith(("/", "\\", "#")) or "\\" in target:
        return None
    path_part = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path_part or "\x00" in path_part:
        return None
    root = (root_dir or base_dir).resolve()
    try:
        candidate = (base_dir / path_part).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not candidate.is_relative_to(root):
        return None
    return candidate


def _image_width(path: Path) -> float | None:
    """Intrinsic width in px of a PNG, GIF or SVG (None if unknown)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"\x89PNG\r\n\x1a\n") and len(head) >= 24:
        return float(struct.unpack(">I", head[16:20])[0])
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return float(struct.unpack("<H", head[6:8])[0])
    if path.suffix.lower() == ".svg":
        text = head.decode("utf-8", "replace")
        tag = re.search(r"<svg\b[^>]*>", text, re.S)
        if tag:
            w = re.search(r'\bwidth\s*=\s*["\']\s*([\d.]+)\s*(px)?\s*["\']', tag.group(0))
            if w:
                try:
                    return float(w.group(1))
                except ValueError:
                    return None
            vb = re.search(r'\bviewBox\s*=\s*["\']\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)', tag.group(0))
            if vb:
                try:
                    return float(vb.group(1))
                except ValueError:
                    return None
    return None


def _image_uri(path: Path, root_dir: Path) -> str | None:
    """The ``src`` for a picture in the course: SVGs sanitised and inlined, others by file URL."""
    if path.suffix.lower() != ".svg":
        return path.as_uri()
    data = safe_svg_file(path, root_dir)
    if data is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")


def _as_text(token: Token, content: str) -> None:
    token.type, token.tag, token.nesting, token.attrs, token.children = "text", "", 0, {}, None
    token.content = content


def _rewrite(tokens: list[Token], base_dir: Path, root_dir: Path | None) -> None:
    for i, block in enumerate(tokens):
        if (block.type == "inline" and block.children and i > 0 and tokens[i - 1].type == "paragraph_open"
                and all(c.type == "image" or (c.type == "text" and not c.content.strip()) for c in block.children)):
            # A figure paragraph: QTextBrowser applies a proportional line height to the
            # image's line too, leaving a large gap under every diagram.
            tokens[i - 1].attrs["class"] = "figure"
        if block.type == "table_open":
            # QTextBrowser draws table borders from attributes more reliably than from CSS.
            block.attrs.update({"border": "1", "cellspacing": "0", "cellpadding": "4"})
        if block.type != "inline" or not block.children:
            continue
        children = block.children
        open_links: list[Token] = []
        for tok in children:
            if tok.type == "image":
                src = str(tok.attrs.get("src", ""))
                local = resolve_local(src, base_dir, root_dir)
                alt = _MD.renderer.renderInlineAsText(tok.children or [], _MD.options, {})
                if local is None or not local.is_file() or local.suffix.lower() not in IMAGE_SUFFIXES:
                    _as_text(tok, f"[{alt}]" if alt else "")
                    continue
                src_uri = _image_uri(local, Path(root_dir or base_dir))
                if src_uri is None:
                    _as_text(tok, f"[{alt}]" if alt else "")
                    continue
                tok.attrs["src"] = src_uri
                width = _image_width(local)
                if width and width > MAX_IMAGE_WIDTH:
                    tok.attrs["width"] = str(MAX_IMAGE_WIDTH)
            elif tok.type == "link_open":
                href = str(tok.attrs.get("href", ""))
                scheme = link_scheme(href)
                if scheme in EXTERNAL_SCHEMES:
                    tok.attrs["class"] = "external"
                    tok.attrs["title"] = href
                    tok.meta["keep"] = True
                elif scheme is None and href.startswith("#"):
                    tok.meta["keep"] = True
                else:
                    local = resolve_local(href, base_dir, root_dir) if scheme is None else None
                    if local is not None and local.is_file() and \
                            classify_link(Path(root_dir or base_dir), local.as_uri()).allowed:
                        tok.attrs["href"] = local.as_uri()
                        tok.attrs["class"] = "local"
                        tok.meta["keep"] = True
                open_links.append(tok)
                if not tok.meta.get("keep"):
                    _as_text(tok, "")
            elif tok.type == "link_close":
                opener = open_links.pop() if open_links else None
                if opener is None or opener.type == "text":
                    _as_text(tok, "")


def render_body(text: str, base_dir: Path, root_dir: Path | None = None) -> str:
    """The HTML fragment for ``text`` (no document wrapper)."""
    env: dict = {}
    tokens = _MD.parse(text, env)
    _rewrite(tokens, Path(base_dir), Path(root_dir) if root_dir else None)
    return _MD.renderer.render(tokens, _MD.options, env)


def render_markdown(text: str, base_dir: Path, root_dir: Path | None = None, *, title: str = "") -> str:
    """A complete HTML document with the lesson stylesheet.

    ``base_dir`` is the folder relative image paths start from (the step folder);
    images and local links must stay inside ``root_dir`` (the course folder; by
    default ``base_dir`` itself).
    """
    body = render_body(text, base_dir, root_dir)
    head_title = f"<title>{html.escape(title)}</title>" if title else ""
    return (f'<html><head><meta charset="utf-8">{head_title}<style type="text/css">{LESSON_CSS}</style>'
            f"</head><body>{body}</body></html>")


def _position(lines: list[str], start: int, end: int, needle: str) -> tuple[int, int]:
    for i in range(start, min(end, len(lines))):
        col = lines[i].find(needle)
        if col >= 0:
            return i + 1, col + 1
    return start + 1, 1


def markdown_refs(text: str) -> list[Ref]:
    """Every image and link target in ``text`` (as written), with positions."""
    if "[" not in text and "<" not in text:
        # Links and images need "[" or "<" ("&lbrack;" is only text; raw HTML and linkify
        # are off): nothing to find, and most short texts (instructions, tasks) skip parsing.
        return []
    quick = plain_refs(text)
    return quick if quick is not None else parsed_refs(text)


def parsed_refs(text: str) -> list[Ref]:
    """``markdown_refs`` by markdown-it's own block and inline parsers (any text)."""
    refs: list[Ref] = []
    lines = text.splitlines()
    env: dict = {}
    state = StateCore(text, _MD, env)
    normalize(state)
    block_rule(state)  # the block structure (and link reference definitions) as _MD.parse makes it
    for block in state.tokens:
        if block.type != "inline" or ("[" not in block.content and "<" not in block.content):
            continue  # inline-parsing it could find nothing; long lessons take half the time
        children: list[Token] = []
        _MD.inline.parse(block.content, _MD, env, children)
        start, end = block.map if block.map else (0, len(lines))
        for tok in children:
            if tok.type == "image":
                target = str(tok.attrs.get("src", ""))
                kind = "image"
            elif tok.type == "link_open":
                target = str(tok.attrs.get("href", ""))
                kind = "link"
            else:
                continue
            line, col = _position(lines, start, end, unquote(target).split("#")[0] or target)
            refs.append(Ref(kind, target, line, col))
    return refs


# --- the same answer without markdown-it, for plain lessons ------------------------------------
#
# A cold library load checks every lesson's links and images; markdown-it (pure Python) was most
# of that time. ``plain_refs`` reads the targets of texts where Markdown cannot hide or make a
# link in any other way than ``[text](target)`` / ``![alt](target)`` on one line, and gives up
# (None: markdown-it decides) on anything else — code (fences, indents, backticks), tables, escapes,
# ``<`` (autolinks), reference definitions, nested or unbalanced brackets, a target in any other
# form, or a position ``parsed_refs`` would find elsewhere. tests/courses/test_markdown_refs.py
# checks it against ``parsed_refs`` on every bundled lesson and on random hostile texts.

# characters that make line numbers differ between str.splitlines() and markdown-it, or hide code
_GIVE_UP_TEXT = ("\t", "\r", "\x00", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
                 "```", "~~~", "]:")
# a line's container prefix (spaces, list and quote markers): four spaces in it may start code
_PREFIX = re.compile(r"[ \-*+>.)0-9]*")
_AUTOLINK_START = re.compile(r"<[^\s<>]")  # an autolink (<https://…>, <name@host>) is a link without "["
# a table's delimiter row, also after quote or list markers ("> |---|"), and "---" (under a "|"
# line it makes a one-column table)
_DELIMITER_ROW = re.compile(r"[ |:\->*+.)0-9]*-[ |:\->*+.)0-9]*")
_BRACKETS = re.compile(r"[\[\]]")
# (target) or (target "title"): the only inline destination form read here
_DEST = re.compile(r'\(([^\x00-\x20\x7f()<>\\`|"\'\[\]&]+)(?: +"[^"\n\\`<>|\[\]&]*")? *\)')


def plain_refs(text: str) -> list[Ref] | None:
    """``parsed_refs(text)`` for plain texts, found without parsing; None when unsure."""
    if any(c in text for c in _GIVE_UP_TEXT) or _AUTOLINK_START.search(text):
        return None
    lines = text.split("\n")
    if any(len(_PREFIX.match(line).group(0)) > 16 for line in lines):  # type: ignore[union-attr]
        # markdown-it drops what lies past 20 levels; each level of a container takes at least
        # one character of its lines' prefix ("> ", a list item two), so 16 stay well below it
        return None
    refs: list[Ref] = []
    run_start = 0  # first line of the current run of non-blank lines (no block spans a blank line)
    checked = -1  # the run whose characters were checked
    for i, line in enumerate(lines):
        if not line.strip(" "):
            run_start = i + 1
            continue
        if "[" not in line and "]" not in line:
            continue
        if checked != run_start:  # code spans, escapes and autolinks can reach across a run's lines
            checked = end = run_start
            while end < len(lines) and lines[end].strip(" "):
                end += 1
            if any(c in lines[k] for k in range(run_start, end) for c in "`\\<"):
                return None
            if any(_DELIMITER_ROW.fullmatch(lines[k]) for k in range(run_start, end)):
                return None  # a table: rows are cut to the header's columns, and any line can be a row
        if "    " in _PREFIX.match(line).group(0):  # type: ignore[union-attr]
            return None  # four spaces of indent (after any list or quote markers) may make it code
        found = _line_refs(line)
        if found is None:
            return None
        for kind, target in found:
            needle = unquote(target).split("#")[0] or target
            col = line.find(needle)
            if col < 0 or any(needle in lines[k] for k in range(run_start, i)):
                return None  # parsed_refs would search the block from its start: not worth knowing it
            refs.append(Ref(kind, target, i + 1, col + 1))
    return refs


def _line_refs(line: str) -> list[tuple[str, str]] | None:
    """(kind, target) of the links and images on one line of flat, same-line brackets, or None."""
    out: list[tuple[str, str]] = []
    marks = [m.start() for m in _BRACKETS.finditer(line)]
    if len(marks) % 2:
        return None
    for k in range(0, len(marks), 2):
        open_, close = marks[k], marks[k + 1]
        if line[open_] != "[" or line[close] != "]" or "|" in line[open_:close]:
            return None
        if close + 1 >= len(line) or line[close + 1] != "(":
            continue  # no reference definitions in the text: "[x]" and "[x][y]" are text
        m = _DEST.match(line, close + 1)
        if m is None:
            return None
        href = _MD.normalizeLink(m.group(1))
        if not _MD.validateLink(href):
            continue  # markdown-it makes no link of it (javascript:, file:, ...)
        out.append(("image" if open_ > 0 and line[open_ - 1] == "!" else "link", href))
    return out
