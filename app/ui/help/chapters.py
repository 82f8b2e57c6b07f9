"""The user guide's chapters: ``docs/guide/<key>.md`` (English) and ``<key>.zh_CN.md``, read and searched.

One source of truth: the same Markdown files are the guides in ``docs/`` and the chapters of
Help → User guide. A section is addressed by the GitHub anchor of its English heading
(``trainee#robot-cell-labs-robot_cell``); a translation keeps the English file's headings in the
same order and levels, so the same anchor finds the same section in every language. No Qt here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from app.courses.render import render_markdown
from app.i18n import N_
from app.paths import package_dir

CHAPTERS: tuple[tuple[str, str], ...] = (
    ("trainee", N_("Trainee guide")),
    ("instructor", N_("Instructor guide")),
    ("administrator", N_("Administrator guide")),
    ("exams", N_("Exams")),
    ("retention", N_("Review, skills and recertification")),
)
CHAPTER_KEYS = tuple(key for key, _title in CHAPTERS)

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^(```|~~~)")
_LINK = re.compile(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)")
_HTML_HEADING = re.compile(r"<h([1-6])>")


def guide_dir() -> Path:
    """Where the chapters are: ``docs/guide`` in a checkout and in the bundle (package data)."""
    return package_dir("docs") / "guide"


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, Markdown marks and punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\*", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@dataclass
class Section:
    level: int  # 1 for the chapter title, 2 and 3 for its sections
    title: str
    anchor: str  # the English heading's anchor (the same in every language)
    own_anchor: str  # this file's own anchor (links inside a translation use it)
    text: str = ""  # the section's Markdown, heading included

    def matches(self, words: list[str]) -> bool:
        hay = self.text.casefold()
        return all(w in hay for w in words)


@dataclass
class Chapter:
    key: str
    locale: str  # the language the text is in ("en" when no translation exists)
    path: Path
    markdown: str
    sections: list[Section] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.sections[0].title if self.sections else self.key

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if anchor in (s.anchor, s.own_anchor)), None)

    def html(self) -> str:
        """The chapter as an HTML document for a QTextBrowser, each heading carrying its anchors."""
        return render_chapter(self)


def chapter_path(key: str, locale: str, folder: Path | None = None) -> Path:
    """The file of chapter ``key`` in ``locale``, English when there is no translation."""
    folder = folder or guide_dir()
    if locale and locale != "en":
        for code in (locale, locale.split("_")[0]):
            candidate = folder / f"{key}.{code}.md"
            if candidate.is_file():
                return candidate
    return folder / f"{key}.md"


def headings(markdown: str) -> list[tuple[int, str, int]]:
    """(level, heading text, line index) of every heading outside code blocks."""
    out = []
    fenced = False
    for i, line in enumerate(markdown.splitlines()):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        m = None if fenced else _HEADING.match(line)
        if m:
            out.append((len(m.group(1)), m.group(2), i))
    return out


def load_chapter(key: str, locale: str, folder: Path | None = None) -> Chapter:
    """Read chapter ``key`` in ``locale`` (English if not translated) and cut it into sections.

    Raises OSError when the chapter file is missing (a broken installation).
    """
    folder = folder or guide_dir()
    path = chapter_path(key, locale, folder)
    text = path.read_text(encoding="utf-8")
    english = text if path.name == f"{key}.md" else (folder / f"{key}.md").read_text(encoding="utf-8")
    own = headings(text)
    reference = headings(english)
    lines = text.splitlines()
    sections = []
    for n, (level, title, start) in enumerate(own):
        end = own[n + 1][2] if n + 1 < len(own) else len(lines)
        # Same order and levels as the English file (checked by tests/ui/test_help.py), so index n
        # is the same section there; a translation that drifted still opens, with its own anchors.
        same = n < len(reference) and reference[n][0] == level
        anchor = slug(reference[n][1]) if same else slug(title)
        sections.append(Section(level, _plain(title), anchor, slug(title), "\n".join(lines[start:end])))
    used_locale = "en" if path.name == f"{key}.md" else path.name[len(key) + 1:-3]
    return Chapter(key, used_locale, path, text, sections)


def load_guide(locale: str, folder: Path | None = None) -> list[Chapter]:
    return [load_chapter(key, locale, folder) for key in CHAPTER_KEYS]


def search_words(query: str) -> list[str]:
    return [w for w in query.casefold().split() if w]


def _plain(title: str) -> str:
    return re.sub(r"`|\*\*|\*", "", title).strip()


def _link(match: re.Match, chapter: Chapter) -> str:
    """Links between chapters stay (as ``#@chapter/anchor``); links to other documents become text."""
    bang, label, target = match.groups()
    if bang:
        path = (chapter.path.parent / target.split("#")[0]).resolve()
        return match.group(0) if path.is_file() and path.is_relative_to(chapter.path.parent.resolve()) else ""
    if target.startswith(("#", "http:", "https:", "mailto:")):
        return match.group(0)
    file_part, _sep, anchor = target.partition("#")
    name = Path(file_part).name
    for key in CHAPTER_KEYS:
        if name in (f"{key}.md", f"{key}.{chapter.locale}.md") and Path(file_part).parent in (Path("."), Path("")):
            return f"[{label}](#@{key}/{anchor})"
    return label


def render_chapter(chapter: Chapter) -> str:
    """HTML for the chapter: the lesson renderer's safe Markdown, plus anchors on every heading."""
    markdown = _LINK.sub(lambda m: _link(m, chapter), chapter.markdown)
    doc = render_markdown(markdown, chapter.path.parent, chapter.path.parent, title=chapter.title)
    anchors = iter(chapter.sections)

    def tag(m: re.Match) -> str:
        section = next(anchors, None)
        if section is None:
            return m.group(0)
        names = dict.fromkeys((section.anchor, section.own_anchor))
        return m.group(0) + "".join(f'<a name="{html.escape(a)}"></a>' for a in names)

    return _HTML_HEADING.sub(tag, doc)
