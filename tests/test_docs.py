"""Every relative link in README.md and docs/**/*.md points at a file (and heading) that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`|\*\*|\*", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def links(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    blanked = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    out = []
    for n, line in enumerate(blanked.splitlines(), 1):
        for m in LINK.finditer(re.sub(r"`[^`]*`", "", line)):  # an example in code is not a link
            target = m.group(1)
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto: … are not ours to check
                out.append((n, target))
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    broken = []
    for line, target in links(doc):
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{doc.relative_to(ROOT)}:{line}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{doc.relative_to(ROOT)}:{line}: {target} (no such heading)")
    assert not broken, "\n".join(broken)


def test_link_checker_finds_a_broken_link(tmp_path: Path) -> None:
    """The checker itself: a missing file and a missing heading are both reported."""
    (tmp_path / "a.md").write_text("# Title\n\n[x](b.md) [y](#nope) [z](#title) [w](https://e.x/q) `![](c.png)`\n",
                                   encoding="utf-8")
    found = [t for _, t in links(tmp_path / "a.md")]
    assert found == ["b.md", "#nope", "#title"]
    assert "title" in anchors(tmp_path / "a.md") and "nope" not in anchors(tmp_path / "a.md")


def test_readme_is_a_front_page() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in text and "make test" in text
    assert "<!-- lead:" not in text and len(text) < 12_000
    for guide in ("trainee", "instructor", "administrator"):
        assert (ROOT / "docs" / "guide" / f"{guide}.md").exists()


def test_slug_matches_github() -> None:
    assert slug("Offline workstations: sync by file") == "offline-workstations-sync-by-file"
    assert slug("Checking courses: `zhizao validate`") == "checking-courses-zhizao-validate"
    assert slug("How to add …") == "how-to-add-"
